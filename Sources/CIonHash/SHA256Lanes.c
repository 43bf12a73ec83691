// SHA-256 of many messages two at a time, on the processor's SHA extensions (SHA-NI).
//
// One message's compression is a chain of 32 `sha256rnds2`, each waiting for
// the last. Ion Hash digests every struct field on its own, and a struct's
// fields are independent, so the serializer hands a struct's fields over
// together and they are hashed on two lanes: each lane compresses its message's
// next block beside the other lane's, and takes the next message when its own
// is done, so a long field runs beside several short ones. C loops over real
// blocks on this project's machines: ~42-46 ns a block for one message alone,
// ~34-39 ns a block with two side by side (the message schedule and the
// rounds share the processor's SHA unit, so a second chain does not double the
// rate, and a third adds nothing). The rounds follow Intel's "SHA extensions"
// paper (as OpenSSL's sha256-x86_64 and Linux's sha256_ni_asm.S do).
//
// Callers check `tally_sha256_each_available()` first; without the extensions
// (or off x86-64) they hash each message with OpenSSL as before.
#include "CIonHash.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int tally_sha256_each_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return ssse3 && sse41 && ((b >> 29) & 1);
}

static const uint32_t K256[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define SHA_NI __attribute__((target("sha,sse4.1,ssse3")))
#define SHA_NI_INLINE SHA_NI __attribute__((always_inline)) static inline

/// The working state as the instructions want it: ABEF and CDGH.
typedef struct { __m128i abef, cdgh; } State;

/// A block as the rounds take it: sixteen big-endian words, four to a register.
typedef struct { __m128i w[4]; } Block;

SHA_NI_INLINE __m128i big_endian_words(__m128i bytes) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    return _mm_shuffle_epi8(bytes, bswap);
}

/// The four rounds of group i (0...15): `w` holds the schedule's last
/// sixteen words, four to a register.
#define ROUNDS(s, w, i)                                                                          \
    do {                                                                                         \
        __m128i m = _mm_add_epi32(w[(i) & 3], _mm_load_si128((const __m128i *)&K256[4 * (i)])); \
        s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, m);                                       \
        if ((i) >= 3 && (i) <= 14) {                                                             \
            __m128i t = _mm_alignr_epi8(w[(i) & 3], w[((i) + 3) & 3], 4);                        \
            w[((i) + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(w[((i) + 1) & 3], t), w[(i) & 3]); \
        }                                                                                        \
        s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, _mm_shuffle_epi32(m, 0x0E));               \
        if ((i) >= 1 && (i) <= 12) w[((i) + 3) & 3] = _mm_sha256msg1_epu32(w[((i) + 3) & 3], w[(i) & 3]); \
    } while (0)

SHA_NI_INLINE void compress(State *state, Block b) {
    State s = *state;
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) ROUNDS(s, b.w, i);
    state->abef = _mm_add_epi32(state->abef, s.abef);
    state->cdgh = _mm_add_epi32(state->cdgh, s.cdgh);
}

/// Two compressions written side by side, so that neither chain waits alone.
SHA_NI_INLINE void compress2(State *sa, Block a, State *sb, Block b) {
    State s = *sa, t = *sb;
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) {
        ROUNDS(s, a.w, i);
        ROUNDS(t, b.w, i);
    }
    sa->abef = _mm_add_epi32(sa->abef, s.abef);
    sa->cdgh = _mm_add_epi32(sa->cdgh, s.cdgh);
    sb->abef = _mm_add_epi32(sb->abef, t.abef);
    sb->cdgh = _mm_add_epi32(sb->cdgh, t.cdgh);
}

SHA_NI_INLINE State initial_state(void) {
    // H0 = 6a09e667 bb67ae85 3c6ef372 a54ff53a 510e527f 9b05688c 1f83d9ab 5be0cd19, as ABEF / CDGH.
    State s;
    s.abef = _mm_set_epi32(0x6a09e667, 0xbb67ae85, 0x510e527f, 0x9b05688c);
    s.cdgh = _mm_set_epi32(0x3c6ef372, 0xa54ff53a, 0x1f83d9ab, 0x5be0cd19);
    return s;
}

SHA_NI_INLINE void write_digest(State s, uint8_t *out) {
    // ABEF / CDGH back to A...H, big-endian.
    __m128i feba = _mm_shuffle_epi32(s.abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xB1);
    __m128i dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    __m128i hgfe = _mm_alignr_epi8(dchg, feba, 8);
    _mm_storeu_si128((__m128i *)out, big_endian_words(dcba));
    _mm_storeu_si128((__m128i *)(out + 16), big_endian_words(hgfe));
}

/// A message as its blocks: the whole ones where they lie, then its padded
/// tail (one block, or two when fewer than nine bytes of room remain), which
/// is formed in registers from the 64 bytes at the tail, readable past the end.
typedef struct {
    const uint8_t *data;
    size_t whole, blocks, rest;
    uint64_t bits;
} Message;

static inline Message message(const void *data, size_t length) {
    Message m;
    m.data = (const uint8_t *)data;
    m.whole = length / 64;
    m.rest = length % 64;
    m.blocks = m.whole + (m.rest < 56 ? 1 : 2);
    m.bits = (uint64_t)length << 3;
    return m;
}

SHA_NI_INLINE Block block_of(const Message *m, size_t i) {
    Block b;
    if (i < m->whole) {
#pragma clang loop unroll(full)
        for (int k = 0; k < 4; k++) b.w[k] = big_endian_words(_mm_loadu_si128((const __m128i *)(m->data + 64 * i + 16 * k)));
        return b;
    }
    int first = i == m->whole, last = i + 1 == m->blocks;
    const __m128i index = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i rest = _mm_set1_epi8((char)m->rest);
#pragma clang loop unroll(full)
    for (int k = 0; k < 4; k++) {
        __m128i bytes = _mm_setzero_si128();
        if (first) {
            __m128i at = _mm_add_epi8(index, _mm_set1_epi8((char)(16 * k)));
            __m128i kept = _mm_cmpgt_epi8(rest, at);   // indices under 64: signed compare is right
            bytes = _mm_and_si128(_mm_loadu_si128((const __m128i *)(m->data + 64 * m->whole + 16 * k)), kept);
            bytes = _mm_or_si128(bytes, _mm_and_si128(_mm_cmpeq_epi8(rest, at), _mm_set1_epi8((char)0x80)));
        }
        if (last && k == 3) bytes = _mm_or_si128(bytes, _mm_set_epi64x((long long)__builtin_bswap64(m->bits), 0));
        b.w[k] = big_endian_words(bytes);
    }
    return b;
}

/// One of the two chains: the message it is on, its state and next block.
typedef struct {
    Message m;
    State s;
    size_t block, index;
} Lane;

/// Puts the next message not yet taken on `lane`; 0 when none is left.
SHA_NI_INLINE int take(Lane *lane, size_t *next, const uint8_t *bytes, const intptr_t *starts, size_t count,
                       size_t end) {
    if (*next == count) return 0;
    size_t i = (*next)++;
    size_t to = i + 1 < count ? (size_t)starts[i + 1] : end;
    lane->m = message(bytes + starts[i], to - (size_t)starts[i]);
    lane->s = initial_state();
    lane->block = 0;
    lane->index = i;
    return 1;
}

SHA_NI void tally_sha256_each(const uint8_t *bytes, const intptr_t *starts, size_t count, size_t end, uint8_t *out) {
    Lane a, b;
    size_t next = 0;
    int onA = take(&a, &next, bytes, starts, count, end), onB = take(&b, &next, bytes, starts, count, end);
    while (onA && onB) {
        compress2(&a.s, block_of(&a.m, a.block), &b.s, block_of(&b.m, b.block));
        if (++a.block == a.m.blocks) {
            write_digest(a.s, out + 32 * a.index);
            onA = take(&a, &next, bytes, starts, count, end);
        }
        if (++b.block == b.m.blocks) {
            write_digest(b.s, out + 32 * b.index);
            onB = take(&b, &next, bytes, starts, count, end);
        }
    }
    Lane *last = onA ? &a : onB ? &b : NULL;
    if (!last) return;
    for (;;) {
        compress(&last->s, block_of(&last->m, last->block));
        if (++last->block < last->m.blocks) continue;
        write_digest(last->s, out + 32 * last->index);
        if (!take(last, &next, bytes, starts, count, end)) return;
    }
}

#else

int tally_sha256_each_available(void) { return 0; }

void tally_sha256_each(const uint8_t *bytes, const intptr_t *starts, size_t count, size_t end, uint8_t *out) {
    (void)bytes; (void)starts; (void)count; (void)end; (void)out;
    __builtin_trap();   // callers check tally_sha256_each_available() first
}

#endif

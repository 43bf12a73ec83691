// A struct's SHA-256 field digests sorted and escaped in one call, each digest
// escaped without a branch on its bytes on AVX-512 VBMI2 (Ice Lake and later,
// Zen 4 and later).
//
// Each of a digest's 32 bytes is spread to the odd byte of a pair whose even
// byte is 0x0C (one `vpermb`), and `vpcompressb` keeps the 0x0C only before a
// marker. Digests are random bytes, so one in three holds a marker; the SSE2
// path of CIonHash.h then goes byte by byte, and escaping was most of what
// `endFields` spent besides SHA-256.
#include "CIonHash.h"

#include <stdlib.h>

static int escapes_wide = 0;

int tally_ion_hash_sorted_digests_are_wide(void) { return escapes_wide; }

/// Big-endian first eight bytes: orders two digests unless they are equal.
static inline uint64_t key_of(const uint8_t *digest) {
    uint64_t k;
    memcpy(&k, digest, 8);
    return __builtin_bswap64(k);
}

static int precedes(uint64_t ka, const uint8_t *a, uint64_t kb, const uint8_t *b) {
    if (ka != kb) return ka < kb;
    return memcmp(a, b, 32) < 0;
}

static int compare_digests(const void *x, const void *y) {
    return memcmp(*(const uint8_t *const *)x, *(const uint8_t *const *)y, 32);
}

/// Sixteen digests or fewer, placed by rank: each one's place is the count of
/// keys below its own, without a branch on the keys (an insertion sort's
/// comparisons of random digests are mispredicted one time in two). Returns 0
/// when two keys are equal: then `order` is not the order.
static inline int place_by_rank(const uint8_t *digests, size_t count, const uint8_t **order) {
    uint64_t keys[16];
    for (size_t i = 0; i < count; i++) keys[i] = key_of(digests + 32 * i);
    size_t ties = 0;
    for (size_t i = 0; i < count; i++) {
        size_t rank = 0;
        for (size_t j = 0; j < count; j++) {
            rank += keys[j] < keys[i];
            ties += keys[j] == keys[i];
        }
        order[rank] = digests + 32 * i;
    }
    return ties == count;   // each key equal to itself only
}

/// By insertion, comparing whole digests where keys are equal.
static void insertion_sort(const uint8_t *digests, size_t count, const uint8_t **order) {
    uint64_t keys[16];
    for (size_t i = 0; i < count; i++) {
        const uint8_t *d = digests + 32 * i;
        uint64_t k = key_of(d);
        size_t j = i;
        while (j > 0 && precedes(k, d, keys[j - 1], order[j - 1])) {
            keys[j] = keys[j - 1];
            order[j] = order[j - 1];
            j--;
        }
        keys[j] = k;
        order[j] = d;
    }
}

/// `order` (room for `count`) pointed at the digests, sorted as unsigned byte strings.
static void sort_digests(const uint8_t *digests, size_t count, const uint8_t **order) {
    if (count > 16) {
        for (size_t i = 0; i < count; i++) order[i] = digests + 32 * i;
        qsort(order, count, sizeof *order, compare_digests);
    } else if (!place_by_rank(digests, count, order)) {
        insertion_sort(digests, count, order);
    }
}

/// The digests in order: in `small` when there are at most sixteen, else in
/// memory the caller frees.
static const uint8_t **sorted(const uint8_t *digests, size_t count, const uint8_t **small) {
    const uint8_t **order = count <= 16 ? small : malloc(count * sizeof *order);
    if (!order) abort();
    sort_digests(digests, count, order);
    return order;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int tally_ion_hash_wide_escaping_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, popcnt = (c >> 23) & 1;
    if (!osxsave || !popcnt) return 0;
    // The operating system saves the AVX-512 state: XCR0 bits 1, 2 and 5-7.
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xE6) != 0xE6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int bmi2 = (b >> 8) & 1, avx512f = (b >> 16) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    int vbmi = (c >> 1) & 1, vbmi2 = (c >> 6) & 1;
    return bmi2 && avx512f && avx512bw && avx512vl && vbmi && vbmi2;
}

__attribute__((constructor)) static void tally_ion_hash_choose_escaping(void) {
    escapes_wide = tally_ion_hash_wide_escaping_available();
}

#define WIDE __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi2,popcnt")))

/// A 32-byte digest escaped; returns how many bytes it wrote (32 to 64).
WIDE __attribute__((always_inline)) static inline size_t escape_digest(const uint8_t *p, uint8_t *out) {
    // Byte i of the digest goes to byte 2i + 1; the even bytes keep the 0x0C they are filled with.
    static const uint8_t spread[64] __attribute__((aligned(64))) = {
        0, 0,  0, 1,  0, 2,  0, 3,  0, 4,  0, 5,  0, 6,  0, 7,  0, 8,  0, 9,  0, 10, 0, 11, 0, 12, 0, 13, 0, 14, 0, 15,
        0, 16, 0, 17, 0, 18, 0, 19, 0, 20, 0, 21, 0, 22, 0, 23, 0, 24, 0, 25, 0, 26, 0, 27, 0, 28, 0, 29, 0, 30, 0, 31};
    __m256i v = _mm256_loadu_si256((const __m256i *)p);
    __mmask32 markers = _mm256_cmpeq_epi8_mask(v, _mm256_set1_epi8(0x0B)) | _mm256_cmpeq_epi8_mask(v, _mm256_set1_epi8(0x0C)) |
                        _mm256_cmpeq_epi8_mask(v, _mm256_set1_epi8(0x0E));
    __m512i pairs = _mm512_mask_permutexvar_epi8(_mm512_set1_epi8(0x0C), (__mmask64)0xAAAAAAAAAAAAAAAAull,
                                                 _mm512_load_si512((const void *)spread), _mm512_castsi256_si512(v));
    // Every odd byte (the digest's), and an even byte (its 0x0C) only before a marker.
    uint64_t keep = _pdep_u64((uint64_t)markers, 0x5555555555555555ull) | 0xAAAAAAAAAAAAAAAAull;
    size_t written = 32 + (size_t)_mm_popcnt_u32((unsigned)markers);
    _mm512_mask_storeu_epi8(out, (__mmask64)_bzhi_u64(~0ull, (unsigned)written),
                            _mm512_maskz_compress_epi8((__mmask64)keep, pairs));
    return written;
}

WIDE static size_t append_sorted_digests_wide(const uint8_t *digests, size_t count, uint8_t *out) {
    const uint8_t *small[16], **order = sorted(digests, count, small);
    size_t o = 0;
    for (size_t i = 0; i < count; i++) o += escape_digest(order[i], out + o);
    if (order != small) free(order);
    return o;
}

#else

int tally_ion_hash_wide_escaping_available(void) { return 0; }

#endif

static size_t append_sorted_digests_narrow(const uint8_t *digests, size_t count, uint8_t *out) {
    const uint8_t *small[16], **order = sorted(digests, count, small);
    size_t o = 0;
    for (size_t i = 0; i < count; i++) o += tally_ion_hash_append_escaped(order[i], 32, out + o);
    if (order != small) free(order);
    return o;
}

size_t tally_ion_hash_append_sorted_digests(const uint8_t *digests, size_t count, uint8_t *out) {
#if defined(__x86_64__)
    if (escapes_wide) return append_sorted_digests_wide(digests, count, out);
#endif
    return append_sorted_digests_narrow(digests, count, out);
}

size_t tally_ion_hash_append_sorted_digests_narrow(const uint8_t *digests, size_t count, uint8_t *out) {
    return append_sorted_digests_narrow(digests, count, out);
}

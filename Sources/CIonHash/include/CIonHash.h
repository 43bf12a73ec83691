#ifndef TALLY_CIONHASH_SHIM_H
#define TALLY_CIONHASH_SHIM_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

// Ion Hash's escaping (amazon-ion/ion-hash docs/spec.md): every 0x0B, 0x0C and
// 0x0E byte of a representation or field digest is preceded by 0x0C. Sixteen
// bytes are tested at a time with SSE2 (part of every x86-64 processor);
// Swift's own SIMD types compiled to scalar code here, four times slower than
// the word-at-a-time test they were to replace.

static inline int tally_ion_hash_is_marker(uint8_t b) { return (b == 0x0B) | (b == 0x0C) | (b == 0x0E); }

/// Byte by byte: `count` bytes to `out` (room for 2 × count), each marker after
/// a 0x0C. Without a branch on the byte: a 0x0C is written at every step and
/// kept only when the byte goes after it. (Field digests are random bytes: a
/// sixteen-byte run of one holds a marker one time in six, and a branch on
/// each byte of it was mispredicted often enough to cost more than the rest.)
static inline size_t tally_ion_hash_escape_bytes(const uint8_t *p, size_t count, uint8_t *out) {
    size_t o = 0;
    for (size_t i = 0; i < count; i++) {
        uint8_t b = p[i];
        size_t marker = (size_t)tally_ion_hash_is_marker(b);
        out[o] = 0x0C;
        out[o + marker] = b;
        o += 1 + marker;
    }
    return o;
}

#if defined(__x86_64__)
#include <emmintrin.h>

/// Bit k set when byte k of `v` is a marker.
static inline unsigned tally_ion_hash_marker_mask_of(__m128i v) {
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x0B)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0C))),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0E)));
    return (unsigned)_mm_movemask_epi8(m);
}

/// Bit k set when byte k of the sixteen at `p` is a marker.
static inline unsigned tally_ion_hash_marker_mask(const uint8_t *p) {
    return tally_ion_hash_marker_mask_of(_mm_loadu_si128((const __m128i *)p));
}

static inline uint64_t tally_ion_hash_load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t tally_ion_hash_load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/// Bit k set when byte k of the (at most sixteen) bytes at `p` is a marker,
/// for `count` < 16: read as two overlapping halves in one register (zero
/// lanes are no markers), never past `p + count`.
static inline unsigned tally_ion_hash_short_mask(const uint8_t *p, size_t count) {
    if (count >= 8) {
        return tally_ion_hash_marker_mask_of(_mm_set_epi64x((long long)tally_ion_hash_load64(p + count - 8),
                                                            (long long)tally_ion_hash_load64(p)));
    }
    if (count >= 4) {
        return tally_ion_hash_marker_mask_of(_mm_set_epi32(0, 0, (int)tally_ion_hash_load32(p + count - 4),
                                                           (int)tally_ion_hash_load32(p)));
    }
    unsigned mask = 0;
    for (size_t i = 0; i < count; i++) mask |= (unsigned)tally_ion_hash_is_marker(p[i]) << i;
    return mask;
}

/// Whether any of `count` bytes is a marker. The last sixteen of a longer
/// run overlap the ones before them.
static inline int tally_ion_hash_has_marker(const void *bytes, size_t count) {
    const uint8_t *p = (const uint8_t *)bytes;
    if (count < 16) return tally_ion_hash_short_mask(p, count) != 0;
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        if (tally_ion_hash_marker_mask(p + i)) return 1;
    }
    return i < count && tally_ion_hash_marker_mask(p + count - 16) != 0;
}

/// `count` bytes copied to `out` (room for 2 × count) escaped, in one pass:
/// runs without markers go sixteen bytes at a time (shorter ones as two
/// overlapping halves), and only a run holding a marker is copied byte by
/// byte. Returns how many bytes it wrote. (A test for markers followed by a
/// copy read every byte twice and called memcpy for a few bytes: most of
/// what hashing spent on escaping.)
static inline size_t tally_ion_hash_append_escaped(const void *bytes, size_t count, uint8_t *out) {
    const uint8_t *p = (const uint8_t *)bytes;
    if (count < 16) {
        if (count >= 8) {
            uint64_t a = tally_ion_hash_load64(p), b = tally_ion_hash_load64(p + count - 8);
            if (tally_ion_hash_marker_mask_of(_mm_set_epi64x((long long)b, (long long)a)) == 0) {
                memcpy(out, &a, 8);
                memcpy(out + count - 8, &b, 8);
                return count;
            }
        } else if (count >= 4) {
            uint32_t a = tally_ion_hash_load32(p), b = tally_ion_hash_load32(p + count - 4);
            if (tally_ion_hash_marker_mask_of(_mm_set_epi32(0, 0, (int)b, (int)a)) == 0) {
                memcpy(out, &a, 4);
                memcpy(out + count - 4, &b, 4);
                return count;
            }
        }
        return tally_ion_hash_escape_bytes(p, count, out);
    }
    size_t i = 0, o = 0;
    for (; i + 16 <= count; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        unsigned mask = tally_ion_hash_marker_mask_of(v);
        if (mask == 0) {
            _mm_storeu_si128((__m128i *)(out + o), v);
            o += 16;
            continue;
        }
        for (unsigned k = 0; k < 16; k++) {   // as tally_ion_hash_escape_bytes, the markers known
            size_t marker = mask >> k & 1;
            out[o] = 0x0C;
            out[o + marker] = p[i + k];
            o += 1 + marker;
        }
    }
    if (i < count) {
        // The last sixteen bytes, overlapping some already written: when none of
        // the sixteen is a marker, those were written unescaped, so rewriting them is harmless.
        size_t back = 16 - (count - i);
        __m128i v = _mm_loadu_si128((const __m128i *)(p + count - 16));
        if (tally_ion_hash_marker_mask_of(v) == 0) {
            _mm_storeu_si128((__m128i *)(out + o - back), v);
            o += count - i;
        } else {
            o += tally_ion_hash_escape_bytes(p + i, count - i, out + o);
        }
    }
    return o;
}

#else

static inline int tally_ion_hash_has_marker(const void *bytes, size_t count) {
    const uint8_t *p = (const uint8_t *)bytes;
    for (size_t i = 0; i < count; i++) {
        if (tally_ion_hash_is_marker(p[i])) return 1;
    }
    return 0;
}

static inline size_t tally_ion_hash_append_escaped(const void *bytes, size_t count, uint8_t *out) {
    return tally_ion_hash_escape_bytes((const uint8_t *)bytes, count, out);
}

#endif

/// `0x0B tq escape(bytes) 0x0E` for at most fifteen bytes held in two words
/// (the first eight in `low`, least significant first, the rest in `high`),
/// as a small Swift string holds them: read from registers, where copying
/// them to memory to be read back stalled each load. `out` has room for 34 bytes.
static inline size_t tally_ion_hash_append_small_scalar(uint8_t tq, uint64_t low, uint64_t high, size_t count, uint8_t *out) {
    uint8_t bytes[16];
    memcpy(bytes, &low, 8);
    memcpy(bytes + 8, &high, 8);
    out[0] = 0x0B;
    out[1] = tq;
#if defined(__x86_64__)
    __m128i v = _mm_set_epi64x((long long)high, (long long)low);
    if ((tally_ion_hash_marker_mask_of(v) & ((1u << count) - 1)) == 0) {
        _mm_storeu_si128((__m128i *)(out + 2), v);
        out[2 + count] = 0x0E;
        return count + 3;
    }
#endif
    size_t o = 2 + tally_ion_hash_escape_bytes(bytes, count, out + 2);
    out[o] = 0x0E;
    return o + 1;
}

// A struct's field digests sorted and escaped (WideEscaping.c): with AVX-512
// VBMI2 when the processor and the operating system have it (checked once, at
// load time), else with SSE2 as above.
int tally_ion_hash_wide_escaping_available(void);
/// Whether tally_ion_hash_append_sorted_digests escapes with AVX-512.
int tally_ion_hash_sorted_digests_are_wide(void);

/// The `count` 32-byte digests at `digests` sorted, escaped and laid end to end
/// at `out` (room for 64 × count): a struct's bytes between its markers.
/// Returns how many bytes it wrote.
size_t tally_ion_hash_append_sorted_digests(const uint8_t *digests, size_t count, uint8_t *out);
/// The same, escaping with SSE2 whatever the processor has.
size_t tally_ion_hash_append_sorted_digests_narrow(const uint8_t *digests, size_t count, uint8_t *out);

// SHA-256 on the SHA extensions (SHA256Lanes.c). Call only when
// tally_sha256_each_available() returned non-zero. Each message must be
// followed by TALLY_SHA256_READ_AHEAD readable bytes: its padded tail is formed
// in registers from a whole block's load (their values do not matter).
#define TALLY_SHA256_READ_AHEAD 64
int tally_sha256_each_available(void);
/// The digests of `count` messages laid end to end in `bytes`: message i runs from
/// starts[i] to starts[i + 1] (the last to `end`); its digest goes to out + 32 i.
void tally_sha256_each(const uint8_t *bytes, const intptr_t *starts, size_t count, size_t end, uint8_t *out);

#endif

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

static inline int tally_ion_hash_is_marker(uint8_t b) { return b == 0x0B || b == 0x0C || b == 0x0E; }

#if defined(__x86_64__)
#include <emmintrin.h>

/// Bit k set when byte k of the sixteen at `p` is a marker.
static inline unsigned tally_ion_hash_marker_mask(const uint8_t *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x0B)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0C))),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0E)));
    return (unsigned)_mm_movemask_epi8(m);
}

/// Whether any of `count` bytes is a marker. Fewer than sixteen bytes are
/// read as two overlapping halves (zero bytes are no markers); the last
/// sixteen of a longer run overlap the ones before them.
static inline int tally_ion_hash_has_marker(const void *bytes, size_t count) {
    const uint8_t *p = (const uint8_t *)bytes;
    if (count >= 16) {
        size_t i = 0;
        for (; i + 16 <= count; i += 16) {
            if (tally_ion_hash_marker_mask(p + i)) return 1;
        }
        return i < count && tally_ion_hash_marker_mask(p + count - 16) != 0;
    }
    uint8_t word[16] = {0};
    if (count >= 8) {
        memcpy(word, p, 8);
        memcpy(word + 8, p + count - 8, 8);
    } else if (count >= 4) {
        memcpy(word, p, 4);
        memcpy(word + 4, p + count - 4, 4);
    } else {
        for (size_t i = 0; i < count; i++) word[i] = p[i];
    }
    return tally_ion_hash_marker_mask(word) != 0;
}

/// Writes `count` bytes escaped to `out` (room for 2 × count); returns how many it wrote.
static inline size_t tally_ion_hash_escape(const void *bytes, size_t count, uint8_t *out) {
    const uint8_t *p = (const uint8_t *)bytes;
    size_t i = 0, o = 0;
    for (; i + 16 <= count; i += 16) {
        unsigned mask = tally_ion_hash_marker_mask(p + i);
        if (mask == 0) {
            memcpy(out + o, p + i, 16);
            o += 16;
            continue;
        }
        for (unsigned k = 0; k < 16; k++) {
            if (mask >> k & 1) out[o++] = 0x0C;
            out[o++] = p[i + k];
        }
    }
    for (; i < count; i++) {
        if (tally_ion_hash_is_marker(p[i])) out[o++] = 0x0C;
        out[o++] = p[i];
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

static inline size_t tally_ion_hash_escape(const void *bytes, size_t count, uint8_t *out) {
    const uint8_t *p = (const uint8_t *)bytes;
    size_t o = 0;
    for (size_t i = 0; i < count; i++) {
        if (tally_ion_hash_is_marker(p[i])) out[o++] = 0x0C;
        out[o++] = p[i];
    }
    return o;
}

#endif
#endif

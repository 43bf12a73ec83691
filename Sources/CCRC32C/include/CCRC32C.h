#ifndef TALLY_CCRC32C_SHIM_H
#define TALLY_CCRC32C_SHIM_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

// CRC-32C with the processor's own instruction (x86-64 SSE4.2 `crc32`), for
// the Checksum module; it keeps its portable slicing-by-8 for other machines.
// The state is the raw register: the caller inverts before and after.

#if defined(__x86_64__)
#include <cpuid.h>

static inline int tally_crc32c_hardware(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return (c & bit_SSE4_2) != 0;
}

__attribute__((target("sse4.2")))
static inline uint32_t tally_crc32c_update(uint32_t state, const void *bytes, size_t count) {
    const uint8_t *p = (const uint8_t *)bytes;
    uint64_t c = state;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
        p += 8;
        count -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (count > 0) {
        c32 = __builtin_ia32_crc32qi(c32, *p++);
        count--;
    }
    return c32;
}
#else
static inline int tally_crc32c_hardware(void) { return 0; }
static inline uint32_t tally_crc32c_update(uint32_t state, const void *bytes, size_t count) {
    (void)bytes; (void)count;
    return state;
}
#endif
#endif

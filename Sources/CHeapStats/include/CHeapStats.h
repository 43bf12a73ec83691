#ifndef TALLY_CHEAPSTATS_SHIM_H
#define TALLY_CHEAPSTATS_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stddef.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

// Bytes the allocator has handed out and not yet freed (glibc's `mallinfo2`),
// or 0 where that is not available. For tests that check memory estimates.
static inline size_t tally_heap_bytes_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

// Benchmarks only: keep freed memory in the process (no trimming of the heap
// top, no mmap for blocks under 32 MiB), so that a run does not page-fault in
// again what the previous run's values gave back. Returns 0 where unsupported.
static inline int tally_keep_freed_heap(void) {
#if defined(__GLIBC__)
    return mallopt(M_TRIM_THRESHOLD, 1 << 30) && mallopt(M_MMAP_THRESHOLD, 32 << 20);
#else
    return 0;
#endif
}

// 1 when malloc is gperftools' tcmalloc (the tally executable links it), which
// keeps freed memory in its page heap and ignores glibc's `mallopt` settings.
static inline int tally_malloc_is_tcmalloc(void) {
    return dlsym(RTLD_DEFAULT, "tc_version") != NULL;
}
#endif

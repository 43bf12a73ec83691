#ifndef TALLY_CHEAPSTATS_SHIM_H
#define TALLY_CHEAPSTATS_SHIM_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <dlfcn.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

// jemalloc's control interface, looked up at run time: the tally executable
// links jemalloc (Package.swift), tests and other binaries keep glibc's malloc.
typedef int (*tally_mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static inline tally_mallctl_fn tally_mallctl(void) {
    return (tally_mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
}

// The allocator's version if it is jemalloc ("5.3.0-0-g…"), or NULL (glibc's malloc).
static inline const char *tally_jemalloc_version(void) {
    tally_mallctl_fn mallctl = tally_mallctl();
    if (!mallctl) return NULL;
    const char *version = NULL;
    size_t size = sizeof version;
    if (mallctl("version", &version, &size, NULL, 0) != 0 || !version) return "unknown";
    return version;
}

// Bytes the allocator has handed out and not yet freed (jemalloc's
// `stats.allocated`, glibc's `mallinfo2`), or 0 where that is not available.
// For tests that check memory estimates.
static inline size_t tally_heap_bytes_in_use(void) {
    tally_mallctl_fn mallctl = tally_mallctl();
    if (mallctl) {
        // Objects cached for this thread count as allocated: hand them back first.
        mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
        uint64_t epoch = 1;
        size_t size = sizeof epoch;
        mallctl("epoch", &epoch, &size, &epoch, size);   // refreshes the statistics
        size_t allocated = 0;
        size = sizeof allocated;
        return mallctl("stats.allocated", &allocated, &size, NULL, 0) == 0 ? allocated : 0;
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

// Benchmarks only: keep freed memory in the process (jemalloc: never purge
// freed pages of any arena; glibc: no trimming of the heap top, no mmap for
// blocks under 32 MiB), so that a run does not page-fault in again what the
// previous run's values gave back. Returns 0 where unsupported.
static inline int tally_keep_freed_heap(void) {
    tally_mallctl_fn mallctl = tally_mallctl();
    if (mallctl) {
        ssize_t never = -1;
        // 4096 is MALLCTL_ARENAS_ALL.
        return mallctl("arena.4096.dirty_decay_ms", NULL, NULL, &never, sizeof never) == 0
            && mallctl("arena.4096.muzzy_decay_ms", NULL, NULL, &never, sizeof never) == 0;
    }
#if defined(__GLIBC__)
    return mallopt(M_TRIM_THRESHOLD, 1 << 30) && mallopt(M_MMAP_THRESHOLD, 32 << 20);
#else
    return 0;
#endif
}
#endif

#ifndef TALLY_CLIBUV_SHIM_H
#define TALLY_CLIBUV_SHIM_H
#include <uv.h>

// libuv error codes are enum constants defined through macros; these give
// Swift a stable way to name the few the network layer compares against.
static inline int tally_uv_eof(void) { return UV_EOF; }
static inline int tally_uv_eagain(void) { return UV_EAGAIN; }
static inline int tally_uv_ecanceled(void) { return UV_ECANCELED; }
static inline int tally_uv_etimedout(void) { return UV_ETIMEDOUT; }
static inline int tally_uv_einval(void) { return UV_EINVAL; }
#endif

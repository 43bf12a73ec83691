#ifndef TALLY_CLIBUV_SHIM_H
#define TALLY_CLIBUV_SHIM_H
#include <uv.h>
#endif

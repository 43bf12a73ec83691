#ifndef TALLY_CLMDB_SHIM_H
#define TALLY_CLMDB_SHIM_H
// LMDB from Debian's liblmdb-dev (0.9.24 on bookworm). The Swift wrapper is
// Sources/LMDB; nothing else should import this module.
#include <lmdb.h>
#endif

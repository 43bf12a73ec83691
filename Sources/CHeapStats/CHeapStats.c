// CHeapStats is header-only (static inline functions that Swift imports and inlines). This
// file makes it a C target rather than a system library: SwiftPM then rebuilds
// the modules that import it when the header changes.
#include "CHeapStats.h"

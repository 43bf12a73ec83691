// CIonHash's escaping is in its header (static inline functions that Swift imports
// and inlines); its SHA-256 lanes are compiled in SHA256Lanes.c, and a struct's
// digests are sorted and escaped in WideEscaping.c. This file makes
// the header part of a C target rather than a system library: SwiftPM then
// rebuilds the modules that import it when the header changes.
#include "CIonHash.h"

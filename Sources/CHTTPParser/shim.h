#ifndef TALLY_CHTTPPARSER_SHIM_H
#define TALLY_CHTTPPARSER_SHIM_H
#include <http_parser.h>
#endif

#ifndef TALLY_CHTTPPARSER_SHIM_H
#define TALLY_CHTTPPARSER_SHIM_H
#include <http_parser.h>

// http_parser keeps its state in bit-fields and names its enums through
// macros; these accessors give Swift plain functions to call.
static inline void tally_http_parser_init_request(http_parser *p) { http_parser_init(p, HTTP_REQUEST); }
static inline void tally_http_parser_init_response(http_parser *p) { http_parser_init(p, HTTP_RESPONSE); }
static inline int tally_http_parser_errno(const http_parser *p) { return (int)p->http_errno; }
static inline int tally_http_parser_is_paused(const http_parser *p) { return p->http_errno == HPE_PAUSED; }
static inline const char *tally_http_parser_errno_name(const http_parser *p) {
    return http_errno_name((enum http_errno)p->http_errno);
}
static inline const char *tally_http_parser_errno_description(const http_parser *p) {
    return http_errno_description((enum http_errno)p->http_errno);
}
static inline const char *tally_http_parser_method(const http_parser *p) {
    return http_method_str((enum http_method)p->method);
}
static inline unsigned int tally_http_parser_status(const http_parser *p) { return p->status_code; }
static inline int tally_http_parser_upgrade(const http_parser *p) { return p->upgrade; }
static inline int tally_http_parser_is_chunked(const http_parser *p) { return (p->flags & F_CHUNKED) != 0; }
static inline unsigned long long tally_http_parser_content_length(const http_parser *p) { return p->content_length; }
#endif

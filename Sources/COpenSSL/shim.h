#ifndef TALLY_COPENSSL_SHIM_H
#define TALLY_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/crypto.h>

// Swift does not import C function-like macros; each one Tally needs is
// wrapped here in a static inline function.

static inline long tally_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}

static inline long tally_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

static inline long tally_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

/// One-shot SHA-256 on a stack context: the low-level API goes straight to
/// the SHA-NI/AVX code without EVP's per-call fetch, which matters for the
/// many small field hashes of Ion Hash.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline void tally_sha256(const void *data, size_t length, unsigned char *out32) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, length);
    SHA256_Final(out32, &ctx);
}

static inline void tally_sha256_two(const void *a, size_t alen, const void *b, size_t blen, unsigned char *out32) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, a, alen);
    SHA256_Update(&ctx, b, blen);
    SHA256_Final(out32, &ctx);
}
#pragma GCC diagnostic pop

static inline const char *tally_OpenSSL_version_text(void) {
    return OpenSSL_version(OPENSSL_VERSION);
}
#endif

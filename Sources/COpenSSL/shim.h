#ifndef TALLY_COPENSSL_SHIM_H
#define TALLY_COPENSSL_SHIM_H
#include <string.h>
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

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
/// One-shot SHA-256 on a stack context: the low-level API goes straight to
/// the SHA-NI/AVX code without EVP's per-call fetch, which matters for the
/// many small field hashes of Ion Hash. A message under 256 bytes (Ion Hash's
/// field digests, SigV4's strings) skips `SHA256_Final`: its padded tail is
/// compressed here with `SHA256_Transform` (the same block function), without
/// Final's buffer copies and its `OPENSSL_cleanse` of the context.
static inline void tally_sha256(const void *data, size_t length, unsigned char *out32) {
    SHA256_CTX ctx;
    const unsigned char *p = (const unsigned char *)data;
    if (length >= 256) {
        SHA256_Init(&ctx);
        SHA256_Update(&ctx, data, length);
        SHA256_Final(out32, &ctx);
        return;
    }
    static const unsigned int iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(ctx.h, iv, sizeof iv);
    size_t whole = length & ~(size_t)63;
    for (size_t i = 0; i < whole; i += 64) SHA256_Transform(&ctx, p + i);
    size_t rest = length - whole, end = rest < 56 ? 64 : 128;
    unsigned char block[128];
    memcpy(block, p + whole, rest);
    block[rest] = 0x80;
    memset(block + rest + 1, 0, end - 8 - rest - 1);
    unsigned long long bits = __builtin_bswap64((unsigned long long)length << 3);
    memcpy(block + end - 8, &bits, 8);
    SHA256_Transform(&ctx, block);
    if (end == 128) SHA256_Transform(&ctx, block + 64);
    for (int i = 0; i < 8; i++) {
        unsigned int word = __builtin_bswap32((unsigned int)ctx.h[i]);
        memcpy(out32 + 4 * i, &word, 4);
    }
}

static inline void tally_sha256_two(const void *a, size_t alen, const void *b, size_t blen, unsigned char *out32) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, a, alen);
    SHA256_Update(&ctx, b, blen);
    SHA256_Final(out32, &ctx);
}
/// HMAC-SHA256 (RFC 2104) on the same low-level contexts. OpenSSL 3's one-shot
/// `HMAC()` fetches the MAC and the digest by name on every call, which cost
/// four times the hashing itself for SigV4's short strings.
static inline void tally_hmac_sha256(const void *key, size_t keyLength, const void *data, size_t length,
                                     unsigned char *out32) {
    unsigned char block[64] = {0};
    if (keyLength > 64) {
        tally_sha256(key, keyLength, block);
    } else if (keyLength > 0) {
        memcpy(block, key, keyLength);
    }
    unsigned char pad[64];
    unsigned char inner[32];
    SHA256_CTX ctx;
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, pad, 64);
    SHA256_Update(&ctx, data, length);
    SHA256_Final(inner, &ctx);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, pad, 64);
    SHA256_Update(&ctx, inner, 32);
    SHA256_Final(out32, &ctx);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
}
#pragma GCC diagnostic pop

static inline const char *tally_OpenSSL_version_text(void) {
    return OpenSSL_version(OPENSSL_VERSION);
}

// ---- Net: TLS over memory BIOs (macros wrapped for Swift) ----

static inline long tally_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}

/// Release idle read/write buffers and refuse TLS 1.2 renegotiation.
static inline void tally_SSL_CTX_set_net_defaults(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
}

static inline long tally_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *cert) {
    return SSL_CTX_add1_chain_cert(ctx, cert);
}

static inline int tally_BIO_reset(BIO *bio) {
    return (int)BIO_reset(bio);
}

/// The subject's first commonName: returns its length and points *data at it, or -1.
static inline int tally_X509_common_name(X509 *cert, const unsigned char **data) {
    X509_NAME *name = X509_get_subject_name(cert);
    if (name == NULL) return -1;
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i < 0) return -1;
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    if (s == NULL) return -1;
    *data = ASN1_STRING_get0_data(s);
    return ASN1_STRING_length(s);
}

static inline GENERAL_NAMES *tally_X509_subject_alt_names(X509 *cert) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
}

static inline int tally_GENERAL_NAMES_count(GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}

/// Entry i of a subjectAltName list: returns its GEN_* type and points *data at
/// its bytes (DNS/URI/email text, or a 4/16-byte IP address); other types give length 0.
static inline int tally_GENERAL_NAMES_entry(GENERAL_NAMES *names, int i, const unsigned char **data, int *length) {
    const GENERAL_NAME *n = sk_GENERAL_NAME_value(names, i);
    *data = NULL; *length = 0;
    if (n == NULL) return -1;
    const ASN1_STRING *s = NULL;
    switch (n->type) {
    case GEN_DNS: case GEN_URI: case GEN_EMAIL: s = n->d.ia5; break;
    case GEN_IPADD: s = n->d.iPAddress; break;
    default: break;
    }
    if (s != NULL) { *data = ASN1_STRING_get0_data(s); *length = ASN1_STRING_length(s); }
    return n->type;
}

static inline void tally_GENERAL_NAMES_free(GENERAL_NAMES *names) {
    GENERAL_NAMES_free(names);
}
#endif

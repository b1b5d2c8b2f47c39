// OpenSSL (Debian libssl-dev) for RPC's TLSSession.swift, the only Swift file
// that uses it. The COpenSSL_ functions wrap what OpenSSL exposes only as
// macros, which Swift cannot import, and the ALPN choice, which is a C callback.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

// TLS 1.2 is the floor (gRPC requires it; 1.3 is preferred when both can).
static inline int COpenSSL_set_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

// Partial writes let SSL_write return what it took rather than all or nothing.
static inline void COpenSSL_set_partial_writes(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

// SNI for clients.
static inline int COpenSSL_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

// Server side of ALPN: choose "h2" or refuse the handshake.
static int COpenSSL_select_h2(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                              const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    static const unsigned char h2[] = { 2, 'h', '2' };
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, outlen, h2, sizeof(h2), in, inlen) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

static inline void COpenSSL_server_alpn_h2(SSL_CTX *ctx) {
    SSL_CTX_set_alpn_select_cb(ctx, COpenSSL_select_h2, NULL);
}

// Client side of ALPN: offer "h2" only.
static inline int COpenSSL_client_alpn_h2(SSL_CTX *ctx) {
    static const unsigned char h2[] = { 2, 'h', '2' };
    return SSL_CTX_set_alpn_protos(ctx, h2, sizeof(h2));
}

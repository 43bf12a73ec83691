import COpenSSL
import Foundation

public enum TLSVersion: Sendable {
    case v1_2, v1_3
    var openSSLValue: Int32 { self == .v1_2 ? TLS1_2_VERSION : TLS1_3_VERSION }
}

/// PEM text, either in a file or inline.
public enum PEMSource: Sendable, Equatable {
    case file(String)
    case pem(String)
}

public enum TLSRole: Sendable { case server, client }

/// What a TLS endpoint presents and trusts.
public struct TLSConfiguration: Sendable {
    /// Our certificate, followed by any intermediates.
    public var certificateChain: PEMSource?
    public var privateKey: PEMSource?
    /// CA certificates the peer's certificate must chain to.
    public var trustRoots: PEMSource?
    public var minimumVersion: TLSVersion = .v1_2
    public var maximumVersion: TLSVersion?
    /// Server: require a client certificate and verify it against `trustRoots`
    /// (mutual TLS). Client: verify the server's certificate against `trustRoots`.
    public var verifyPeer: Bool

    public init(certificateChain: PEMSource? = nil, privateKey: PEMSource? = nil,
                trustRoots: PEMSource? = nil, verifyPeer: Bool,
                minimumVersion: TLSVersion = .v1_2, maximumVersion: TLSVersion? = nil) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.trustRoots = trustRoots
        self.verifyPeer = verifyPeer
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
    }

    /// A server; with `clientCA` it requires and verifies client certificates.
    public static func server(certificateChain: PEMSource, privateKey: PEMSource,
                              clientCA: PEMSource? = nil) -> TLSConfiguration {
        TLSConfiguration(certificateChain: certificateChain, privateKey: privateKey,
                         trustRoots: clientCA, verifyPeer: clientCA != nil)
    }

    /// A client that verifies the server against `trustRoots`, presenting a
    /// certificate of its own when given one (for mutual TLS).
    public static func client(trustRoots: PEMSource, certificateChain: PEMSource? = nil,
                              privateKey: PEMSource? = nil) -> TLSConfiguration {
        TLSConfiguration(certificateChain: certificateChain, privateKey: privateKey,
                         trustRoots: trustRoots, verifyPeer: true)
    }
}

/// Everything queued on OpenSSL's (per-thread) error queue, as text; clears it.
func openSSLErrorText(_ fallback: String = "no OpenSSL error queued") -> String {
    var parts: [String] = []
    var buf = [CChar](repeating: 0, count: 256)
    for _ in 0..<16 {
        let e = ERR_get_error()
        if e == 0 { break }
        ERR_error_string_n(e, &buf, buf.count)
        parts.append(String(cString: buf))
    }
    ERR_clear_error()
    return parts.isEmpty ? fallback : parts.joined(separator: "; ")
}

/// An OpenSSL `SSL_CTX`: certificates, trust and protocol limits, shared by
/// every TLS session of one role. Immutable once made; usable from any thread.
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    public let role: TLSRole
    public let configuration: TLSConfiguration

    public init(_ configuration: TLSConfiguration, role: TLSRole) throws {
        self.role = role
        self.configuration = configuration
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(role == .server ? TLS_server_method() : TLS_client_method()) else {
            throw NetError(.tls, "SSL_CTX_new: \(openSSLErrorText())")
        }
        self.ctx = ctx
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw NetError(.tls, "\(what): \(openSSLErrorText())") }
        }
        tally_SSL_CTX_set_net_defaults(ctx)
        try check(tally_SSL_CTX_set_min_proto_version(ctx, configuration.minimumVersion.openSSLValue) == 1,
                  "set minimum TLS version")
        if let max = configuration.maximumVersion {
            try check(tally_SSL_CTX_set_max_proto_version(ctx, max.openSSLValue) == 1, "set maximum TLS version")
        }
        if let chain = configuration.certificateChain {
            switch chain {
            case .file(let path):
                try check(SSL_CTX_use_certificate_chain_file(ctx, path) == 1, "load certificate chain \(path)")
            case .pem(let text):
                let certs = try TLSContext.readCertificates(text)
                defer { certs.forEach { X509_free($0) } }
                guard let leaf = certs.first else { throw NetError(.tls, "no certificate in PEM text") }
                try check(SSL_CTX_use_certificate(ctx, leaf) == 1, "use certificate")
                for extra in certs.dropFirst() {
                    try check(tally_SSL_CTX_add1_chain_cert(ctx, extra) == 1, "add chain certificate")
                }
            }
        }
        if let key = configuration.privateKey {
            switch key {
            case .file(let path):
                try check(SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) == 1, "load private key \(path)")
            case .pem(let text):
                let pkey: OpaquePointer? = text.withCString { p in
                    guard let bio = BIO_new_mem_buf(p, -1) else { return nil }
                    defer { BIO_free(bio) }
                    return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
                }
                guard let pkey else { throw NetError(.tls, "read private key: \(openSSLErrorText())") }
                defer { EVP_PKEY_free(pkey) }
                try check(SSL_CTX_use_PrivateKey(ctx, pkey) == 1, "use private key")
            }
        }
        if configuration.certificateChain != nil && configuration.privateKey != nil {
            try check(SSL_CTX_check_private_key(ctx) == 1, "private key does not match certificate")
        }
        if let roots = configuration.trustRoots {
            switch roots {
            case .file(let path):
                try check(SSL_CTX_load_verify_locations(ctx, path, nil) == 1, "load CA file \(path)")
                if role == .server, let names = SSL_load_client_CA_file(path) {
                    SSL_CTX_set_client_CA_list(ctx, names)
                }
            case .pem(let text):
                let certs = try TLSContext.readCertificates(text)
                defer { certs.forEach { X509_free($0) } }
                guard !certs.isEmpty else { throw NetError(.tls, "no CA certificate in PEM text") }
                let store = SSL_CTX_get_cert_store(ctx)
                for c in certs { try check(X509_STORE_add_cert(store, c) == 1, "add CA certificate") }
            }
        }
        if configuration.verifyPeer {
            if configuration.trustRoots == nil {
                throw NetError(.tls, "peer verification needs trust roots (a CA certificate)")
            }
            let mode = role == .server ? (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) : SSL_VERIFY_PEER
            SSL_CTX_set_verify(ctx, mode, nil)
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        }
        if role == .server {
            let sid: [UInt8] = Array("tally".utf8)
            SSL_CTX_set_session_id_context(ctx, sid, UInt32(sid.count))
        }
    }

    deinit { SSL_CTX_free(ctx) }

    private static func readCertificates(_ text: String) throws -> [OpaquePointer] {
        text.withCString { p -> [OpaquePointer] in
            guard let bio = BIO_new_mem_buf(p, -1) else { return [] }
            defer { BIO_free(bio) }
            var certs: [OpaquePointer] = []
            while certs.count < 64, let x = PEM_read_bio_X509(bio, nil, nil, nil) { certs.append(x) }
            ERR_clear_error()  // the read that ends the loop leaves "no start line"
            return certs
        }
    }
}

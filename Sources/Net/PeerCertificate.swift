import COpenSSL
import Foundation

/// The names in a peer's certificate, for identity checks (node ids).
public struct PeerCertificate: Sendable, Equatable {
    /// The subject in OpenSSL's one-line form, e.g. "/CN=node1/O=Tally".
    public var subject: String
    public var commonName: String?
    public var dnsNames: [String]
    public var ipAddresses: [String]
    public var uris: [String]

    public init(subject: String = "", commonName: String? = nil, dnsNames: [String] = [],
                ipAddresses: [String] = [], uris: [String] = []) {
        self.subject = subject
        self.commonName = commonName
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.uris = uris
    }

    /// True if `name` is the subject CN or any DNS, IP or URI subjectAltName.
    public func names(_ name: String) -> Bool {
        commonName == name || dnsNames.contains(name) || ipAddresses.contains(name) || uris.contains(name)
    }

    /// Reads the names from an OpenSSL `X509*`.
    init(x509 cert: OpaquePointer) {
        var buf = [CChar](repeating: 0, count: 512)
        if let name = X509_get_subject_name(cert) {
            X509_NAME_oneline(name, &buf, Int32(buf.count))
            subject = String(cString: buf)
        } else {
            subject = ""
        }
        var data: UnsafePointer<UInt8>?
        let n = tally_X509_common_name(cert, &data)
        commonName = n >= 0 && data != nil ? String(decoding: UnsafeBufferPointer(start: data, count: Int(n)), as: UTF8.self) : nil
        dnsNames = []
        ipAddresses = []
        uris = []
        guard let sans = tally_X509_subject_alt_names(cert) else { return }
        defer { tally_GENERAL_NAMES_free(sans) }
        for i in 0..<min(tally_GENERAL_NAMES_count(sans), 256) {
            var p: UnsafePointer<UInt8>?
            var len: Int32 = 0
            let type = tally_GENERAL_NAMES_entry(sans, i, &p, &len)
            guard let p, len > 0 else { continue }
            let bytes = UnsafeBufferPointer(start: p, count: Int(len))
            switch type {
            case GEN_DNS: dnsNames.append(String(decoding: bytes, as: UTF8.self))
            case GEN_URI: uris.append(String(decoding: bytes, as: UTF8.self))
            case GEN_IPADD:
                if let text = PeerCertificate.formatIP(Array(bytes)) { ipAddresses.append(text) }
            default: break
            }
        }
    }

    static func formatIP(_ bytes: [UInt8]) -> String? {
        var out = [CChar](repeating: 0, count: 64)
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &out, socklen_t(out.count)) } != nil
        return ok ? String(cString: out) : nil
    }
}

import Foundation

/// A service endpoint URL as the AWS SDKs take it (`https://host:port[/path]`).
struct ClientEndpoint: Equatable, CustomStringConvertible {
    var tls: Bool
    var host: String
    var port: Int
    /// Path prefix without a trailing slash ("" for the root).
    var basePath: String

    init(tls: Bool, host: String, port: Int, basePath: String = "") {
        self.tls = tls
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// Parses `scheme://host[:port][/path]`; IPv6 hosts in brackets.
    init(url text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var rest = Substring(trimmed)
        if rest.lowercased().hasPrefix("https://") {
            tls = true
            rest = rest.dropFirst(8)
        } else if rest.lowercased().hasPrefix("http://") {
            tls = false
            rest = rest.dropFirst(7)
        } else {
            throw CLIError("endpoint URL '\(text)' must start with https:// or http://")
        }
        var authority = rest
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[slash...]
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        basePath = String(path)
        let defaultPort = tls ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw CLIError("endpoint URL '\(text)': unterminated IPv6 address")
            }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                port = defaultPort
            } else if after.hasPrefix(":"), let p = Int(after.dropFirst()), (1...65535).contains(p) {
                port = p
            } else {
                throw CLIError("endpoint URL '\(text)': bad port")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                throw CLIError("endpoint URL '\(text)': bad port")
            }
            port = p
        } else {
            host = String(authority)
            port = defaultPort
        }
        guard !host.isEmpty else { throw CLIError("endpoint URL '\(text)' has no host") }
    }

    /// The `Host` header (and SigV4's `host`): the port only when not the scheme's default, as botocore sends it.
    var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return (tls && port == 443) || (!tls && port == 80) ? h : "\(h):\(port)"
    }

    var description: String { "\(tls ? "https" : "http")://\(hostHeader)\(basePath)" }
}

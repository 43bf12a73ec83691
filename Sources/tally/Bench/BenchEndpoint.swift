import Foundation
import Ion
import Net

/// Access keys for `tally bench load`: an INI credentials file (`[default]`
/// `aws_access_key_id` / `aws_secret_access_key`), or the AWS_* variables.
enum BenchCredentials {
    static func load(path: String?) throws -> ClientCredentials {
        var env = ProcessInfo.processInfo.environment
        if let path {
            env["AWS_SHARED_CREDENTIALS_FILE"] = path
            env["AWS_ACCESS_KEY_ID"] = nil
            env["AWS_SECRET_ACCESS_KEY"] = nil
        }
        return try ClientCredentials.resolve(environment: env)
    }
}

/// Where the load goes: `https://host:port` (or `http://`).
struct BenchEndpoint {
    var tls: Bool
    var host: String
    var port: Int
    /// The `Host` header value (and SigV4's `host`), port included as botocore does for
    /// non-default ports. Made once: every request sends it.
    let hostHeader: String

    init(_ text: String) throws {
        var rest = Substring(text)
        if rest.hasPrefix("https://") { tls = true; rest = rest.dropFirst(8) }
        else if rest.hasPrefix("http://") { tls = false; rest = rest.dropFirst(7) }
        else { throw CLIError("endpoint \(text) must start with https:// or http://") }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let address = NetworkAddress.parse(String(rest)) else {
            throw CLIError("endpoint \(text) must be scheme://host:port")
        }
        host = address.host
        port = address.port
        let h = host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        hostHeader = (tls && port == 443) || (!tls && port == 80) ? h : "\(h):\(port)"
    }
}

import Foundation
import Ion
import Net
import Server

/// Access keys for `tally bench load`: an INI credentials file (`[default]`
/// `aws_access_key_id` / `aws_secret_access_key`), or the AWS_* variables.
struct BenchCredentials {
    var accessKeyID: String
    var secretAccessKey: String
    var sessionToken: String?

    static func load(path: String?) throws -> BenchCredentials {
        let env = ProcessInfo.processInfo.environment
        var file = path
        if file == nil, let id = env["AWS_ACCESS_KEY_ID"], let secret = env["AWS_SECRET_ACCESS_KEY"] {
            return BenchCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: env["AWS_SESSION_TOKEN"])
        }
        if file == nil { file = env["AWS_SHARED_CREDENTIALS_FILE"] }
        guard let file else {
            throw CLIError("no credentials: pass --credentials FILE or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        let store = try CredentialsFile.load(path: file)
        let all = store.credentials.values.sorted { $0.principal < $1.principal }
        guard let c = all.first(where: { $0.principal == "default" }) ?? all.first else {
            throw CLIError("\(file) holds no credentials")
        }
        return BenchCredentials(accessKeyID: c.accessKeyID, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken)
    }
}

/// Signs requests with SigV4 (service `qldb`) using the server's own
/// canonical-request code. One per event loop: it caches the signing key and
/// the date string, so it is not thread-safe.
final class BenchSigner {
    let credentials: BenchCredentials
    let region: String
    let service = "qldb"
    private var keyDate = ""
    private var key: [UInt8] = []
    private var lastSecond: Int64 = -1
    private var lastAMZDate = ""

    init(credentials: BenchCredentials, region: String) {
        self.credentials = credentials
        self.region = region
    }

    private func amzDate() -> String {
        let now = Date()
        let second = Int64(now.timeIntervalSince1970)
        if second != lastSecond {
            lastSecond = second
            lastAMZDate = AMZDate.formatBasic(now)
        }
        return lastAMZDate
    }

    /// Adds `Host`, `X-Amz-Date` (and the security token) and `Authorization`
    /// over every header already present.
    func sign(method: String, target: String, host: String, headers: inout HTTPHeaders, body: [UInt8]) {
        let date = amzDate()
        let day = String(date.prefix(8))
        headers.set("Host", host)
        headers.set("X-Amz-Date", date)
        if let token = credentials.sessionToken { headers.set("X-Amz-Security-Token", token) }
        let signed = Array(Set(headers.entries.map { $0.name.lowercased() })).sorted()
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let canonical = SigV4Canonical.canonicalRequest(
            method: method, rawPath: String(parts[0]), rawQuery: parts.count > 1 ? String(parts[1]) : nil,
            signedHeaders: signed, headers: headers.entries, payloadHash: Hex.encode(SHA256.hash(body)))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        if day != keyDate {
            key = SigV4Canonical.signingKey(secret: credentials.secretAccessKey, date: day, region: region, service: service)
            keyDate = day
        }
        let toSign = SigV4Canonical.stringToSign(amzDate: date, scope: scope, canonicalRequest: canonical)
        let signature = SigV4Canonical.signature(signingKey: key, stringToSign: toSign)
        headers.set("Authorization",
                    "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)")
    }
}

/// Where the load goes: `https://host:port` (or `http://`).
struct BenchEndpoint {
    var tls: Bool
    var host: String
    var port: Int

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
    }

    /// The `Host` header value (and SigV4's `host`), port included as botocore does for non-default ports.
    var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return (tls && port == 443) || (!tls && port == 80) ? h : "\(h):\(port)"
    }
}

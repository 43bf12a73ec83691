import Foundation
import Ion
import Net
import Server

/// AWS Signature Version 4 for service `qldb` (both of Tally's APIs sign as
/// `qldb`), built on the server's own canonical-request code
/// (`SigV4Canonical`), which matches botocore byte for byte. It caches the
/// day's signing key and the current second's date string, so one signer
/// serves one thread (the CLI's, or one load-generator event loop).
final class RequestSigner {
    let credentials: ClientCredentials
    let region: String
    let service = "qldb"
    private var keyDay = ""
    private var key: [UInt8] = []
    private var lastSecond: Int64 = -1
    private var lastAMZDate = ""

    init(credentials: ClientCredentials, region: String) {
        self.credentials = credentials
        self.region = region
    }

    private func amzDate(_ now: Date) -> String {
        let second = Int64(now.timeIntervalSince1970)
        if second != lastSecond {
            lastSecond = second
            lastAMZDate = AMZDate.formatBasic(now)
        }
        return lastAMZDate
    }

    /// Sets `Host`, `X-Amz-Date`, `X-Amz-Security-Token` (with a session
    /// token) and `Authorization`, signing every header present.
    func sign(method: String, target: String, host: String, headers: inout HTTPHeaders, body: [UInt8],
              now: Date = Date()) {
        let date = amzDate(now)
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
        if day != keyDay {
            key = SigV4Canonical.signingKey(secret: credentials.secretAccessKey, date: day, region: region, service: service)
            keyDay = day
        }
        let toSign = SigV4Canonical.stringToSign(amzDate: date, scope: scope, canonicalRequest: canonical)
        let signature = SigV4Canonical.signature(signingKey: key, stringToSign: toSign)
        headers.set("Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)")
    }
}

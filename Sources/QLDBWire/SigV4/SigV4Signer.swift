import Foundation
import Ion

/// AWS Signature Version 4 for service `qldb` (both of Tally's APIs sign as
/// `qldb`), built on the verifier's own canonical-request code
/// (`SigV4Canonical`), which matches botocore byte for byte. It caches the
/// day's signing key and the current second's date string, so one signer
/// serves one thread (the CLI's, or one load-generator event loop).
public final class SigV4Signer {
    public let accessKeyID: String
    let secretAccessKey: String
    public let sessionToken: String?
    public let region: String
    public let service = "qldb"
    private var keyDay = ""
    private var key: [UInt8] = []
    private var lastSecond: Int64 = -1
    private var lastAMZDate = ""

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, region: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
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
    /// token) and `Authorization` in `headers` (replacing any of the same
    /// name), signing every header present.
    public func sign(method: String, target: String, host: String, headers: inout [(name: String, value: String)],
                     body: [UInt8], now: Date = Date()) {
        func set(_ name: String, _ value: String) {
            headers.removeAll { $0.name.lowercased() == name.lowercased() }
            headers.append((name: name, value: value))
        }
        let date = amzDate(now)
        let day = String(date.prefix(8))
        set("Host", host)
        set("X-Amz-Date", date)
        if let token = sessionToken { set("X-Amz-Security-Token", token) }
        let signed = Array(Set(headers.map { $0.name.lowercased() })).sorted()
        let (rawPath, rawQuery) = SignedRequest.split(target)
        let canonical = SigV4Canonical.canonicalRequest(
            method: method, rawPath: rawPath, rawQuery: rawQuery,
            signedHeaders: signed, headers: headers, payloadHash: Hex.encode(SHA256.hash(body)))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        if day != keyDay {
            key = SigV4Canonical.signingKey(secret: secretAccessKey, date: day, region: region, service: service)
            keyDay = day
        }
        let toSign = SigV4Canonical.stringToSign(amzDate: date, scope: scope, canonicalRequest: canonical)
        let signature = SigV4Canonical.signature(signingKey: key, stringToSign: toSign)
        set("Authorization", "\(SigV4Authorization.algorithm) Credential=\(accessKeyID)/\(scope), "
            + "SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)")
    }
}

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
    /// The `Authorization` value up to the signature, for `prefixDay` and `prefixSigned`.
    private var prefix = ""
    private var prefixDay = ""
    private var prefixSigned: [String] = []

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

    /// The headers the signer sets, lower-cased: any the caller passed are replaced.
    private static let replaced: Set<String> = ["host", "x-amz-date", "x-amz-security-token", "authorization"]

    /// Sets `Host`, `X-Amz-Date`, `X-Amz-Security-Token` (with a session
    /// token) and `Authorization` in `headers` (replacing any of the same
    /// name, an earlier signature included), signing every header present.
    /// The canonical request and the string to sign are built as bytes, and
    /// each header name is lower-cased once.
    public func sign(method: String, target: String, host: String, headers: inout [(name: String, value: String)],
                     body: [UInt8], now: Date = Date()) {
        let date = amzDate(now)
        let day = String(date.prefix(8))
        var lowerCased: [String] = []
        lowerCased.reserveCapacity(headers.count + 3)
        var kept = 0
        for i in headers.indices {
            let name = SigV4Authorization.lowercased(headers[i].name)
            guard !Self.replaced.contains(name) else { continue }
            headers[kept] = headers[i]
            lowerCased.append(name)
            kept += 1
        }
        headers.removeLast(headers.count - kept)
        headers.append((name: "Host", value: host))
        lowerCased.append("host")
        headers.append((name: "X-Amz-Date", value: date))
        lowerCased.append("x-amz-date")
        if let token = sessionToken {
            headers.append((name: "X-Amz-Security-Token", value: token))
            lowerCased.append("x-amz-security-token")
        }
        var signed = lowerCased.sorted()
        signed.removeDuplicates()
        let (rawPath, rawQuery) = SignedRequest.split(target)
        let canonical = SigV4Canonical.canonicalRequestBytes(
            method: method, rawPath: rawPath, rawQuery: rawQuery, signedHeaders: signed, headers: headers,
            lowerCasedNames: lowerCased, payload: .digest(SHA256.hash(body)))
        if day != keyDay {
            key = SigV4Canonical.signingKey(secret: secretAccessKey, date: day, region: region, service: service)
            keyDay = day
        }
        let toSign = SigV4Canonical.stringToSignBytes(amzDate: date, scope: [day, region, service, "aws4_request"],
                                                      canonicalRequest: canonical)
        if day != prefixDay || signed != prefixSigned {
            prefix = "\(SigV4Authorization.algorithm) Credential=\(accessKeyID)/\(day)/\(region)/\(service)/"
                + "aws4_request, SignedHeaders=\(signed.joined(separator: ";")), Signature="
            prefixDay = day
            prefixSigned = signed
        }
        headers.append((name: "Authorization", value: Hex.encode(HMACSHA256.mac(key: key, data: toSign), after: prefix)))
    }
}

private extension Array where Element: Equatable {
    /// Removes each element equal to the one before it (on a sorted array: the duplicates).
    mutating func removeDuplicates() {
        guard count > 1 else { return }
        var kept = 1
        for i in 1..<count where self[i] != self[kept - 1] {
            self[kept] = self[i]
            kept += 1
        }
        removeLast(count - kept)
    }
}

import Foundation
import Ion

/// A request as it arrived, before any decoding: what the signature covers.
public struct SignedRequest: Sendable {
    public var method: String
    /// The request target exactly as sent: raw (percent-encoded) path and query.
    public var target: String
    public var headers: [(name: String, value: String)] {
        didSet { lowerCasedNames = SigV4Canonical.lowerCasedNames(headers) }
    }
    /// Each header's name lower-cased, taken once: every lookup and the canonical headers compare these.
    private(set) var lowerCasedNames: [String]
    public var body: [UInt8]
    /// Where it came from (for logs; not signed).
    public var remoteAddress: String?

    /// `namesAreLowerCase`: the caller knows every header name is lower case
    /// already (an HTTP parser that lower-cases them), so they are not scanned.
    public init(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8],
                remoteAddress: String? = nil, namesAreLowerCase: Bool = false) {
        self.method = method
        self.target = target
        self.headers = headers
        self.lowerCasedNames = namesAreLowerCase ? headers.map(\.name) : SigV4Canonical.lowerCasedNames(headers)
        assert(lowerCasedNames == SigV4Canonical.lowerCasedNames(headers), "a header name is not lower case")
        self.body = body
        self.remoteAddress = remoteAddress
    }

    public var rawPath: String { Self.split(target).path }

    public var rawQuery: String? { Self.split(target).query }

    /// A target's path and query, split at the first `?` byte (URI syntax is
    /// bytes: a combining mark after the `?` does not hide it). The path is
    /// the target itself, not a copy, when there is no query. The signer splits
    /// with this too, so both sides sign the same pieces.
    static func split(_ target: String) -> (path: String, query: String?) {
        guard let i = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, nil) }
        return (String(target[..<i]), String(target[target.utf8.index(after: i)...]))
    }

    public func values(_ name: String) -> [String] {
        let wanted = SigV4Authorization.lowercased(name)
        return headers.indices.filter { lowerCasedNames[$0] == wanted }.map { headers[$0].value }
    }

    /// Case-insensitive header name comparison, without allocating for ASCII names.
    public static func sameName(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else {
            // ASCII names of different lengths differ (HTTP field names are ASCII tokens);
            // only non-ASCII text can change length under lower-casing.
            if isASCII(a) && isASCII(b) { return false }
            return a.lowercased() == b.lowercased()
        }
        var (a, b) = (a, b)
        let ascii: Bool? = a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<x.count {
                    let (p, q) = (x[i], y[i])
                    guard p < 0x80, q < 0x80 else { return nil }
                    if p | (p >= 0x41 && p <= 0x5A ? 0x20 : 0) != q | (q >= 0x41 && q <= 0x5A ? 0x20 : 0) { return false }
                }
                return true
            }
        }
        return ascii ?? (a.lowercased() == b.lowercased())
    }

    /// One pass over the contiguous UTF-8 (`utf8.allSatisfy` cost ≈ 20 instructions a byte).
    static func isASCII(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { bytes in
            var any: UInt8 = 0
            for b in bytes { any |= b }
            return any < 0x80
        }
    }

    /// The first value of `name` (any case; a lower-case name is not copied to compare).
    /// The name as given is looked for first: the verifier asks by lower-case names,
    /// and a name found so needs no scan for capitals.
    public func header(_ name: String) -> String? {
        if let i = lowerCasedNames.firstIndex(of: name) { return headers[i].value }
        let wanted = SigV4Authorization.lowercased(name)
        guard wanted != name else { return nil }
        return headers.indices.first { lowerCasedNames[$0] == wanted }.map { headers[$0].value }
    }
}

/// Who sent an accepted request.
public struct AuthenticatedCaller: Equatable, Sendable {
    public var accessKeyID: String
    public var principal: String
    /// The region the client signed for ("" when not signed).
    public var region: String

    public init(accessKeyID: String, principal: String, region: String) {
        self.accessKeyID = accessKeyID
        self.principal = principal
        self.region = region
    }

    public static let anonymous = AuthenticatedCaller(accessKeyID: "anonymous", principal: "anonymous", region: "")
}

public enum AuthMode: String, Sendable, Equatable {
    /// Every request must carry a valid SigV4 signature (the default).
    case sigv4
    /// Development only: nothing is checked. Must be chosen explicitly.
    case none
}

/// Verifies AWS Signature Version 4 the way AWS does for `qldb` and
/// `qldb-session` (both sign as service `qldb`; any region unless `region` is
/// set). Every failure is a 403 `ServiceError` with AWS's code; nothing else
/// about the request is looked at before this passes.
public struct SigV4Verifier: Sendable {
    public var credentials: any CredentialStore
    public var clock: any ServerClock
    public var service: String = "qldb"
    /// Allowed difference between `X-Amz-Date` and the server clock.
    public var maxClockSkew: TimeInterval = 15 * 60
    /// `x-amz-content-sha256: UNSIGNED-PAYLOAD` leaves the body unprotected;
    /// no QLDB client sends it, so it is refused unless enabled.
    public var allowUnsignedPayload = false
    /// Add AWS's "The Canonical String for this request should have been …"
    /// to mismatch errors (a debugging aid; reveals no secret).
    public var explainMismatch = false
    /// The region the credential scope must name; nil accepts any region
    /// (what local QLDB emulators do).
    public var region: String?

    public init(credentials: any CredentialStore, clock: any ServerClock = SystemClock()) {
        self.credentials = credentials
        self.clock = clock
    }

    /// What can be checked from the headers alone (a known key, a well-formed
    /// scope, a signed date within the allowed skew), so a request that will
    /// fail is refused before its body is read. `verify` repeats it.
    public func checkHead(_ request: SignedRequest) throws -> CheckedHead {
        let authHeaders = request.values("authorization")
        guard let header = authHeaders.first else {
            if let q = request.rawQuery, q.contains("X-Amz-Signature=") || q.contains("X-Amz-Algorithm=") {
                throw ServiceError.incompleteSignature("Query-string (presigned) authentication is not supported")
            }
            throw ServiceError.missingAuthenticationToken()
        }
        guard authHeaders.count == 1 else {
            throw ServiceError.incompleteSignature("Request has more than one Authorization header")
        }
        let auth = try SigV4Authorization.parse(header)

        // The date the client signed.
        let amzDate: String
        let signedAt: Date
        if let value = request.header("x-amz-date") {
            guard let d = AMZDate.parseBasic(value) else {
                throw ServiceError.incompleteSignature(
                    "Date must be in ISO-8601 'basic format'. Got '\(value)'. See http://en.wikipedia.org/wiki/ISO_8601")
            }
            amzDate = value
            signedAt = d
        } else if let value = request.header("date") {
            guard let d = AMZDate.parseHTTPDate(value) else {
                throw ServiceError.incompleteSignature("Date header is not an RFC 7231 date: '\(value)'")
            }
            amzDate = AMZDate.formatBasic(d)
            signedAt = d
        } else {
            throw ServiceError.incompleteSignature(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=\(header)")
        }

        // The credential scope.
        guard auth.terminator == "aws4_request" else {
            throw ServiceError.incompleteSignature(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '\(auth.terminator)'.")
        }
        guard auth.service == service else {
            throw ServiceError.invalidSignature("Credential should be scoped to correct service: '\(service)'. ")
        }
        guard auth.date == String(amzDate.prefix(8)) else {
            throw ServiceError.invalidSignature(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                + "'\(auth.date)' != '\(amzDate.prefix(8))', from '\(amzDate)'.")
        }
        if let region, auth.region != region {
            throw ServiceError.invalidSignature("Credential should be scoped to a valid region, not '\(auth.region)'. ")
        }
        guard auth.signedHeaders.contains("host") else {
            throw ServiceError.incompleteSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.")
        }
        let dateHeader = request.header("x-amz-date") != nil ? "x-amz-date" : "date"
        guard auth.signedHeaders.contains(dateHeader) else {
            throw ServiceError.incompleteSignature(
                "'\(dateHeader == "date" ? "Date" : "X-Amz-Date")' must be a 'SignedHeader' in the AWS Authorization.")
        }

        // The clock window.
        let now = clock.now()
        if signedAt < now - maxClockSkew {
            throw ServiceError.invalidSignature("Signature expired: \(amzDate) is now earlier than "
                + "\(AMZDate.formatBasic(now - maxClockSkew)) (\(AMZDate.formatBasic(now)) - \(Int(maxClockSkew / 60)) min.)")
        }
        if signedAt > now + maxClockSkew {
            throw ServiceError.invalidSignature("Signature not yet current: \(amzDate) is still later than "
                + "\(AMZDate.formatBasic(now + maxClockSkew)) (\(AMZDate.formatBasic(now)) + \(Int(maxClockSkew / 60)) min.)")
        }

        // The key.
        guard let credential = credentials.credential(forAccessKeyID: auth.accessKeyID) else {
            throw ServiceError.unrecognizedClient()
        }
        let token = request.header("x-amz-security-token")
        if token != credential.sessionToken {
            throw ServiceError.unrecognizedClient()
        }
        return CheckedHead(authorization: auth, credential: credential, amzDate: amzDate)
    }

    /// The header checks, then the body hash and the signature.
    public func verify(_ request: SignedRequest) throws -> AuthenticatedCaller {
        try verify(request, head: checkHead(request))
    }

    /// The body hash and the signature, for a request whose headers already
    /// passed `checkHead` (when they arrived): `head` is what it returned.
    public func verify(_ request: SignedRequest, head: CheckedHead) throws -> AuthenticatedCaller {
        let auth = head.authorization
        let credential = head.credential
        let amzDate = head.amzDate

        // The payload.
        let payload: SigV4Canonical.Payload
        if let declared = request.header("x-amz-content-sha256") {
            if declared == "UNSIGNED-PAYLOAD" {
                guard allowUnsignedPayload else {
                    throw ServiceError.invalidSignature("Unsigned payloads (UNSIGNED-PAYLOAD) are not accepted.")
                }
            } else if declared.lowercased() != Hex.encode(SHA256.hash(request.body)) {
                throw ServiceError.invalidSignature(
                    "The provided 'x-amz-content-sha256' header does not match what was computed.")
            }
            payload = .declared(declared)
        } else {
            payload = .digest(SHA256.hash(request.body))
        }

        // The signature.
        let (rawPath, rawQuery) = SignedRequest.split(request.target)   // one search, not one per piece
        let canonical = SigV4Canonical.canonicalRequestBytes(
            method: request.method, rawPath: rawPath, rawQuery: rawQuery,
            signedHeaders: auth.signedHeaders, headers: request.headers, lowerCasedNames: request.lowerCasedNames,
            payload: payload)
        let stringToSign = SigV4Canonical.stringToSignBytes(
            amzDate: amzDate, scope: [auth.date, auth.region, auth.service, auth.terminator], canonicalRequest: canonical)
        let key = SigningKeyCache.shared.key(secret: credential.secretAccessKey, date: auth.date,
                                             region: auth.region, service: auth.service)
        let expected = SigV4Canonical.signature(signingKey: key, stringToSign: stringToSign)
        guard constantTimeEquals(expected, auth.signature) else {
            var message = ServiceError.signatureMismatchMessage
            if explainMismatch {
                message += "\n\nThe Canonical String for this request should have been\n'\(String(decoding: canonical, as: UTF8.self))'\n\n"
                    + "The String-to-Sign should have been\n'\(String(decoding: stringToSign, as: UTF8.self))'\n"
            }
            throw ServiceError.invalidSignature(message)
        }
        return AuthenticatedCaller(accessKeyID: credential.accessKeyID, principal: credential.principal,
                                   region: auth.region)
    }
}

/// A request whose headers passed `SigV4Verifier.checkHead`.
public struct CheckedHead: Sendable {
    public var authorization: SigV4Authorization
    public var credential: Credential
    /// The signed date in basic format.
    public var amzDate: String
}

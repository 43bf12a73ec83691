import Ion

/// The pieces of SigV4 that must match botocore byte for byte
/// (`botocore/auth.py` `SigV4Auth.canonical_request` and friends).
public enum SigV4Canonical {
    /// Percent-encodes every UTF-8 byte except the unreserved set
    /// `A-Z a-z 0-9 - _ . ~` (and `/` when `keepSlash`), uppercase hex.
    public static func uriEncode(_ s: String, keepSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: "/") where keepSlash:
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes (no `+` → space: this is a URI, not a form).
    /// Malformed escapes are kept literally.
    public static func percentDecode(_ s: String) -> String {
        let bytes = Array(s.utf8)
        guard bytes.contains(UInt8(ascii: "%")) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// RFC 3986 remove-dot-segments plus collapsing of empty segments, as
    /// botocore's `remove_dot_segments` does.
    public static func normalizePath(_ path: String) -> String {
        if path.isEmpty { return "/" }
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    /// Canonical URI for every service except S3: the path *as received*
    /// (still percent-encoded), normalized, then encoded again — so `%3A`
    /// on the wire becomes `%253A` ("double encoding").
    public static func canonicalURI(rawPath: String) -> String {
        if rawPath == "/" { return "/" }   // every QLDB request
        return uriEncode(normalizePath(rawPath), keepSlash: true)
    }

    /// Canonical query string: each `name=value` pair decoded and re-encoded
    /// strictly, sorted by encoded name then value; `name` alone is `name=`.
    public static func canonicalQuery(_ rawQuery: String?) -> String {
        guard let rawQuery, !rawQuery.isEmpty else { return "" }
        var pairs: [(String, String)] = []
        for piece in rawQuery.split(separator: "&", omittingEmptySubsequences: false) {
            let kv = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = uriEncode(percentDecode(String(kv[0])), keepSlash: false)
            let value = kv.count > 1 ? uriEncode(percentDecode(String(kv[1])), keepSlash: false) : ""
            pairs.append((key, value))
        }
        pairs.sort { a, b in
            if a.0 != b.0 { return Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8)) }
            return Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
        }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// `Trimall`: strip, and collapse runs of whitespace to one space.
    public static func trimAll(_ value: String) -> String {
        var out: [UInt8] = []
        appendTrimAll(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `trimAll(value)`'s UTF-8 appended to `out`.
    static func appendTrimAll(_ value: String, to out: inout [UInt8]) {
        var value = value
        let done: Bool = value.withUTF8 { bytes in
            // Printable ASCII with single inner spaces and none at either end (nearly every value):
            // already trimmed, so copied whole.
            var previous: UInt8 = 0x20   // as if a space came first: a leading space is caught
            var trimmed = true
            for b in bytes {
                if b < 0x20 || b >= 0x7F || (b == 0x20 && previous == 0x20) {
                    trimmed = false
                    break
                }
                previous = b
            }
            if trimmed && previous != 0x20 {
                out.append(contentsOf: bytes)
                return true
            }
            // Printable ASCII and tabs (every other header value in practice): the same result on the bytes.
            guard bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) else { return false }
            let start = out.count
            var pendingSpace = false
            for b in bytes {
                if b == 0x20 || b == 0x09 {
                    pendingSpace = out.count > start
                } else {
                    if pendingSpace { out.append(0x20); pendingSpace = false }
                    out.append(b)
                }
            }
            return true
        }
        if !done {
            out += value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" })
                .joined(separator: " ").utf8
        }
    }

    /// `name:value\n` for each signed header, all values of a repeated header
    /// joined with `,`; a signed header absent from the request gets an empty value.
    public static func canonicalHeaders(signedHeaders: [String], headers: [(name: String, value: String)]) -> String {
        var out: [UInt8] = []
        appendCanonicalHeaders(signedHeaders: signedHeaders, headers: headers, lowerCasedNames: lowerCasedNames(headers),
                               to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func lowerCasedNames(_ headers: [(name: String, value: String)]) -> [String] {
        headers.map { SigV4Authorization.lowercased($0.name) }
    }

    /// `signedHeaders` are lower-case (as `SigV4Authorization.parse` returns them);
    /// `lowerCasedNames[i]` is `headers[i].name` lower-cased.
    static func appendCanonicalHeaders(signedHeaders: [String], headers: [(name: String, value: String)],
                                       lowerCasedNames: [String], to out: inout [UInt8]) {
        for name in signedHeaders {
            var first = true
            out.appendUTF8(name)
            out.append(UInt8(ascii: ":"))
            for i in headers.indices where lowerCasedNames[i] == name {
                if !first { out.append(UInt8(ascii: ",")) }
                appendTrimAll(headers[i].value, to: &out)
                first = false
            }
            out.append(UInt8(ascii: "\n"))
        }
    }

    public static func canonicalRequest(method: String, rawPath: String, rawQuery: String?,
                                        signedHeaders: [String], headers: [(name: String, value: String)],
                                        payloadHash: String) -> String {
        String(decoding: canonicalRequestBytes(method: method, rawPath: rawPath, rawQuery: rawQuery,
                                               signedHeaders: signedHeaders, headers: headers,
                                               lowerCasedNames: lowerCasedNames(headers), payload: .declared(payloadHash)),
               as: UTF8.self)
    }

    /// The canonical request's last line: a hash as the request declared it
    /// (`x-amz-content-sha256`), or the body's SHA-256, written as hex.
    enum Payload {
        case declared(String)
        case digest([UInt8])
    }

    /// `canonicalRequest`'s UTF-8, built in one buffer (what the string to sign hashes).
    static func canonicalRequestBytes(method: String, rawPath: String, rawQuery: String?,
                                      signedHeaders: [String], headers: [(name: String, value: String)],
                                      lowerCasedNames: [String], payload: Payload) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.appendUTF8(method.uppercased())
        out.append(UInt8(ascii: "\n"))
        out.appendUTF8(canonicalURI(rawPath: rawPath))
        out.append(UInt8(ascii: "\n"))
        out.appendUTF8(canonicalQuery(rawQuery))
        out.append(UInt8(ascii: "\n"))
        appendCanonicalHeaders(signedHeaders: signedHeaders, headers: headers, lowerCasedNames: lowerCasedNames, to: &out)
        out.append(UInt8(ascii: "\n"))   // each header line ends in one, and the block is followed by another
        for (i, name) in signedHeaders.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ";")) }
            out.appendUTF8(name)
        }
        out.append(UInt8(ascii: "\n"))
        switch payload {
        case .declared(let hash): out.appendUTF8(hash)
        case .digest(let digest): Hex.append(digest, to: &out)
        }
        return out
    }

    public static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        String(decoding: stringToSignBytes(amzDate: amzDate, scope: [scope], canonicalRequest: Array(canonicalRequest.utf8)),
               as: UTF8.self)
    }

    /// The string to sign's UTF-8; `scope` is its parts, joined here with `/`.
    static func stringToSignBytes(amzDate: String, scope: [String], canonicalRequest: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.appendLiteral("AWS4-HMAC-SHA256\n")
        out.appendUTF8(amzDate)
        out.append(UInt8(ascii: "\n"))
        for (i, part) in scope.enumerated() {
            if i > 0 { out.append(UInt8(ascii: "/")) }
            out.appendUTF8(part)
        }
        out.append(UInt8(ascii: "\n"))
        Hex.append(SHA256.hash(canonicalRequest), to: &out)
        return out
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
    public static func signingKey(secret: String, date: String, region: String, service: String) -> [UInt8] {
        let kDate = HMACSHA256.mac(key: Array(("AWS4" + secret).utf8), date)
        let kRegion = HMACSHA256.mac(key: kDate, region)
        let kService = HMACSHA256.mac(key: kRegion, service)
        return HMACSHA256.mac(key: kService, "aws4_request")
    }

    public static func signature(signingKey: [UInt8], stringToSign: String) -> String {
        Hex.encode(HMACSHA256.mac(key: signingKey, stringToSign))
    }

    /// The signature's hex, as bytes.
    static func signature(signingKey: [UInt8], stringToSign: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        Hex.append(HMACSHA256.mac(key: signingKey, data: stringToSign), to: &out)
        return out
    }
}

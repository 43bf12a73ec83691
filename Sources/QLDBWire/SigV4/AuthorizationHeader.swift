/// `Authorization: AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/aws4_request,
/// SignedHeaders=a;b;c, Signature=hex`, parsed.
public struct SigV4Authorization: Equatable, Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var accessKeyID: String
    public var date: String
    public var region: String
    public var service: String
    public var terminator: String
    public var signedHeaders: [String]
    public var signature: String

    /// `yyyymmdd/region/service/aws4_request`.
    public var scope: String { [date, region, service, terminator].joined(separator: "/") }

    /// Parses the header value; failures are AWS's `IncompleteSignatureException`.
    /// A header that differs from one parsed before only in its signature is answered
    /// from `AuthorizationMemo` (what a client sends all day).
    public static func parse(_ header: String) throws -> SigV4Authorization {
        try AuthorizationMemo.shared.parse(header, parser: parseAll)
    }

    /// The whole parse, on the UTF-8 bytes (every delimiter is ASCII).
    static func parseAll(_ header: String) throws -> SigV4Authorization {
        let bytes = Array(header.utf8)
        var start = 0
        while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
        guard let space = bytes[start...].firstIndex(of: UInt8(ascii: " ")) else {
            let trimmed = text(bytes[start...])
            if trimmed == algorithm { throw incomplete(["Credential", "Signature", "SignedHeaders"], header) }
            throw ServiceError.incompleteSignature(
                "Unsupported AWS 'algorithm': '\(trimmed)'. Authorization=\(header)")
        }
        let alg = text(bytes[start..<space])
        guard alg == algorithm else {
            throw ServiceError.incompleteSignature("Unsupported AWS 'algorithm': '\(alg)'. Authorization=\(header)")
        }
        var credential: String?, signedHeaderList: String?, signature: String?
        var others: Set<String> = []
        for component in ranges(bytes, space..<bytes.count, separator: UInt8(ascii: ",")) {
            let part = trimmingSpaces(bytes, component)
            guard !part.isEmpty else { continue }
            guard let eq = bytes[part].firstIndex(of: UInt8(ascii: "=")) else {
                throw ServiceError.incompleteSignature(
                    "Authorization header requires each component to be of the form key=value. Authorization=\(header)")
            }
            let key = text(bytes[part.lowerBound..<eq])
            let value = text(bytes[(eq + 1)..<part.upperBound])
            let duplicate: Bool
            switch key {
            case "Credential": duplicate = credential != nil; credential = value
            case "SignedHeaders": duplicate = signedHeaderList != nil; signedHeaderList = value
            case "Signature": duplicate = signature != nil; signature = value
            default: duplicate = !others.insert(key).inserted
            }
            guard !duplicate else {
                throw ServiceError.incompleteSignature(
                    "Authorization header has duplicate '\(key)' parameter. Authorization=\(header)")
            }
        }
        let missing = [("Credential", credential), ("Signature", signature), ("SignedHeaders", signedHeaderList)]
            .filter { ($0.1 ?? "").isEmpty }.map(\.0)
        guard missing.isEmpty, let credential, let signedHeaderList, let signature else { throw incomplete(missing, header) }
        let credentialBytes = Array(credential.utf8)
        let scope = ranges(credentialBytes, 0..<credentialBytes.count, separator: UInt8(ascii: "/"))
            .map { text(credentialBytes[$0]) }
        guard scope.count == 5, scope.allSatisfy({ !$0.isEmpty }) else {
            throw ServiceError.incompleteSignature(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                + "got '\(credential)'")
        }
        let listBytes = Array(signedHeaderList.utf8)
        let signedHeaders = ranges(listBytes, 0..<listBytes.count, separator: UInt8(ascii: ";"))
            .map { lowercased(text(listBytes[$0])) }
        guard signedHeaders.allSatisfy({ !$0.isEmpty }) else {
            throw ServiceError.incompleteSignature("SignedHeaders contains an empty header name. Authorization=\(header)")
        }
        return SigV4Authorization(accessKeyID: scope[0], date: scope[1], region: scope[2], service: scope[3],
                                  terminator: scope[4], signedHeaders: signedHeaders, signature: signature)
    }

    private static func text<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The ranges between `separator`s in `bytes[range]`, empty ones included
    /// (an index loop: `split` on a slice cost more than the rest of the parse).
    private static func ranges(_ bytes: [UInt8], _ range: Range<Int>, separator: UInt8) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = range.lowerBound
        for i in range where bytes[i] == separator {
            out.append(start..<i)
            start = i + 1
        }
        out.append(start..<range.upperBound)
        return out
    }

    private static func trimmingSpaces(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var (low, high) = (range.lowerBound, range.upperBound)
        while low < high, bytes[low] == UInt8(ascii: " ") || bytes[low] == UInt8(ascii: "\t") { low += 1 }
        while high > low, bytes[high - 1] == UInt8(ascii: " ") || bytes[high - 1] == UInt8(ascii: "\t") { high -= 1 }
        return low..<high
    }

    /// ASCII lower-casing on the contiguous bytes (a name already in lower case is returned as is);
    /// anything else the full Unicode way.
    static func lowercased(_ text: String) -> String {
        var text = text
        let ascii: (hasUpper: Bool, isASCII: Bool) = text.withUTF8 { bytes in
            var any: UInt8 = 0
            var upper = false
            for b in bytes {
                any |= b
                upper = upper || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            }
            return (upper, any < 0x80)
        }
        guard ascii.isASCII else { return text.lowercased() }
        guard ascii.hasUpper else { return text }
        return text.withUTF8 { bytes in
            String(unsafeUninitializedCapacity: bytes.count) { out in
                for i in bytes.indices {
                    let b = bytes[i]
                    out[i] = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
                }
                return bytes.count
            }
        }
    }

    private static func incomplete(_ missing: [String], _ header: String) -> ServiceError {
        .incompleteSignature(missing.map { "Authorization header requires '\($0)' parameter." }
            .joined(separator: " ") + " Authorization=\(header)")
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

/// Parsed Authorization headers by everything before their last 64 bytes. A client signs
/// each request of a day with the same credential scope and signed headers, so between
/// two of its requests only the signature's 64 hex digits at the end differ.
///
/// A header is answered from here only when an earlier header with the same bytes before
/// its last 64 parsed and those 64 bytes were its signature: the two then split into the
/// same components (hex digits hold no `,`, `=` or space) and differ only in that value.
final class AuthorizationMemo: Sendable {
    static let shared = AuthorizationMemo()
    static let signatureLength = 64

    private let parsed = BoundedMemo<String, SigV4Authorization>(capacity: 256)

    func parse(_ header: String, parser: (String) throws -> SigV4Authorization) throws -> SigV4Authorization {
        guard let (prefix, signature) = Self.split(header) else { return try parser(header) }
        if var hit = parsed.value(for: prefix) {
            hit.signature = signature
            return hit
        }
        let auth = try parser(header)
        if auth.signature == signature { parsed.remember(auth, for: prefix) }
        return auth
    }

    /// The header before its last 64 bytes, and those bytes, when they are all hex digits.
    static func split(_ header: String) -> (prefix: String, signature: String)? {
        var header = header
        return header.withUTF8 { bytes in
            guard bytes.count > signatureLength else { return nil }
            let cut = bytes.count - signatureLength
            for b in bytes[cut...] {
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                     UInt8(ascii: "A")...UInt8(ascii: "F"):
                    continue
                default:
                    return nil
                }
            }
            return (String(decoding: UnsafeBufferPointer(rebasing: bytes[..<cut]), as: UTF8.self),
                    String(decoding: UnsafeBufferPointer(rebasing: bytes[cut...]), as: UTF8.self))
        }
    }
}

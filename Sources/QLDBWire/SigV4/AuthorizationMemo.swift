import Foundation

/// Parsed Authorization headers by everything before their last 64 bytes. A client signs
/// each request of a day with the same credential scope and signed headers, so between
/// two of its requests only the signature's 64 hex digits at the end differ.
///
/// A header is answered from here only when an earlier header with the same bytes before
/// its last 64 parsed and those 64 bytes were its signature: the two then split into the
/// same components (hex digits hold no `,`, `=` or space) and differ only in that value.
///
/// The few prefixes seen last are compared byte for byte first (`recent`): every client
/// of one access key sends the same prefix all day, and comparing it costs less than
/// hashing it and building it as a string for the dictionary behind.
final class AuthorizationMemo: @unchecked Sendable {
    static let shared = AuthorizationMemo()
    static let signatureLength = 64
    static let recentCapacity = 8

    private let parsed = BoundedMemo<String, SigV4Authorization>(capacity: 256)
    private let lock = NSLock()
    /// Most recent first: a prefix's bytes and its header parsed (with some signature).
    private var recent: [(prefix: [UInt8], parsed: SigV4Authorization)] = []

    func parse(_ header: String, parser: (String) throws -> SigV4Authorization) throws -> SigV4Authorization {
        if let hit = recentHit(header) { return hit }
        guard let (prefix, signature) = Self.split(header) else { return try parser(header) }
        if var hit = parsed.value(for: prefix) {
            hit.signature = signature
            remember(prefix, hit)
            return hit
        }
        let auth = try parser(header)
        if auth.signature == signature {
            parsed.remember(auth, for: prefix)
            remember(prefix, auth)
        }
        return auth
    }

    /// The header parsed, when its prefix is one of `recent` and its last 64 bytes are hex digits.
    private func recentHit(_ header: String) -> SigV4Authorization? {
        var header = header
        return header.withUTF8 { bytes -> SigV4Authorization? in
            guard bytes.count > Self.signatureLength else { return nil }
            let cut = bytes.count - Self.signatureLength
            let found: SigV4Authorization? = lock.withLock {
                for entry in recent where entry.prefix.count == cut
                    && entry.prefix.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, cut) == 0 }) {
                    return entry.parsed
                }
                return nil
            }
            guard var hit = found, bytes[cut...].allSatisfy(Self.isHexDigit) else { return nil }
            hit.signature = String(decoding: UnsafeBufferPointer(rebasing: bytes[cut...]), as: UTF8.self)
            return hit
        }
    }

    private func remember(_ prefix: String, _ auth: SigV4Authorization) {
        let bytes = Array(prefix.utf8)
        lock.withLock {
            recent.removeAll { $0.prefix == bytes }
            recent.insert((bytes, auth), at: 0)
            if recent.count > Self.recentCapacity { recent.removeLast() }
        }
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }

    /// The header before its last 64 bytes, and those bytes, when they are all hex digits.
    static func split(_ header: String) -> (prefix: String, signature: String)? {
        var header = header
        return header.withUTF8 { bytes in
            guard bytes.count > signatureLength else { return nil }
            let cut = bytes.count - signatureLength
            guard bytes[cut...].allSatisfy(isHexDigit) else { return nil }
            return (String(decoding: UnsafeBufferPointer(rebasing: bytes[..<cut]), as: UTF8.self),
                    String(decoding: UnsafeBufferPointer(rebasing: bytes[cut...]), as: UTF8.self))
        }
    }
}

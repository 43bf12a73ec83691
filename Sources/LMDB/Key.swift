import Foundation

/// Key encodings whose byte order is the order callers mean. LMDB compares
/// keys byte by byte (memcmp; a key sorts before any longer key it prefixes).
///
/// - Integers are fixed-width big-endian; `Int64` has its sign bit flipped so
///   negatives sort before positives.
/// - Strings of one fixed length (the ledger's ids are 22-character Base62)
///   need no delimiter: `append(_ string:)` writes their UTF-8 as is.
/// - Strings of varying length in the middle of a key must not run into the
///   next part: `appendTerminated` writes UTF-8 and a 0 byte, which keeps
///   byte order ("a" < "ab") and prefix scans exact. A length prefix would not
///   sort by string.
///
/// ```swift
/// let key = Key.build { $0.append(documentId); $0.append(version) }  // 22 + 8 bytes
/// ```
public struct Key: Sendable {
    /// The encoded key so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// The bytes of a key put together by `body`.
    public static func build(_ body: (inout Key) -> Void) -> [UInt8] {
        var key = Key()
        body(&key)
        return key.bytes
    }

    public mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func append(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func append(_ value: Int64) {
        append(UInt64(bitPattern: value) ^ (1 << 63))
    }

    /// The UTF-8 of `string`, with no length or terminator: for strings of a
    /// fixed length, or the last part of a key.
    public mutating func append(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    /// The UTF-8 of `string` and a 0 byte: for strings of varying length
    /// followed by more parts. `string` must not contain U+0000.
    public mutating func appendTerminated(_ string: String) {
        precondition(!string.utf8.contains(0), "a terminated key string contains NUL")
        bytes.append(contentsOf: string.utf8)
        bytes.append(0)
    }

    public mutating func append(bytes more: some Sequence<UInt8>) {
        bytes.append(contentsOf: more)
    }

    // MARK: single values and decoding

    public static func uint64(_ value: UInt64) -> [UInt8] { build { $0.append(value) } }
    public static func int64(_ value: Int64) -> [UInt8] { build { $0.append(value) } }

    /// The big-endian `UInt64` at `offset`, or nil if `bytes` is too short.
    public static func readUInt64(_ bytes: some ContiguousBytes, at offset: Int = 0) -> UInt64? {
        bytes.withUnsafeBytes { buffer in
            guard offset >= 0, buffer.count - offset >= 8 else { return nil }
            return buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self).bigEndian
        }
    }

    /// The `Int64` written by `append(_: Int64)` at `offset`, or nil if
    /// `bytes` is too short.
    public static func readInt64(_ bytes: some ContiguousBytes, at offset: Int = 0) -> Int64? {
        readUInt64(bytes, at: offset).map { Int64(bitPattern: $0 ^ (1 << 63)) }
    }

    /// The least key greater than every key that starts with `prefix`, or nil
    /// if there is none (the prefix is empty or all 0xFF).
    public static func successor(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return nil
    }
}

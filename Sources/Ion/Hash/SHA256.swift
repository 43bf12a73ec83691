import CIonHash
import COpenSSL

/// SHA-256 from OpenSSL's libcrypto.
public enum SHA256 {
    public static let byteCount = 32

    /// Whether this processor has the SHA extensions that `tally_sha256_each` uses.
    public static let extensionsOnThisProcessor = tally_sha256_each_available() != 0

    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { out, count in
            tally_sha256(bytes.baseAddress, bytes.count, out.baseAddress)
            count = byteCount
        }
    }

    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// SHA-256 of `a ‖ b` without building the concatenation.
    public static func hash(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        a.withUnsafeBytes { ra in
            b.withUnsafeBytes { rb in
                [UInt8](unsafeUninitializedCapacity: byteCount) { out, count in
                    tally_sha256_two(ra.baseAddress, ra.count, rb.baseAddress, rb.count, out.baseAddress)
                    count = byteCount
                }
            }
        }
    }
}

/// Hex rendering and parsing for digests.
public enum Hex {
    /// Bytes (digests, mostly) as lower-case hex, written straight into the
    /// string's storage (the generic version below is not specialised across
    /// modules: ~18,000 instructions for a digest, ~300 here).
    public static func encode(_ bytes: [UInt8]) -> String { encode(bytes, after: "") }

    public static func encode(_ bytes: ArraySlice<UInt8>) -> String { encode(Array(bytes)) }

    /// `prefix` followed by `bytes` in lower-case hex, as one string (one
    /// allocation, where `prefix + encode(bytes)` makes two).
    public static func encode(_ bytes: [UInt8], after prefix: String) -> String {
        var prefix = prefix
        return prefix.withUTF8 { head in
            bytes.withUnsafeBufferPointer { input in
                String(unsafeUninitializedCapacity: head.count + input.count * 2) { out in
                    _ = out.initialize(from: head)
                    return write(input, into: out, at: head.count)
                }
            }
        }
    }

    /// Appends `bytes` in lower-case hex to `out`, without a string between.
    /// (Written into a stack buffer and appended with one copy: two appends a
    /// byte, each checking capacity and uniqueness, cost several times more.)
    public static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: input.count * 2) { hex in
                _ = write(input, into: hex, at: 0)
                out.append(contentsOf: hex)
            }
        }
    }

    /// Each byte's two hex digits, in memory order (a 2-byte store a byte; SigV4 hexes two digests a request).
    private static let pairs: [UInt16] = (0..<256).map { b in
        let table = Array("0123456789abcdef".utf8)
        return UInt16(table[b >> 4]) | UInt16(table[b & 0x0F]) << 8
    }

    /// Writes `input` as hex into `out` from `start`; returns the end.
    private static func write(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>,
                              at start: Int) -> Int {
        precondition(start + 2 * input.count <= out.count, "hex output too small")
        guard let base = out.baseAddress else { return start }
        return pairs.withUnsafeBufferPointer { table in
            var at = UnsafeMutableRawPointer(base + start)
            for b in input {
                at.storeBytes(of: UInt16(littleEndian: table[Int(b)]), as: UInt16.self)
                at += 2
            }
            return start + 2 * input.count
        }
    }

    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

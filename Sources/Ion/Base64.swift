/// Standard base64 with `+/` and `=` padding (QLDB digests, JSON blobs, wire values).
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "" }
        return String(unsafeUninitializedCapacity: encodedCount(bytes.count)) { out in
            bytes.withUnsafeBufferPointer { write($0, to: out.baseAddress!) }
            return out.count
        }
    }

    /// Appends the base64 of `bytes` to `out` (a response's values, written without a string between).
    public static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let start = out.count, n = encodedCount(bytes.count)
        out.append(contentsOf: repeatElement(0, count: n))
        out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { write($0, to: o.baseAddress! + start) }
        }
    }

    static func encodedCount(_ n: Int) -> Int { (n + 2) / 3 * 4 }

    /// Writes `encodedCount(input.count)` bytes at `out`.
    private static func write(_ input: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) {
        alphabet.withUnsafeBufferPointer { a in
            var i = 0, o = out
            let n = input.count
            while i + 3 <= n {
                let b0 = input[i], b1 = input[i + 1], b2 = input[i + 2]
                o[0] = a[Int(b0 >> 2)]
                o[1] = a[Int((b0 & 0x03) << 4 | b1 >> 4)]
                o[2] = a[Int((b1 & 0x0F) << 2 | b2 >> 6)]
                o[3] = a[Int(b2 & 0x3F)]
                i += 3
                o += 4
            }
            guard i < n else { return }
            let b0 = input[i], b1 = i + 1 < n ? input[i + 1] : 0
            o[0] = a[Int(b0 >> 2)]
            o[1] = a[Int((b0 & 0x03) << 4 | b1 >> 4)]
            o[2] = i + 1 < n ? a[Int((b1 & 0x0F) << 2)] : UInt8(ascii: "=")
            o[3] = UInt8(ascii: "=")
        }
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in text.utf8 where c != UInt8(ascii: "=") {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            buffer = buffer << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}

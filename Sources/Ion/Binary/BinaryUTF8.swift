/// UTF-8 well-formedness check for string bodies (Unicode 15, table 3-7):
/// rejects overlong forms, surrogates, code points past U+10FFFF and
/// truncated sequences. Runs of ASCII are skipped 8 bytes at a time.
enum BinaryUTF8 {
    /// Well-formed UTF-8. ASCII, the common case, is answered inline; the
    /// rest goes through the full check.
    @inline(__always)
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        isASCII(bytes) || isWellFormed(bytes)
    }

    /// True when no byte has its high bit set, read a word at a time (the last
    /// word overlapping).
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        guard count >= 8 else {
            var any: UInt8 = 0
            for i in 0 ..< count { any |= base[i] }
            return any < 0x80
        }
        let raw = UnsafeRawPointer(base)
        let high: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        while i + 8 < count {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & high != 0 { return false }
            i += 8
        }
        return raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) & high == 0
    }

    private static func isWellFormed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        let count = bytes.count
        var i = 0
        while i < count {
            while i + 8 <= count,
                  raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            guard i < count else { return true }
            let lead = base[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2 ... 0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1 ... 0xEC, 0xEE ... 0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1 ... 0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard length <= count - i else { return false }
            let second = base[i + 1]
            guard second >= low, second <= high else { return false }
            for k in 2 ..< length where base[i + k] & 0xC0 != 0x80 {
                return false
            }
            i += length
        }
        return true
    }
}

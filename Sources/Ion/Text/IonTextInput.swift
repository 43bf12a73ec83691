/// Input preparation for the Ion text reader: character-encoding detection,
/// UTF-8 validation, and line/column lookup for error positions.
enum IonTextInput {
    /// Ion text is UTF-8. Inputs that are recognisably UTF-16 or UTF-32 (a
    /// byte-order mark, or leading zero bytes, which UTF-8 Ion text can never
    /// start with) are transcoded to UTF-8; a UTF-8 byte-order mark is dropped.
    /// `badOffset` is the offset of the first malformed code unit of a
    /// transcoded input (nil when all is well).
    static func utf8(from input: [UInt8]) -> (bytes: [UInt8], badOffset: Int?) {
        let n = input.count
        if n >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF {
            return (Array(input[3...]), nil)
        }
        if n >= 4, input[0] == 0, input[1] == 0, input[2] == 0xFE, input[3] == 0xFF {
            return transcode32(input, start: 4, bigEndian: true)
        }
        if n >= 4, input[0] == 0xFF, input[1] == 0xFE, input[2] == 0, input[3] == 0 {
            return transcode32(input, start: 4, bigEndian: false)
        }
        if n >= 2, input[0] == 0xFE, input[1] == 0xFF { return transcode16(input, start: 2, bigEndian: true) }
        if n >= 2, input[0] == 0xFF, input[1] == 0xFE { return transcode16(input, start: 2, bigEndian: false) }
        if n >= 4, input[0] == 0, input[1] == 0, input[2] == 0, input[3] != 0 {
            return transcode32(input, start: 0, bigEndian: true)
        }
        if n >= 2, input[0] == 0, input[1] != 0 { return transcode16(input, start: 0, bigEndian: true) }
        return (input, nil)
    }

    private static func transcode16(_ input: [UInt8], start: Int, bigEndian: Bool) -> (bytes: [UInt8], badOffset: Int?) {
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 2)
        var i = start
        func unit(_ at: Int) -> UInt32 {
            let a = UInt32(input[at]), b = UInt32(input[at + 1])
            return bigEndian ? (a << 8 | b) : (b << 8 | a)
        }
        while i < input.count {
            guard i + 1 < input.count else { return (out, i) }
            let u = unit(i)
            if u >= 0xD800 && u <= 0xDBFF {
                guard i + 3 < input.count else { return (out, i) }
                let low = unit(i + 2)
                guard low >= 0xDC00 && low <= 0xDFFF else { return (out, i) }
                appendUTF8(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00), to: &out)
                i += 4
            } else if u >= 0xDC00 && u <= 0xDFFF {
                return (out, i)
            } else {
                appendUTF8(u, to: &out)
                i += 2
            }
        }
        return (out, nil)
    }

    private static func transcode32(_ input: [UInt8], start: Int, bigEndian: Bool) -> (bytes: [UInt8], badOffset: Int?) {
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4)
        var i = start
        while i < input.count {
            guard i + 3 < input.count else { return (out, i) }
            let b0 = UInt32(input[i]), b1 = UInt32(input[i + 1]), b2 = UInt32(input[i + 2]), b3 = UInt32(input[i + 3])
            let u = bigEndian ? (b0 << 24 | b1 << 16 | b2 << 8 | b3) : (b3 << 24 | b2 << 16 | b1 << 8 | b0)
            guard u <= 0x10FFFF, !(u >= 0xD800 && u <= 0xDFFF) else { return (out, i) }
            appendUTF8(u, to: &out)
            i += 4
        }
        return (out, nil)
    }

    /// Appends the UTF-8 encoding of a Unicode scalar value (not a surrogate).
    @inline(__always)
    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | ((scalar >> 18) & 0x07)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// The offset of the first byte that is not part of well-formed UTF-8
    /// (overlong forms, surrogates and values above U+10FFFF are rejected).
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        let n = bytes.count
        var i = 0
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; hi = 0x9F
            case 0xF0: length = 4; lo = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; hi = 0x8F
            default: return i
            }
            guard i + length <= n else { return i }
            let b1 = bytes[i + 1]
            guard b1 >= lo && b1 <= hi else { return i }
            var k = 2
            while k < length {
                guard bytes[i + k] & 0xC0 == 0x80 else { return i }
                k += 1
            }
            i += length
        }
        return nil
    }

    /// 1-based line and column (in characters) of a byte offset. CR, LF and
    /// CR LF each end a line.
    static func lineAndColumn(_ bytes: [UInt8], offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var i = 0
        let end = min(max(offset, 0), bytes.count)
        while i < end {
            let b = bytes[i]
            if b == 0x0A {
                line += 1
                column = 1
            } else if b == 0x0D {
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A, i + 1 < end {
                    i += 1
                }
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return (line, column)
    }
}

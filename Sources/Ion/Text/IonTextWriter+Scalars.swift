/// Scalar encodings for the Ion text writer.
extension IonTextWriter {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
    private static let base64Digits: [UInt8] =
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    mutating func writeInt(_ value: IonInt) {
        switch value {
        case .small(let v): writeDecimalDigits(v)
        case .big(let v): append(v.description)
        }
    }

    /// Decimal digits of an Int64 without going through String.
    private mutating func writeDecimalDigits(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        var digitCount = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            digitCount += 1
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digitCount))
        var index = start + digitCount - 1
        while magnitude > 0 {
            bytes[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            index -= 1
        }
    }

    /// Floats round-trip exactly: the shortest digits that read back to the
    /// same double, always with an exponent so they read as floats.
    mutating func writeFloat(_ value: Double) {
        if value.isNaN {
            append("nan")
        } else if value.isInfinite {
            append(value < 0 ? "-inf" : "+inf")
        } else {
            let text = value.description  // shortest round-trip digits, e.g. "1.5", "1e-07", "-0.0"
            var hasExponent = false
            for b in text.utf8 {
                if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                    hasExponent = true
                    bytes.append(UInt8(ascii: "e"))
                } else if b != UInt8(ascii: "+") {
                    bytes.append(b)
                }
            }
            if !hasExponent { append("e0") }
        }
    }

    private mutating func twoDigits(_ value: Int) {
        let v = max(0, value) % 100
        bytes.append(UInt8(ascii: "0") + UInt8(v / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(v % 10))
    }

    /// The timestamp as written: its local fields, precision, fractional
    /// seconds and offset (`-00:00` when unknown).
    mutating func writeTimestamp(_ t: IonTimestamp) {
        let year = max(0, t.year)
        if year > 9999 {
            append(String(year))
        } else {
            twoDigits(year / 100)
            twoDigits(year % 100)
        }
        if t.precision == .year {
            bytes.append(UInt8(ascii: "T"))
            return
        }
        bytes.append(UInt8(ascii: "-"))
        twoDigits(t.month)
        if t.precision == .month {
            bytes.append(UInt8(ascii: "T"))
            return
        }
        bytes.append(UInt8(ascii: "-"))
        twoDigits(t.day)
        if t.precision == .day { return }
        bytes.append(UInt8(ascii: "T"))
        twoDigits(t.hour)
        bytes.append(UInt8(ascii: ":"))
        twoDigits(t.minute)
        if t.precision == .second {
            bytes.append(UInt8(ascii: ":"))
            twoDigits(t.second)
            if let fraction = t.fraction { writeFraction(fraction) }
        }
        guard let offset = t.offsetMinutes else {
            append("-00:00")
            return
        }
        if offset == 0 {
            bytes.append(UInt8(ascii: "Z"))
            return
        }
        bytes.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let magnitude = offset.magnitude
        twoDigits(Int(magnitude / 60 % 100))
        bytes.append(UInt8(ascii: ":"))
        twoDigits(Int(magnitude % 60))
    }

    /// `.ddd` for a fraction `c × 10^-places` in [0, 1), keeping its precision.
    /// A fraction with no places (such as `0d0`) writes nothing.
    private mutating func writeFraction(_ fraction: IonDecimal) {
        guard fraction.exponent < 0, fraction.exponent > Int(Int32.min), !fraction.coefficient.isNegative else { return }
        let places = -fraction.exponent
        var digits = fraction.coefficient.description
        if digits == "0" { digits = "" }
        guard digits.utf8.count <= places else { return }  // not below 1: not a valid fraction
        bytes.append(UInt8(ascii: "."))
        for _ in 0..<(places - digits.utf8.count) { bytes.append(UInt8(ascii: "0")) }
        append(digits)
    }

    /// A string (`"`) or quoted symbol (`'`) with escapes for the quote, the
    /// backslash and control characters; other characters are written as UTF-8.
    mutating func writeQuoted(_ text: String, quote: UInt8) {
        bytes.append(quote)
        for b in text.utf8 {
            if b == quote || b == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(b)
            } else if b < 0x20 {
                writeControlEscape(b)
            } else {
                bytes.append(b)
            }
        }
        bytes.append(quote)
    }

    private mutating func writeControlEscape(_ b: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch b {
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x00: bytes.append(UInt8(ascii: "0"))
        default:
            bytes.append(UInt8(ascii: "x"))
            bytes.append(IonTextWriter.hexDigits[Int(b >> 4)])
            bytes.append(IonTextWriter.hexDigits[Int(b & 0x0F)])
        }
    }

    /// `{{"…"}}` with printable ASCII as is and every other byte as `\xHH`.
    mutating func writeClob(_ data: [UInt8]) {
        append("{{\"")
        for b in data {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(b)
            } else if b >= 0x20 && b < 0x7F {
                bytes.append(b)
            } else if b < 0x20 {
                writeControlEscape(b)
            } else {
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "x"))
                bytes.append(IonTextWriter.hexDigits[Int(b >> 4)])
                bytes.append(IonTextWriter.hexDigits[Int(b & 0x0F)])
            }
        }
        append("\"}}")
    }

    /// `{{base64}}` with padding.
    mutating func writeBlob(_ data: [UInt8]) {
        append("{{")
        let table = IonTextWriter.base64Digits
        var i = 0
        let n = data.count
        bytes.reserveCapacity(bytes.count + (n + 2) / 3 * 4 + 2)
        while i + 3 <= n {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            bytes.append(table[Int(v >> 18)])
            bytes.append(table[Int(v >> 12 & 0x3F)])
            bytes.append(table[Int(v >> 6 & 0x3F)])
            bytes.append(table[Int(v & 0x3F)])
            i += 3
        }
        if n - i == 1 {
            let v = UInt32(data[i]) << 16
            bytes.append(table[Int(v >> 18)])
            bytes.append(table[Int(v >> 12 & 0x3F)])
            append("==")
        } else if n - i == 2 {
            let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            bytes.append(table[Int(v >> 18)])
            bytes.append(table[Int(v >> 12 & 0x3F)])
            bytes.append(table[Int(v >> 6 & 0x3F)])
            bytes.append(UInt8(ascii: "="))
        }
        append("}}")
    }
}

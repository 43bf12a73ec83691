/// Quoted text: short strings `"…"`, long strings `'''…'''`, quoted symbols
/// `'…'`, and the text of clobs, with their escapes.
extension IonTextReader {
    enum QuotedKind {
        case shortString, longString, quotedSymbol, shortClob, longClob

        var isClob: Bool { self == .shortClob || self == .longClob }
        var isLong: Bool { self == .longString || self == .longClob }
        var name: String {
            switch self {
            case .shortString, .longString: return "string"
            case .quotedSymbol: return "quoted symbol"
            case .shortClob, .longClob: return "clob"
            }
        }
    }

    /// `"…"` at the position.
    mutating func readShortString() throws(IonError) -> String {
        var buffer: [UInt8] = []
        pos += 1
        try readQuotedText(.shortString, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// `'…'` at the position (not `'''`).
    mutating func readQuotedSymbol() throws(IonError) -> IonSymbol {
        var buffer: [UInt8] = []
        pos += 1
        try readQuotedText(.quotedSymbol, into: &buffer)
        return IonSymbol(String(decoding: buffer, as: UTF8.self))
    }

    /// One or more `'''…'''` segments separated by whitespace and comments,
    /// concatenated. The position is at the first `'''`.
    mutating func readLongStrings() throws(IonError) -> String {
        var buffer: [UInt8] = []
        while true {
            pos += 3
            try readQuotedText(.longString, into: &buffer)
            try skipTrivia()
            if !matches("'''") { break }
        }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Reads text up to and including the closing delimiter; the position is
    /// just after the opening delimiter. Appends UTF-8 (or clob bytes).
    mutating func readQuotedText(_ kind: QuotedKind, into out: inout [UInt8]) throws(IonError) {
        let open = pos
        let quote: UInt8 = (kind == .shortString || kind == .shortClob) ? UInt8(ascii: "\"") : UInt8(ascii: "'")
        while true {
            guard pos < bytes.count else { throw fail("unterminated \(kind.name)", at: max(open - 1, 0)) }
            let b = bytes[pos]
            if b == quote {
                if !kind.isLong {
                    pos += 1
                    return
                }
                if peek(1) == quote && peek(2) == quote {
                    pos += 3
                    return
                }
                out.append(b)
                pos += 1
            } else if b == UInt8(ascii: "\\") {
                try readEscape(kind, into: &out)
            } else if b < 0x20 {
                switch b {
                case 0x09, 0x0B, 0x0C:
                    out.append(b)
                    pos += 1
                case 0x0A where kind.isLong:
                    out.append(0x0A)
                    pos += 1
                case 0x0D where kind.isLong:
                    // CR and CR LF are normalised to LF.
                    out.append(0x0A)
                    pos += peek(1) == 0x0A ? 2 : 1
                case 0x0A, 0x0D:
                    throw fail("a \(kind.name) cannot contain a raw newline; use a long string or \\n")
                default:
                    throw fail("a \(kind.name) cannot contain the control character 0x\(String(b, radix: 16, uppercase: true)); escape it")
                }
            } else if b >= 0x80 && kind.isClob {
                throw fail("a clob can contain only ASCII characters; use \\x escapes")
            } else {
                out.append(b)
                pos += 1
            }
        }
    }

    /// One escape sequence at the position (a backslash).
    private mutating func readEscape(_ kind: QuotedKind, into out: inout [UInt8]) throws(IonError) {
        let start = pos
        guard has(1) else { throw fail("unterminated \(kind.name)", at: start) }
        let e = peek(1)
        pos += 2
        switch e {
        case UInt8(ascii: "a"): out.append(0x07)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "v"): out.append(0x0B)
        case UInt8(ascii: "0"): out.append(0x00)
        case UInt8(ascii: "?"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "\\"):
            out.append(e)
        case 0x0A:
            break  // escaped newline: a line continuation
        case 0x0D:
            if peek() == 0x0A { pos += 1 }
        case UInt8(ascii: "x"):
            let value = try hexEscapeDigits(2, start: start)
            if kind.isClob {
                out.append(UInt8(value))
            } else {
                IonTextInput.appendUTF8(value, to: &out)
            }
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            if kind.isClob { throw fail("a clob cannot contain \\u or \\U escapes; use \\x", at: start) }
            var value = try hexEscapeDigits(e == UInt8(ascii: "u") ? 4 : 8, start: start)
            if value >= 0xD800 && value <= 0xDBFF && e == UInt8(ascii: "u") {
                // A high surrogate must be followed by an escaped low surrogate.
                guard peek() == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") else {
                    throw fail("unpaired surrogate in \\u escape", at: start)
                }
                let lowStart = pos
                pos += 2
                let low = try hexEscapeDigits(4, start: lowStart)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw fail("unpaired surrogate in \\u escape", at: start) }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if value >= 0xD800 && value <= 0xDFFF {
                throw fail("unpaired surrogate in escape", at: start)
            }
            guard value <= 0x10FFFF else { throw fail("escape is beyond U+10FFFF", at: start) }
            IonTextInput.appendUTF8(value, to: &out)
        default:
            throw fail("invalid escape sequence in \(kind.name)", at: start)
        }
    }

    private mutating func hexEscapeDigits(_ count: Int, start: Int) throws(IonError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            let b = peek()
            guard !atEnd, IonTextReader.isHexDigit(b) else {
                throw fail("escape needs \(count) hexadecimal digits", at: start)
            }
            value = value << 4 | IonTextReader.hexValue(b)
            pos += 1
        }
        return value
    }
}

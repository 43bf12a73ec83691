/// Low-level scanning for the Ion text reader: byte access, errors with
/// positions, whitespace and comments, character classes.
extension IonTextReader {
    @inline(__always) var atEnd: Bool { pos >= bytes.count }

    /// The byte `k` ahead of the position, or 0 past the end (callers that
    /// must tell a NUL byte from the end check `atEnd` / `has(_:)`).
    @inline(__always) func peek(_ k: Int = 0) -> UInt8 {
        let i = pos + k
        return i < bytes.count ? bytes[i] : 0
    }

    @inline(__always) func has(_ k: Int) -> Bool { pos + k < bytes.count }

    /// An error at `offset` (default: the current position) with its line and column.
    func fail(_ message: String, at offset: Int? = nil) -> IonError {
        let at = min(offset ?? pos, bytes.count)
        let (line, column) = IonTextInput.lineAndColumn(bytes, offset: at)
        return IonError(message, offset: at, line: line, column: column)
    }

    /// A readable description of the byte at the position, for messages.
    func describeCurrent() -> String {
        guard !atEnd else { return "end of input" }
        let b = peek()
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 || b == 0x0B || b == 0x0C
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    @inline(__always) static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    @inline(__always) static func hexValue(_ b: UInt8) -> UInt32 {
        if b <= 0x39 { return UInt32(b - 0x30) }
        if b >= 0x61 { return UInt32(b - 0x61 + 10) }
        return UInt32(b - 0x41 + 10)
    }

    @inline(__always) static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b == 0x24
    }

    @inline(__always) static func isIdentifierPart(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || isDigit(b)
    }

    /// `!#%&*+-./;<=>?@^`|~`: the characters s-expression operators are made of.
    @inline(__always) static func isOperatorChar(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "*"),
             UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ";"),
             UInt8(ascii: "<"), UInt8(ascii: "="), UInt8(ascii: ">"), UInt8(ascii: "?"), UInt8(ascii: "@"),
             UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// True at `//` or `/*`.
    @inline(__always) func atCommentStart(_ k: Int = 0) -> Bool {
        peek(k) == UInt8(ascii: "/") && (peek(k + 1) == UInt8(ascii: "/") || peek(k + 1) == UInt8(ascii: "*"))
    }

    /// Skips whitespace and comments.
    mutating func skipTrivia() throws(IonError) {
        while pos < bytes.count {
            let b = bytes[pos]
            if IonTextReader.isWhitespace(b) {
                pos += 1
            } else if b == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "/") {
                pos += 2
                while pos < bytes.count, bytes[pos] != 0x0A, bytes[pos] != 0x0D { pos += 1 }
            } else if b == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "*") {
                let start = pos
                pos += 2
                while true {
                    guard pos + 1 < bytes.count else {
                        pos = bytes.count
                        throw fail("unterminated block comment", at: start)
                    }
                    if bytes[pos] == UInt8(ascii: "*") && bytes[pos + 1] == UInt8(ascii: "/") {
                        pos += 2
                        break
                    }
                    pos += 1
                }
            } else {
                return
            }
        }
    }

    /// Skips whitespace only (inside `{{ }}`, where comments are not allowed).
    mutating func skipWhitespace() {
        while pos < bytes.count, IonTextReader.isWhitespace(bytes[pos]) { pos += 1 }
    }

    /// Numbers, timestamps and `±inf` must end at one of these: the end,
    /// whitespace, a container delimiter, a quote, a comma, or a comment.
    func atNumericStop(_ k: Int = 0) -> Bool {
        guard has(k) else { return true }
        let b = peek(k)
        switch b {
        case 0x20, 0x0A, 0x0D, 0x09, 0x0B, 0x0C,
             UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: ")"), UInt8(ascii: "}"),
             UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: "{"),
             UInt8(ascii: "\""), UInt8(ascii: "'"):
            return true
        case UInt8(ascii: "/"):
            return atCommentStart(k)
        default:
            return false
        }
    }

    mutating func expectNumericStop(_ what: String) throws(IonError) {
        if !atNumericStop() { throw fail("invalid character \(describeCurrent()) after \(what)") }
    }

    /// True when the bytes at the position spell `text` (ASCII).
    func matches(_ text: StaticString, at k: Int = 0) -> Bool {
        let count = text.utf8CodeUnitCount
        guard pos + k + count <= bytes.count else { return false }
        let p = text.utf8Start
        for i in 0..<count where bytes[pos + k + i] != p[i] { return false }
        return true
    }
}

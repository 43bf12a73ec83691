/// Splits a statement into tokens. Never recurses; every loop advances.
struct Lexer {
    private let bytes: [UInt8]
    private var pos = 0
    private var line = 1
    private var lineStart = 0
    private var parameterCount = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    static func tokenize(_ text: String) throws -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        tokens.reserveCapacity(text.utf8.count / 3 + 1)
        while true {
            let t = try lexer.next()
            tokens.append(t)
            if t.kind == .eof { return tokens }
        }
    }

    private var colPos = 0
    private var colCount = 1

    /// Characters (not UTF-8 continuation bytes) since the line start, counted incrementally.
    private var column: Int {
        mutating get {
            if colPos < lineStart || colPos > pos {
                colPos = lineStart
                colCount = 1
            }
            while colPos < pos {
                if bytes[colPos] & 0xC0 != 0x80 { colCount += 1 }
                colPos += 1
            }
            return colCount
        }
    }

    private func error(_ message: String, line: Int, column: Int) -> PartiQLError {
        PartiQLError.syntax(message, at: SourcePosition(line: line, column: column))
    }

    private mutating func newline() {
        line += 1
        lineStart = pos
    }

    private mutating func skipTrivia() throws {
        while pos < bytes.count {
            let b = bytes[pos]
            if b == 0x0A { pos += 1; newline(); continue }
            if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0C || b == 0x0B { pos += 1; continue }
            if b == UInt8(ascii: "-"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "-") {
                while pos < bytes.count, bytes[pos] != 0x0A { pos += 1 }
                continue
            }
            if b == UInt8(ascii: "/"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "*") {
                let (l, c) = (line, column)
                pos += 2
                var closed = false
                while pos < bytes.count {
                    if bytes[pos] == UInt8(ascii: "*"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "/") {
                        pos += 2
                        closed = true
                        break
                    }
                    if bytes[pos] == 0x0A { pos += 1; newline() } else { pos += 1 }
                }
                if !closed { throw error("unterminated comment", line: l, column: c) }
                continue
            }
            return
        }
    }

    private static func isIdentStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x24
    }

    private static func isIdentPart(_ b: UInt8) -> Bool {
        isIdentStart(b) || (b >= 0x30 && b <= 0x39)
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private func text(_ from: Int, _ to: Int) -> String {
        String(decoding: bytes[from..<to], as: UTF8.self)
    }

    mutating func next() throws -> Token {
        try skipTrivia()
        let startLine = line
        let startColumn = column
        func tok(_ k: Token.Kind) -> Token { Token(kind: k, line: startLine, column: startColumn) }
        guard pos < bytes.count else { return tok(.eof) }
        let b = bytes[pos]
        let start = pos

        if Lexer.isIdentStart(b) {
            pos += 1
            while pos < bytes.count, Lexer.isIdentPart(bytes[pos]) { pos += 1 }
            return tok(.identifier(text(start, pos)))
        }
        if Lexer.isDigit(b) || (b == UInt8(ascii: ".") && pos + 1 < bytes.count && Lexer.isDigit(bytes[pos + 1])) {
            return tok(try number())
        }
        switch b {
        case UInt8(ascii: "'"):
            return tok(.string(try quoted(UInt8(ascii: "'"), what: "string", line: startLine, column: startColumn)))
        case UInt8(ascii: "\""):
            return tok(.quotedIdentifier(try quoted(UInt8(ascii: "\""), what: "quoted identifier", line: startLine, column: startColumn)))
        case UInt8(ascii: "`"):
            return tok(.ion(try ionLiteral(line: startLine, column: startColumn)))
        case UInt8(ascii: "?"):
            pos += 1
            parameterCount += 1
            return tok(.parameter(parameterCount - 1))
        default:
            break
        }
        let two: [String] = ["<<", ">>", "<=", ">=", "<>", "!=", "||"]
        if pos + 1 < bytes.count {
            let s = text(pos, pos + 2)
            if two.contains(s) {
                pos += 2
                return tok(.punct(s))
            }
        }
        let singles = "=<>+-*/%()[]{},.:;@"
        if b < 0x80, singles.utf8.contains(b) {
            pos += 1
            return tok(.punct(String(UnicodeScalar(b))))
        }
        // Report the whole character.
        var end = pos + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        throw error("unexpected character '\(text(pos, end))'", line: startLine, column: startColumn)
    }

    private mutating func number() throws -> Token.Kind {
        let start = pos
        var isDecimal = false
        while pos < bytes.count, Lexer.isDigit(bytes[pos]) { pos += 1 }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isDecimal = true
            pos += 1
            while pos < bytes.count, Lexer.isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            var p = pos + 1
            if p < bytes.count, bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-") { p += 1 }
            if p < bytes.count, Lexer.isDigit(bytes[p]) {
                isDecimal = true
                pos = p
                while pos < bytes.count, Lexer.isDigit(bytes[pos]) { pos += 1 }
            }
        }
        let t = text(start, pos)
        return isDecimal ? .decimal(t) : .integer(t)
    }

    /// A '…' string or "…" identifier; the quote doubled stands for itself.
    private mutating func quoted(_ q: UInt8, what: String, line l: Int, column c: Int) throws -> String {
        pos += 1
        var out: [UInt8] = []
        while pos < bytes.count {
            let b = bytes[pos]
            if b == q {
                if pos + 1 < bytes.count, bytes[pos + 1] == q {
                    out.append(q)
                    pos += 2
                    continue
                }
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if b == 0x0A { out.append(b); pos += 1; newline(); continue }
            out.append(b)
            pos += 1
        }
        throw error("unterminated \(what)", line: l, column: c)
    }

    /// Text up to the closing backtick, skipping backticks inside Ion strings and comments.
    private mutating func ionLiteral(line l: Int, column c: Int) throws -> String {
        pos += 1
        let start = pos
        while pos < bytes.count {
            let b = bytes[pos]
            switch b {
            case UInt8(ascii: "`"):
                let t = text(start, pos)
                pos += 1
                return t
            case UInt8(ascii: "\""):
                try skipIonQuoted(UInt8(ascii: "\""), l, c)
            case UInt8(ascii: "'"):
                if pos + 2 < bytes.count, bytes[pos + 1] == b, bytes[pos + 2] == b {
                    pos += 3
                    var closed = false
                    while pos < bytes.count {
                        if bytes[pos] == UInt8(ascii: "\\") { pos += 2; continue }
                        if bytes[pos] == b, pos + 2 < bytes.count, bytes[pos + 1] == b, bytes[pos + 2] == b {
                            pos += 3
                            closed = true
                            break
                        }
                        if bytes[pos] == 0x0A { pos += 1; newline() } else { pos += 1 }
                    }
                    if !closed { throw error("unterminated Ion literal", line: l, column: c) }
                } else {
                    try skipIonQuoted(b, l, c)
                }
            case UInt8(ascii: "/") where pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "/"):
                while pos < bytes.count, bytes[pos] != 0x0A { pos += 1 }
            case UInt8(ascii: "/") where pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "*"):
                pos += 2
                while pos + 1 < bytes.count, !(bytes[pos] == UInt8(ascii: "*") && bytes[pos + 1] == UInt8(ascii: "/")) {
                    if bytes[pos] == 0x0A { pos += 1; newline() } else { pos += 1 }
                }
                pos += 2
            case 0x0A:
                pos += 1
                newline()
            default:
                pos += 1
            }
        }
        throw error("unterminated Ion literal", line: l, column: c)
    }

    private mutating func skipIonQuoted(_ q: UInt8, _ l: Int, _ c: Int) throws {
        pos += 1
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\\") { pos += 2; continue }
            if b == q { pos += 1; return }
            if b == 0x0A { pos += 1; newline(); continue }
            pos += 1
        }
        throw error("unterminated Ion literal", line: l, column: c)
    }
}

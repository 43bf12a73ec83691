/// Splits PartiQL input into statements at `;` outside 'strings',
/// "quoted identifiers", `Ion literals` and comments (`-- …` to end of line,
/// `/* … */`). Comments are removed from the statements. Incremental: feed
/// lines, take the complete statements, keep the rest for the next line.
struct StatementSplitter {
    private(set) var pending = ""

    /// True when nothing but whitespace waits for a `;`.
    var isEmpty: Bool { pending.allSatisfy(\.isWhitespace) }

    /// Adds text (usually one line with its newline); returns the statements it completed.
    mutating func feed(_ text: String) -> [String] {
        pending += text
        let (statements, rest) = Self.split(pending)
        pending = rest
        return statements
    }

    /// The unterminated remainder as a last statement (end of input), if any.
    mutating func finish() -> String? {
        let (statements, rest) = Self.split(pending + "\n;")
        pending = ""
        _ = rest
        return statements.first
    }

    /// Complete statements (trimmed, comments removed, empty ones dropped) and the unterminated rest (raw).
    static func split(_ text: String) -> ([String], String) {
        var statements: [String] = []
        var current = ""
        let chars = Array(text)
        var i = 0
        var startOfCurrent = 0
        func next(_ k: Int) -> Character? { k < chars.count ? chars[k] : nil }
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "'", "\"":
                // String or quoted identifier; a doubled quote is an escaped one.
                var j = i + 1
                while j < chars.count {
                    if chars[j] == c {
                        if next(j + 1) == c { j += 2; continue }
                        break
                    }
                    j += 1
                }
                if j >= chars.count { return (statements, String(chars[startOfCurrent...])) }
                current += String(chars[i...j])
                i = j + 1
            case "`":
                var j = i + 1
                var quote: Character?
                while j < chars.count {
                    let d = chars[j]
                    if let q = quote {
                        if d == "\\" { j += 2; continue }
                        if d == q { quote = nil }
                    } else if d == "\"" || d == "'" {
                        quote = d
                    } else if d == "`" {
                        break
                    }
                    j += 1
                }
                if j >= chars.count { return (statements, String(chars[startOfCurrent...])) }
                current += String(chars[i...j])
                i = j + 1
            case "-" where next(i + 1) == "-":
                var j = i
                while j < chars.count, chars[j] != "\n" { j += 1 }
                if j >= chars.count {
                    // The comment may still grow; keep it pending (it ends at the newline).
                    return (statements, String(chars[startOfCurrent...]))
                }
                current += " "
                i = j
            case "/" where next(i + 1) == "*":
                var j = i + 2
                while j + 1 < chars.count, !(chars[j] == "*" && chars[j + 1] == "/") { j += 1 }
                if j + 1 >= chars.count { return (statements, String(chars[startOfCurrent...])) }
                current += " "
                i = j + 2
            case ";":
                let s = current.trimmingWhitespace()
                if !s.isEmpty { statements.append(s) }
                current = ""
                i += 1
                startOfCurrent = i
            default:
                current.append(c)
                i += 1
            }
        }
        return (statements, String(chars[startOfCurrent...]))
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

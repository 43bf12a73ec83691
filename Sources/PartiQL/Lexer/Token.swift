/// One lexical token with its 1-based position.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A bare identifier or keyword (keywords are recognised by the parser, case-insensitively).
        case identifier(String)
        case quotedIdentifier(String)
        case string(String)
        /// The text between backticks.
        case ion(String)
        case integer(String)
        case decimal(String)
        /// `?`, numbered from 0 in order of appearance.
        case parameter(Int)
        case punct(String)
        case eof
    }

    public var kind: Kind
    public var line: Int
    public var column: Int

    public var position: SourcePosition { SourcePosition(line: line, column: column) }

    /// Upper-cased text when this is a bare identifier.
    var keyword: String? {
        if case .identifier(let s) = kind { return s.uppercased() }
        return nil
    }

    func isKeyword(_ k: String) -> Bool {
        if case .identifier(let s) = kind { return s.count == k.count && s.uppercased() == k }
        return false
    }

    func isPunct(_ p: String) -> Bool {
        if case .punct(let s) = kind { return s == p }
        return false
    }

    var display: String {
        switch kind {
        case .identifier(let s): return s
        case .quotedIdentifier(let s): return "\"\(s)\""
        case .string(let s): return "'\(s.prefix(40))'"
        case .ion(let s): return "`\(s.prefix(40))`"
        case .integer(let s), .decimal(let s): return String(s.prefix(40))
        case .parameter: return "?"
        case .punct(let p): return p
        case .eof: return "end of statement"
        }
    }
}

public struct SourcePosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var description: String { "\(line):\(column)" }
}

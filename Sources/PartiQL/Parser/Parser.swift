import Ion

/// Recursive-descent parser. Nesting is bounded (`maxNesting`), and every
/// expression carries its tree height, bounded by `maxHeight`, so neither the
/// parser nor the evaluator can run out of stack on hostile input.
struct Parser {
    static let maxNesting = 64
    static let maxHeight = 200

    /// One parsed expression and the height of its tree.
    typealias P = (e: Expr, h: Int)

    var tokens: [Token]
    var index = 0
    var nesting = 0

    init(_ text: String) throws {
        tokens = try Lexer.tokenize(text)
    }

    static let reserved: Set<String> = [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "LIKE", "BETWEEN", "AS", "AT", "BY", "JOIN", "ON",
        "INNER", "CROSS", "LEFT", "RIGHT", "FULL", "OUTER", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "VALUE",
        "CASE", "WHEN", "THEN", "ELSE", "END", "NULL", "MISSING", "TRUE", "FALSE", "DISTINCT", "ALL", "UNION",
        "EXCEPT", "INTERSECT", "ESCAPE", "SET", "REMOVE", "INSERT", "INTO", "UPDATE", "DELETE", "PIVOT", "UNPIVOT",
        "ASC", "DESC", "LATERAL", "WITH", "CAST", "EXEC", "CREATE", "DROP", "TABLE", "INDEX", "USING", "NATURAL",
        "VALUES", "OUTER", "FOR", "LET",
    ]

    var current: Token { tokens[index] }
    var peekToken: Token { tokens[min(index + 1, tokens.count - 1)] }

    mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func error(_ expected: String, at token: Token? = nil) -> PartiQLError {
        let t = token ?? current
        let found = t.kind == .eof ? "end of statement" : "'\(t.display)'"
        return PartiQLError.syntax("expected \(expected) but found \(found)", at: t.position)
    }

    mutating func acceptKeyword(_ k: String) -> Bool {
        if current.isKeyword(k) { _ = advance(); return true }
        return false
    }

    mutating func expectKeyword(_ k: String) throws {
        guard acceptKeyword(k) else { throw error(k) }
    }

    mutating func acceptPunct(_ p: String) -> Bool {
        if current.isPunct(p) { _ = advance(); return true }
        return false
    }

    mutating func expectPunct(_ p: String) throws {
        guard acceptPunct(p) else { throw error("'\(p)'") }
    }

    /// Enters one level of syntactic nesting.
    mutating func enter() throws {
        nesting += 1
        if nesting > Parser.maxNesting {
            throw PartiQLError.syntax("statement is nested too deeply (limit \(Parser.maxNesting))", at: current.position)
        }
    }

    mutating func leave() { nesting -= 1 }

    func checkHeight(_ h: Int) throws -> Int {
        if h > Parser.maxHeight {
            throw PartiQLError.syntax("expression is too complex (height limit \(Parser.maxHeight))", at: current.position)
        }
        return h
    }

    /// A name: bare (not reserved) or quoted. Returns (name, caseSensitive).
    mutating func identifier(_ what: String = "identifier") throws -> (String, Bool) {
        switch current.kind {
        case .identifier(let s) where !Parser.reserved.contains(s.uppercased()):
            _ = advance()
            return (s, false)
        case .quotedIdentifier(let s):
            _ = advance()
            return (s, true)
        default:
            throw error(what)
        }
    }

    var atIdentifier: Bool {
        switch current.kind {
        case .identifier(let s): return !Parser.reserved.contains(s.uppercased())
        case .quotedIdentifier: return true
        default: return false
        }
    }

    /// Parses one statement (with optional trailing `;`).
    static func parse(_ text: String) throws -> Statement {
        var p = try Parser(text)
        let s = try p.statement()
        _ = p.acceptPunct(";")
        guard p.current.kind == .eof else { throw p.error("end of statement") }
        return s
    }

    /// Reads a backtick Ion literal. The single place that depends on the Ion text reader.
    static func ionLiteral(_ text: String, at position: SourcePosition) throws -> Value {
        let values: [IonValue]
        do {
            values = try Ion.read(text)
        } catch let e as IonError {
            throw PartiQLError.syntax("invalid Ion literal: \(e.message)", at: position)
        } catch {
            throw PartiQLError.syntax("invalid Ion literal", at: position)
        }
        guard values.count == 1 else {
            throw PartiQLError.syntax("an Ion literal must hold exactly one value", at: position)
        }
        return Value(ion: values[0])
    }
}

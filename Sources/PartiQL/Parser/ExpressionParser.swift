import Ion

extension Parser {
    mutating func expr() throws -> P {
        try enter()
        defer { leave() }
        return try orExpr()
    }

    private mutating func orExpr() throws -> P {
        var l = try andExpr()
        while acceptKeyword("OR") {
            let r = try andExpr()
            l = (.binary(.or, l.e, r.e), try checkHeight(max(l.h, r.h) + 1))
        }
        return l
    }

    private mutating func andExpr() throws -> P {
        var l = try notExpr()
        while acceptKeyword("AND") {
            let r = try notExpr()
            l = (.binary(.and, l.e, r.e), try checkHeight(max(l.h, r.h) + 1))
        }
        return l
    }

    private mutating func notExpr() throws -> P {
        if current.isKeyword("NOT") {
            _ = advance()
            try enter()
            defer { leave() }
            let x = try notExpr()
            return (.unary(.not, x.e), try checkHeight(x.h + 1))
        }
        return try predicate()
    }

    private static let comparisons: [String: BinaryOp] = ["=": .eq, "<>": .ne, "!=": .ne, "<": .lt, "<=": .le, ">": .gt, ">=": .ge]

    private mutating func predicate() throws -> P {
        var l = try concatExpr()
        while true {
            if case .punct(let p) = current.kind, let op = Parser.comparisons[p] {
                _ = advance()
                let r = try concatExpr()
                l = (.binary(op, l.e, r.e), try checkHeight(max(l.h, r.h) + 1))
                continue
            }
            if current.isKeyword("IS") {
                _ = advance()
                let negated = acceptKeyword("NOT")
                let test: TypeTest
                if acceptKeyword("NULL") { test = .null } else if acceptKeyword("MISSING") { test = .missing } else {
                    test = .type(try typeName())
                }
                l = (.isType(l.e, test, negated: negated), try checkHeight(l.h + 1))
                continue
            }
            var negated = false
            if current.isKeyword("NOT"), peekToken.isKeyword("IN") || peekToken.isKeyword("LIKE") || peekToken.isKeyword("BETWEEN") {
                _ = advance()
                negated = true
            }
            if acceptKeyword("IN") {
                var r: P
                if current.isPunct("("), !peekToken.isKeyword("SELECT") {
                    _ = advance()
                    try enter()
                    let (items, h) = try exprList(close: ")")
                    leave()
                    r = (.list(items), try checkHeight(h + 1))
                } else {
                    r = try concatExpr()
                }
                l = (.inCollection(l.e, r.e, negated: negated), try checkHeight(max(l.h, r.h) + 1))
                continue
            }
            if acceptKeyword("LIKE") {
                let r = try concatExpr()
                var h = max(l.h, r.h)
                var esc: Expr?
                if acceptKeyword("ESCAPE") {
                    let x = try concatExpr()
                    esc = x.e
                    h = max(h, x.h)
                }
                l = (.like(l.e, r.e, escape: esc, negated: negated), try checkHeight(h + 1))
                continue
            }
            if acceptKeyword("BETWEEN") {
                let lo = try concatExpr()
                try expectKeyword("AND")
                let hi = try concatExpr()
                l = (.between(l.e, lo.e, hi.e, negated: negated), try checkHeight(max(l.h, lo.h, hi.h) + 1))
                continue
            }
            if negated { throw error("IN, LIKE or BETWEEN") }
            return l
        }
    }

    private mutating func concatExpr() throws -> P {
        var l = try additive()
        while acceptPunct("||") {
            let r = try additive()
            l = (.binary(.concat, l.e, r.e), try checkHeight(max(l.h, r.h) + 1))
        }
        return l
    }

    private mutating func additive() throws -> P {
        var l = try multiplicative()
        while true {
            let op: BinaryOp
            if current.isPunct("+") { op = .add } else if current.isPunct("-") { op = .sub } else { return l }
            _ = advance()
            let r = try multiplicative()
            l = (.binary(op, l.e, r.e), try checkHeight(max(l.h, r.h) + 1))
        }
    }

    private mutating func multiplicative() throws -> P {
        var l = try unary()
        while true {
            let op: BinaryOp
            if current.isPunct("*") { op = .mul } else if current.isPunct("/") { op = .div } else if current.isPunct("%") { op = .mod } else { return l }
            _ = advance()
            let r = try unary()
            l = (.binary(op, l.e, r.e), try checkHeight(max(l.h, r.h) + 1))
        }
    }

    private mutating func unary() throws -> P {
        if current.isPunct("-") || current.isPunct("+") {
            let neg = current.isPunct("-")
            _ = advance()
            try enter()
            defer { leave() }
            // Fold -<number literal> so that -9223372036854775808 is representable.
            if neg, case .integer(let digits) = current.kind, !peekToken.isPunct("."), !peekToken.isPunct("[") {
                _ = advance()
                return (try intLiteral("-" + digits), 1)
            }
            let x = try unary()
            return (.unary(neg ? .neg : .pos, x.e), try checkHeight(x.h + 1))
        }
        if current.isKeyword("NOT") {
            return try notExpr()
        }
        return try postfix()
    }

    func intLiteral(_ text: String) throws -> Expr {
        if let v = Int64(text) { return .literal(.int(.small(v))) }
        throw PartiQLError.syntax("integer literal \(text.prefix(40)) is out of range", at: current.position)
    }

    /// A primary followed by path steps.
    mutating func postfix() throws -> P {
        let base = try primary()
        var steps: [PathStep] = []
        var h = base.h
        while true {
            if current.isPunct(".") {
                _ = advance()
                if acceptPunct("*") { steps.append(.unpivot); continue }
                switch current.kind {
                case .identifier(let s):
                    _ = advance()
                    steps.append(.field(s, caseSensitive: false))
                case .quotedIdentifier(let s):
                    _ = advance()
                    steps.append(.field(s, caseSensitive: true))
                default:
                    throw error("a field name after '.'")
                }
                continue
            }
            if current.isPunct("[") {
                _ = advance()
                if acceptPunct("*") {
                    try expectPunct("]")
                    steps.append(.wildcard)
                    continue
                }
                let x = try expr()
                try expectPunct("]")
                h = max(h, x.h)
                if case .literal(let v) = x.e, let s = v.text, case .string = v {
                    steps.append(.field(s, caseSensitive: true))
                } else {
                    steps.append(.index(x.e))
                }
                continue
            }
            break
        }
        if steps.isEmpty { return base }
        return (.path(base.e, steps), try checkHeight(h + 1))
    }

    /// Comma-separated expressions up to `close`.
    mutating func exprList(close: String) throws -> ([Expr], Int) {
        var items: [Expr] = []
        var h = 0
        if acceptPunct(close) { return (items, 0) }
        repeat {
            let x = try expr()
            items.append(x.e)
            h = max(h, x.h)
        } while acceptPunct(",")
        try expectPunct(close)
        return (items, h)
    }

    mutating func primary() throws -> P {
        let t = current
        switch t.kind {
        case .integer(let digits):
            _ = advance()
            return (try intLiteral(digits), 1)
        case .decimal(let text):
            _ = advance()
            guard let d = Dec.parse(text), d.inArithmeticRange else { throw error("a number", at: t) }
            return (.literal(.decimal(d.rounded(toSignificant: Dec.precision).ion)), 1)
        case .string(let s):
            _ = advance()
            return (.literal(.string(s)), 1)
        case .ion(let text):
            _ = advance()
            return (.literal(try Parser.ionLiteral(text, at: t.position)), 1)
        case .parameter(let n):
            _ = advance()
            return (.parameter(n), 1)
        case .quotedIdentifier(let s):
            _ = advance()
            return (.variable(s, caseSensitive: true, local: false), 1)
        case .punct("("):
            _ = advance()
            try enter()
            defer { leave() }
            if current.isKeyword("SELECT") {
                let q = try selectQuery()
                try expectPunct(")")
                return q
            }
            let x = try expr()
            if current.isPunct(",") {
                // A row value (a, b) is treated as a list.
                var items = [x.e]
                var h = x.h
                while acceptPunct(",") {
                    let y = try expr()
                    items.append(y.e)
                    h = max(h, y.h)
                }
                try expectPunct(")")
                return (.list(items), try checkHeight(h + 1))
            }
            try expectPunct(")")
            return x
        case .punct("["):
            _ = advance()
            try enter()
            defer { leave() }
            let (items, h) = try exprList(close: "]")
            return (.list(items), try checkHeight(h + 1))
        case .punct("<<"):
            _ = advance()
            try enter()
            defer { leave() }
            let (items, h) = try exprList(close: ">>")
            return (.bag(items), try checkHeight(h + 1))
        case .punct("{"):
            _ = advance()
            try enter()
            defer { leave() }
            var fields: [(Expr, Expr)] = []
            var h = 0
            if !acceptPunct("}") {
                repeat {
                    let k = try expr()
                    try expectPunct(":")
                    let v = try expr()
                    fields.append((k.e, v.e))
                    h = max(h, k.h, v.h)
                } while acceptPunct(",")
                try expectPunct("}")
            }
            return (.tuple(fields), try checkHeight(h + 1))
        case .punct("@"):
            _ = advance()
            let (name, cs) = try identifier()
            return (.variable(name, caseSensitive: cs, local: true), 1)
        case .identifier(let word):
            return try keywordOrName(word, t)
        default:
            throw error("an expression")
        }
    }

    private mutating func keywordOrName(_ word: String, _ t: Token) throws -> P {
        let upper = word.uppercased()
        switch upper {
        case "NULL": _ = advance(); return (.literal(.nullValue), 1)
        case "MISSING": _ = advance(); return (.literal(.missing), 1)
        case "TRUE": _ = advance(); return (.literal(.bool(true)), 1)
        case "FALSE": _ = advance(); return (.literal(.bool(false)), 1)
        case "SELECT": return try selectQuery()
        case "CASE": return try caseExpr()
        case "CAST", "CAN_CAST", "CAN_LOSSLESS_CAST":
            guard peekToken.isPunct("(") else { break }
            _ = advance()
            _ = advance()
            try enter()
            defer { leave() }
            let x = try expr()
            try expectKeyword("AS")
            let type = try typeName()
            try expectPunct(")")
            let kind: CastKind = upper == "CAST" ? .cast : (upper == "CAN_CAST" ? .canCast : .canLosslessCast)
            return (.cast(x.e, type, kind), try checkHeight(x.h + 1))
        case "DATE", "TIME", "TIMESTAMP", "INTERVAL":
            if case .string = peekToken.kind {
                throw PartiQLError.syntax("SQL \(upper) literals are not supported; use an Ion timestamp literal in backticks", at: t.position)
            }
        case "PIVOT":
            throw PartiQLError.syntax("PIVOT is not supported", at: t.position)
        default:
            break
        }
        if peekToken.isPunct("(") {
            return try functionCall(word, t)
        }
        if Parser.reserved.contains(upper) { throw error("an expression") }
        _ = advance()
        return (.variable(word, caseSensitive: false, local: false), 1)
    }

    private mutating func caseExpr() throws -> P {
        _ = advance()
        try enter()
        defer { leave() }
        var h = 0
        var subject: Expr?
        if !current.isKeyword("WHEN") {
            let s = try expr()
            subject = s.e
            h = s.h
        }
        var branches: [(Expr, Expr)] = []
        while acceptKeyword("WHEN") {
            let c = try expr()
            try expectKeyword("THEN")
            let v = try expr()
            branches.append((c.e, v.e))
            h = max(h, c.h, v.h)
        }
        if branches.isEmpty { throw error("WHEN") }
        var elseExpr: Expr?
        if acceptKeyword("ELSE") {
            let e = try expr()
            elseExpr = e.e
            h = max(h, e.h)
        }
        try expectKeyword("END")
        return (.caseWhen(subject, branches, elseExpr), try checkHeight(h + 1))
    }

    mutating func typeName() throws -> TypeName {
        let t = current
        guard let word = t.keyword else {
            if case .quotedIdentifier = t.kind {} // fallthrough to error
            throw error("a type name")
        }
        _ = advance()
        var name = word
        switch word {
        case "NULL", "MISSING", "BOOL", "BOOLEAN", "INT", "INTEGER", "INT4", "INT8", "SMALLINT", "BIGINT", "INT2",
             "INTEGER4", "INTEGER8", "FLOAT", "REAL", "DECIMAL", "NUMERIC", "DEC", "TIMESTAMP", "SYMBOL", "STRING",
             "CLOB", "BLOB", "LIST", "SEXP", "BAG", "STRUCT", "TUPLE", "ANY", "VARCHAR", "CHAR", "CHARACTER", "DOUBLE":
            break
        default:
            throw PartiQLError.syntax("unknown type name '\(word)'", at: t.position)
        }
        if word == "DOUBLE" { try expectKeyword("PRECISION"); name = "FLOAT" }
        if word == "CHARACTER", acceptKeyword("VARYING") { name = "VARCHAR" }
        // Optional (precision [, scale]) — accepted and ignored except for validation.
        if acceptPunct("(") {
            guard case .integer = current.kind else { throw error("a number") }
            _ = advance()
            if acceptPunct(",") {
                guard case .integer = current.kind else { throw error("a number") }
                _ = advance()
            }
            try expectPunct(")")
        }
        switch name {
        case "BOOLEAN": return .bool
        case "INTEGER", "INT4", "INT8", "SMALLINT", "BIGINT", "INT2", "INTEGER4", "INTEGER8": return .int
        case "REAL": return .float
        case "NUMERIC", "DEC": return .decimal
        case "TUPLE": return .struct
        case "VARCHAR", "CHAR", "CHARACTER": return .string
        default: return TypeName(rawValue: name) ?? .any
        }
    }
}

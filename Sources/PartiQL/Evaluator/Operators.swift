import BigInt
import Ion

extension Evaluator {
    /// MISSING/NULL propagation for strict operators: MISSING wins over NULL.
    @inline(__always) func absent(_ a: Value, _ b: Value) -> Value? {
        if a.isMissing || b.isMissing { return .missing }
        if a.isNull || b.isNull { return .nullValue }
        return nil
    }

    func unary(_ op: UnaryOp, _ v: Value) throws -> Value {
        switch op {
        case .not:
            switch v {
            case .bool(let b): return .bool(!b)
            case .missing, .null: return .nullValue
            default: return try ctx.typeError("NOT requires a boolean, found \(v.typeName)")
            }
        case .pos:
            if v.isAbsent || v.isNumber { return v }
            return try ctx.typeError("unary + requires a number, found \(v.typeName)")
        case .neg:
            switch v {
            case .missing, .null: return v
            case .int(let i):
                guard let x = i.int64, x != Int64.min else { throw PartiQLError.eval("integer overflow") }
                return .int(.small(-x))
            case .float(let d): return .float(-d)
            case .decimal(let d):
                if d.coefficient.isZero { return .decimal(IonDecimal(coefficient: d.coefficient, exponent: d.exponent, isNegativeZero: !d.isNegativeZero)) }
                return .decimal(IonDecimal(coefficient: IonInt(-d.coefficient.bigInt), exponent: d.exponent))
            default: return try ctx.typeError("unary - requires a number, found \(v.typeName)")
            }
        }
    }

    func toBool3(_ v: Value, _ op: String) throws -> Bool?? {
        switch v {
        case .bool(let b): return .some(b)
        case .missing, .null: return .some(nil)
        default:
            if ctx.mode == .strict { throw PartiQLError.eval("\(op) requires booleans, found \(v.typeName)") }
            return nil
        }
    }

    func logicalAnd(_ l: Expr, _ r: Expr, _ scope: Scope) throws -> Value {
        let a = try eval(l, scope)
        if case .bool(false) = a { return .bool(false) }
        return try and(a, try eval(r, scope))
    }

    func and(_ a: Value, _ b: Value) throws -> Value {
        guard let x = try toBool3(a, "AND"), let y = try toBool3(b, "AND") else { return .missing }
        if x == false || y == false { return .bool(false) }
        if x == nil || y == nil { return .nullValue }
        return .bool(true)
    }

    func logicalOr(_ l: Expr, _ r: Expr, _ scope: Scope) throws -> Value {
        let a = try eval(l, scope)
        if case .bool(true) = a { return .bool(true) }
        let b = try eval(r, scope)
        guard let x = try toBool3(a, "OR"), let y = try toBool3(b, "OR") else { return .missing }
        if x == true || y == true { return .bool(true) }
        if x == nil || y == nil { return .nullValue }
        return .bool(false)
    }

    func binary(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
        switch op {
        case .eq, .ne:
            if a.isNull || b.isNull { return .nullValue }
            if let n = absent(a, b) { return n }
            let r = Compare.equal(a, b)
            return .bool(op == .eq ? r : !r)
        case .lt, .le, .gt, .ge:
            if let n = absent(a, b) { return n }
            guard comparable(a, b) else { return try ctx.typeError("cannot compare \(a.typeName) with \(b.typeName)") }
            if case .float(let x) = a, x.isNaN { return .bool(false) }
            if case .float(let y) = b, y.isNaN { return .bool(false) }
            let c = Compare.order(a, b)
            switch op {
            case .lt: return .bool(c < 0)
            case .le: return .bool(c <= 0)
            case .gt: return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case .concat:
            if let n = absent(a, b) { return n }
            guard let x = a.text, let y = b.text else {
                return try ctx.typeError("|| requires strings, found \(a.typeName) and \(b.typeName)")
            }
            return .string(x + y)
        case .add, .sub, .mul, .div, .mod:
            if let n = absent(a, b) { return n }
            return try arithmetic(op, a, b)
        case .and: return try and(a, b)
        case .or:
            guard let x = try toBool3(a, "OR"), let y = try toBool3(b, "OR") else { return .missing }
            if x == true || y == true { return .bool(true) }
            if x == nil || y == nil { return .nullValue }
            return .bool(false)
        }
    }

    func comparable(_ a: Value, _ b: Value) -> Bool {
        if a.isNumber && b.isNumber { return true }
        if a.text != nil && b.text != nil { return true }
        switch (a, b) {
        case (.bool, .bool), (.timestamp, .timestamp): return true
        case (.clob, .clob), (.blob, .blob), (.clob, .blob), (.blob, .clob): return true
        default: return false
        }
    }

    func arithmetic(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            guard let p = x.int64, let q = y.int64 else { throw PartiQLError.eval("integer overflow") }
            var r: (Int64, Bool)
            switch op {
            case .add: r = p.addingReportingOverflow(q)
            case .sub: r = p.subtractingReportingOverflow(q)
            case .mul: r = p.multipliedReportingOverflow(by: q)
            case .div:
                if q == 0 { throw PartiQLError.eval("division by zero") }
                r = p.dividedReportingOverflow(by: q)
            default:
                if q == 0 { throw PartiQLError.eval("division by zero") }
                r = q == -1 ? (0, false) : p.remainderReportingOverflow(dividingBy: q)
            }
            if r.1 { throw PartiQLError.eval("integer overflow") }
            return .int(.small(r.0))
        case (.float, .float), (.float, .int), (.int, .float):
            guard let x = double(a), let y = double(b) else { break }
            switch op {
            case .add: return .float(x + y)
            case .sub: return .float(x - y)
            case .mul: return .float(x * y)
            case .div:
                return .float(x / y)
            default:
                return .float(x.truncatingRemainder(dividingBy: y))
            }
        default:
            if case .float(let f) = a, !f.isFinite { return .float(f) }
            if case .float(let f) = b, !f.isFinite { return .float(f) }
            guard let x = Compare.numeric(a), let y = Compare.numeric(b) else { break }
            switch op {
            case .add: return .decimal(try Dec.add(x, y).ion)
            case .sub: return .decimal(try Dec.subtract(x, y).ion)
            case .mul: return .decimal(try Dec.multiply(x, y).ion)
            case .div:
                guard let q = try Dec.divide(x, y) else { throw PartiQLError.eval("division by zero") }
                return .decimal(q.ion)
            default:
                guard let r = try Dec.remainder(x, y) else { throw PartiQLError.eval("division by zero") }
                return .decimal(r.ion)
            }
        }
        return try ctx.typeError("operator \(op.rawValue) requires numbers, found \(a.typeName) and \(b.typeName)")
    }

    func double(_ v: Value) -> Double? {
        switch v {
        case .float(let d): return d
        case .int(let i): return i.int64.map(Double.init) ?? Dec(i).double
        case .decimal(let d): return Dec(d).double
        default: return nil
        }
    }

    func inCollection(_ x: Value, _ c: Value) throws -> Value {
        if x.isMissing || c.isMissing { return .missing }
        guard let items = c.elements else {
            if c.isNull { return .nullValue }
            return try ctx.typeError("IN requires a collection on the right, found \(c.typeName)")
        }
        if x.isNull { return .nullValue }
        var sawNull = false
        for item in items {
            if item.isAbsent { sawNull = true; continue }
            if Compare.equal(x, item) { return .bool(true) }
        }
        return sawNull ? .nullValue : .bool(false)
    }

    func like(_ v: Value, _ p: Value, _ esc: Value?) throws -> Value {
        if v.isMissing || p.isMissing || esc?.isMissing == true { return .missing }
        if v.isNull || p.isNull || esc?.isNull == true { return .nullValue }
        guard let text = v.text, let pattern = p.text else {
            return try ctx.typeError("LIKE requires strings, found \(v.typeName) and \(p.typeName)")
        }
        var escape: Character?
        if let esc {
            guard let e = esc.text, e.count == 1 else {
                if esc.text == nil { return try ctx.typeError("ESCAPE requires a string") }
                throw PartiQLError.eval("ESCAPE must be a single character")
            }
            escape = e.first
        }
        // Compile: literal characters, '_' (one) and '%' (any run).
        enum Piece { case char(Character), one, any }
        var pieces: [Piece] = []
        var it = Array(pattern)
        var i = 0
        while i < it.count {
            let ch = it[i]
            if let escape, ch == escape {
                guard i + 1 < it.count else { throw PartiQLError.eval("LIKE pattern ends with the escape character") }
                let next = it[i + 1]
                guard next == "%" || next == "_" || next == escape else {
                    throw PartiQLError.eval("invalid escape sequence in LIKE pattern")
                }
                pieces.append(.char(next))
                i += 2
                continue
            }
            if ch == "%" { pieces.append(.any) } else if ch == "_" { pieces.append(.one) } else { pieces.append(.char(ch)) }
            i += 1
        }
        it = []
        let s = Array(text)
        // Iterative wildcard matching with backtracking to the last '%'.
        var si = 0, pi = 0, star = -1, mark = 0
        while si < s.count {
            if pi < pieces.count {
                switch pieces[pi] {
                case .one: si += 1; pi += 1; continue
                case .char(let c) where c == s[si]: si += 1; pi += 1; continue
                case .any: star = pi; mark = si; pi += 1; continue
                default: break
                }
            }
            if star >= 0 {
                pi = star + 1
                mark += 1
                si = mark
                continue
            }
            return .bool(false)
        }
        while pi < pieces.count, case .any = pieces[pi] { pi += 1 }
        return .bool(pi == pieces.count)
    }
}

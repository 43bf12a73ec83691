import Ion

/// Evaluates expressions. Recursion is bounded by the parser's height limit.
struct Evaluator {
    let ctx: EvalContext

    /// Evaluates `e` for use by operators and functions: top-level Ion
    /// annotations are stripped (nested ones stay with their values).
    func eval(_ e: Expr, _ scope: Scope) throws -> Value {
        try evalPreserving(e, scope).unannotated
    }

    /// Evaluates `e` keeping its annotations, for contexts that pass values
    /// through unchanged: projections, inserted and assigned values.
    func evalPreserving(_ e: Expr, _ scope: Scope) throws -> Value {
        switch e {
        case .literal(let v): return v
        case .parameter(let n):
            guard n < ctx.parameters.count else {
                throw PartiQLError.eval("statement uses parameter \(n + 1) but only \(ctx.parameters.count) parameter(s) were given")
            }
            return ctx.parameters[n]
        case .variable(let name, let cs, let local):
            return try resolve(name, caseSensitive: cs, local: local, scope)
        case .path(let base, let steps):
            return try navigate(try evalPreserving(base, scope), steps, scope)
        case .unary(let op, let x):
            return try unary(op, try eval(x, scope))
        case .binary(.and, let l, let r):
            return try logicalAnd(l, r, scope)
        case .binary(.or, let l, let r):
            return try logicalOr(l, r, scope)
        case .binary(let op, let l, let r):
            return try binary(op, try eval(l, scope), try eval(r, scope))
        case .between(let x, let lo, let hi, let negated):
            let v = try eval(x, scope)
            let a = try binary(.ge, v, try eval(lo, scope))
            let b = try binary(.le, v, try eval(hi, scope))
            let r = try and(a, b)
            return negated ? try unary(.not, r) : r
        case .inCollection(let x, let c, let negated):
            let r = try inCollection(try eval(x, scope), try eval(c, scope))
            return negated ? try unary(.not, r) : r
        case .like(let x, let p, let esc, let negated):
            let r = try like(try eval(x, scope), try eval(p, scope), try esc.map { try eval($0, scope) })
            return negated ? try unary(.not, r) : r
        case .isType(let x, let test, let negated):
            let r = isType(try eval(x, scope), test)
            return .bool(negated ? !r : r)
        case .call(let name, let args, let pos):
            return try Builtins.call(name, args, pos, scope, self)
        case .aggregate(let kind, let arg, let distinct):
            return try aggregate(kind, arg, distinct: distinct, scope)
        case .caseWhen(let subject, let branches, let elseExpr):
            let s = try subject.map { try eval($0, scope) }
            for (cond, result) in branches {
                let c = try eval(cond, scope)
                if let s {
                    if case .bool(true) = try binary(.eq, s, c) { return try eval(result, scope) }
                } else if case .bool(true) = c {
                    return try eval(result, scope)
                }
            }
            return try elseExpr.map { try eval($0, scope) } ?? .nullValue
        case .cast(let x, let type, let kind):
            return try Cast.apply(try eval(x, scope), type, kind, ctx)
        case .list(let items):
            return .list(try items.map { try eval($0, scope) })
        case .sexp(let items):
            return .sexp(try items.map { try eval($0, scope) })
        case .bag(let items):
            return .bag(try items.map { try eval($0, scope) })
        case .tuple(let pairs):
            var fields: [Value.Field] = []
            for (k, v) in pairs {
                let key = try eval(k, scope)
                let value = try eval(v, scope)
                guard let name = key.text else {
                    if key.isMissing { continue }
                    if ctx.mode == .strict || !key.isNull { throw PartiQLError.eval("struct field names must be strings, found \(key.typeName)") }
                    continue
                }
                if value.isMissing { continue }
                fields.append(Value.Field(name, value))
            }
            return .struct(fields)
        case .select(let q):
            return try Query(eval: self).run(q, scope)
        }
    }

    // MARK: Names

    func resolve(_ name: String, caseSensitive: Bool, local: Bool, _ scope: Scope) throws -> Value {
        var s: Scope? = scope
        while let frame = s {
            var i = frame.names.count - 1
            while i >= 0 {
                if ctx.names(frame.names[i], name, caseSensitive: caseSensitive) { return frame.values[i] }
                i -= 1
            }
            s = frame.parent
        }
        if !local {
            // Unqualified names are fields of the FROM bindings in scope.
            s = scope
            while let frame = s {
                if frame.isFrom {
                    for v in frame.values {
                        if case .struct(let fields) = v {
                            for f in fields where ctx.names(f.name, name, caseSensitive: caseSensitive) { return f.value }
                        }
                    }
                }
                s = frame.parent
            }
        }
        if let v = try global(name, caseSensitive: caseSensitive) { return v }
        if !local, hasFromFrame(scope), ctx.mode == .permissive, scope.isFrom || scope.parent != nil {
            return .missing
        }
        throw PartiQLError.eval("variable '\(name)' is not defined (no such table or alias)")
    }

    private func hasFromFrame(_ scope: Scope) -> Bool {
        var s: Scope? = scope
        while let f = s {
            if f.isFrom && f.values.contains(where: { if case .struct = $0 { return true }; return false }) { return true }
            s = f.parent
        }
        return false
    }

    /// Tables, system views and test globals.
    func global(_ name: String, caseSensitive: Bool) throws -> Value? {
        if let catalog = ctx.catalog {
            if let table = ctx.tableName(name, caseSensitive: caseSensitive) {
                return .bag(try ctx.scan(table).map { Value(ion: $0.data) })
            }
            if name.hasPrefix("_ql_committed_") {
                let table = String(name.dropFirst("_ql_committed_".count))
                return .bag(try ctx.catalogCall { try catalog.committedView(table: table) }.map { Value(ion: $0) })
            }
            if name == "information_schema" {
                let rows = try ctx.catalogCall { try catalog.userTables() }
                return .tuple([("user_tables", .bag(rows.map { Value(ion: $0) }))])
            }
        }
        if let v = ctx.globals[name] { return v }
        if !caseSensitive && ctx.caseInsensitiveNames {
            let lower = name.lowercased()
            if let (_, v) = ctx.globals.first(where: { $0.key.lowercased() == lower }) { return v }
        }
        return nil
    }

    // MARK: Paths

    func navigate(_ start: Value, _ steps: [PathStep], _ scope: Scope) throws -> Value {
        var current = [start]
        var fanned = false
        for step in steps {
            var next: [Value] = []
            next.reserveCapacity(current.count)
            for annotated in current {
                let v = annotated.unannotated
                switch step {
                case .field(let name, let cs):
                    next.append(try field(v, name, caseSensitive: cs, fanned: fanned))
                case .index(let ie):
                    let i = try eval(ie, scope)
                    next.append(try index(v, i, fanned: fanned))
                case .wildcard:
                    fanned = true
                    switch v {
                    case .list(let items), .bag(let items), .sexp(let items): next.append(contentsOf: items)
                    case .missing: break
                    default: if ctx.mode == .permissive { next.append(v) } else { throw PartiQLError.eval("[*] applied to \(v.typeName)") }
                    }
                case .unpivot:
                    fanned = true
                    switch v {
                    case .struct(let fields): next.append(contentsOf: fields.map { $0.value })
                    case .missing: break
                    default: next.append(v)
                    }
                }
            }
            current = fanned ? next.filter { !$0.isMissing } : next
        }
        if fanned { return .bag(current) }
        return current.first ?? .missing
    }

    func field(_ v: Value, _ name: String, caseSensitive: Bool, fanned: Bool = false) throws -> Value {
        switch v {
        case .struct(let fields):
            for f in fields where f.name == name { return f.value }
            if !caseSensitive && ctx.caseInsensitiveNames {
                let lower = name.lowercased()
                for f in fields where f.name.lowercased() == lower { return f.value }
            }
            if ctx.mode == .strict && !fanned { throw PartiQLError.eval("struct has no field '\(name)'") }
            return .missing
        case .missing, .null: return .missing
        default:
            if fanned { return .missing }
            return try ctx.typeError("cannot read field '\(name)' of a \(v.typeName) value")
        }
    }

    func index(_ v: Value, _ i: Value, fanned: Bool = false) throws -> Value {
        switch (v, i) {
        case (.list(let items), .int(let n)), (.sexp(let items), .int(let n)):
            guard let k = n.int64, k >= 0, k < items.count else {
                if ctx.mode == .strict && !fanned { throw PartiQLError.eval("index \(n) is out of bounds") }
                return .missing
            }
            return items[Int(k)]
        case (.missing, _), (.null, _): return .missing
        default:
            if fanned { return .missing }
            return try ctx.typeError("cannot index a \(v.typeName) value with a \(i.typeName)")
        }
    }

    func isType(_ v: Value, _ test: TypeTest) -> Bool {
        switch test {
        case .null: return v.isAbsent
        case .missing: return v.isMissing
        case .type(let t):
            switch (t, v) {
            case (.any, _): return true
            case (.null, .null): return true
            case (.missing, .missing): return true
            case (.bool, .bool), (.int, .int), (.float, .float), (.decimal, .decimal), (.timestamp, .timestamp),
                 (.symbol, .symbol), (.string, .string), (.clob, .clob), (.blob, .blob), (.list, .list),
                 (.sexp, .sexp), (.bag, .bag), (.struct, .struct):
                return true
            default: return false
            }
        }
    }
}

import Ion

extension Query {
    func hasAggregate(_ q: SelectQuery) -> Bool {
        switch q.projection {
        case .star: break
        case .value(let e): if Query.containsAggregate(e) { return true }
        case .items(let items):
            for item in items {
                switch item {
                case .expr(let e, _), .all(let e): if Query.containsAggregate(e) { return true }
                }
            }
        }
        return q.orderBy.contains { Query.containsAggregate($0.expr) }
    }

    /// True when `e` uses an aggregate outside any nested query.
    static func containsAggregate(_ e: Expr) -> Bool {
        var stack = [e]
        while let x = stack.popLast() {
            switch x {
            case .aggregate: return true
            case .literal, .parameter, .variable, .select: break
            case .path(let b, let steps):
                stack.append(b)
                for s in steps { if case .index(let i) = s { stack.append(i) } }
            case .unary(_, let a): stack.append(a)
            case .binary(_, let a, let b), .inCollection(let a, let b, _): stack += [a, b]
            case .between(let a, let b, let c, _): stack += [a, b, c]
            case .like(let a, let b, let c, _): stack += [a, b]; if let c { stack.append(c) }
            case .isType(let a, _, _), .cast(let a, _, _): stack.append(a)
            case .call(_, let args, _), .list(let args), .sexp(let args), .bag(let args): stack += args
            case .caseWhen(let s, let bs, let el):
                if let s { stack.append(s) }
                if let el { stack.append(el) }
                for (c, v) in bs { stack += [c, v] }
            case .tuple(let pairs): for (k, v) in pairs { stack += [k, v] }
            }
        }
        return false
    }

    /// Groups rows; each group becomes one scope binding the keys, with the
    /// group's rows attached for aggregates.
    func group(_ q: SelectQuery, _ rows: [Scope], _ outer: Scope) throws -> [Scope] {
        var order: [String] = []
        var groups: [String: (keys: [Value], rows: [Scope])] = [:]
        for r in rows {
            try ctx.budget.chargeRows()
            let keys = try q.groupBy.map { try eval.eval($0.0, r) }
            let k = keys.map { Compare.key($0.isMissing ? .nullValue : $0) }.joined(separator: "|")
            if groups[k] == nil { order.append(k); groups[k] = (keys, []) }
            groups[k]!.rows.append(r)
        }
        if q.groupBy.isEmpty && order.isEmpty {
            order = [""]
            groups[""] = ([], [])
        }
        return order.map { k in
            let g = groups[k]!
            let scope = Scope(parent: g.rows.first ?? outer, isFrom: false)
            for (i, (e, alias)) in q.groupBy.enumerated() {
                let name = alias ?? Query.projectionName(e, i)
                scope.bind(name, g.keys[i].isMissing ? .nullValue : g.keys[i])
            }
            if let ga = q.groupAs {
                scope.bind(ga, .bag(g.rows.map { r in .struct(zip(r.names, r.values).map { Value.Field($0, $1) }) }))
            }
            scope.group = g.rows
            return scope
        }
    }
}

extension Evaluator {
    func aggregate(_ kind: AggregateKind, _ arg: Expr?, distinct: Bool, _ scope: Scope) throws -> Value {
        var s: Scope? = scope
        while let f = s, f.group == nil { s = f.parent }
        guard let rows = s?.group else {
            throw PartiQLError.eval("aggregate function \(kind.rawValue) used outside of a query")
        }
        guard let arg else { return .integer(rows.count) }
        var values: [Value] = []
        for r in rows {
            try ctx.budget.tick()
            let v = try eval(arg, r)
            if !v.isAbsent { values.append(v) }
        }
        return try Evaluator.fold(kind, values, distinct: distinct, ctx)
    }

    /// Folds non-absent values with an aggregate (also used by COLL_* functions).
    static func fold(_ kind: AggregateKind, _ input: [Value], distinct: Bool, _ ctx: EvalContext) throws -> Value {
        var values = input.filter { !$0.isAbsent }
        if distinct {
            var seen: Set<String> = []
            values = values.filter { seen.insert(Compare.key($0)).inserted }
        }
        let ev = Evaluator(ctx: ctx)
        switch kind {
        case .count: return .integer(values.count)
        case .min, .max:
            guard var best = values.first else { return .nullValue }
            for v in values.dropFirst() {
                let c = Compare.order(v, best)
                if (kind == .min && c < 0) || (kind == .max && c > 0) { best = v }
            }
            return best
        case .sum, .avg:
            guard !values.isEmpty else { return .nullValue }
            var total: Value = .int(0)
            for v in values {
                guard v.isNumber else {
                    if ctx.mode == .strict { throw PartiQLError.eval("\(kind.rawValue) requires numbers, found \(v.typeName)") }
                    return .missing
                }
                if case .int = total, case .int = v {
                    if let sum = try? ev.arithmetic(.add, total, v) {
                        total = sum
                    } else if let x = Compare.numeric(total), let y = Compare.numeric(v) {
                        total = .decimal(try Dec.add(x, y).ion)  // past Int64: carry on in decimal
                    }
                } else {
                    total = try ev.arithmetic(.add, total, v)
                }
            }
            if kind == .sum { return total }
            if case .float(let d) = total { return .float(d / Double(values.count)) }
            guard let t = Compare.numeric(total), let q = try Dec.divide(t, Dec(coef: .init(values.count), exp: 0)) else { return .nullValue }
            return .decimal(q.ion)
        }
    }
}

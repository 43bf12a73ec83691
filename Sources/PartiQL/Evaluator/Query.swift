import Ion

/// Executes SELECT: FROM (with planned table access), WHERE, GROUP BY,
/// HAVING, ORDER BY, projection, DISTINCT, LIMIT/OFFSET.
struct Query {
    let eval: Evaluator
    /// DML needs each row's document id; queries do not pay for it.
    var recordDocumentIDs = false
    var ctx: EvalContext { eval.ctx }

    /// Flattens the (left-deep, inner) join tree into sources and ON conditions.
    static func flatten(_ item: FromItem) -> [(FromSource, Expr?)] {
        var out: [(FromSource, Expr?)] = []
        var stack: [(FromItem, Expr?)] = [(item, nil)]
        var pending: [(FromSource, Expr?)] = []
        while let (it, on) = stack.popLast() {
            switch it {
            case .source(let s): pending.append((s, on))
            case .join(let l, let r, let cond):
                stack.append((r, cond))
                stack.append((l, nil))
            }
            _ = on
        }
        out = pending
        return out
    }

    static func defaultAlias(_ e: Expr, _ index: Int) -> String {
        switch e {
        case .variable(let n, _, _): return n
        case .path(_, let steps):
            if case .field(let f, _)? = steps.last { return f }
        case .call(let name, let args, _) where name == "HISTORY":
            if case .variable(let n, _, _)? = args.first { return n }
        default: break
        }
        return "_\(index + 1)"
    }

    /// A table name when `e` names a catalog table not shadowed by a variable.
    func tableSource(_ e: Expr, _ scope: Scope) -> String? {
        guard ctx.catalog != nil, case .variable(let name, let cs, false) = e else { return nil }
        var s: Scope? = scope
        while let f = s {
            if f.names.contains(where: { ctx.names($0, name, caseSensitive: cs) }) { return nil }
            s = f.parent
        }
        return ctx.tableName(name, caseSensitive: cs)
    }

    /// The plans of the table sources (nil for other sources), in FROM order.
    func plans(_ sources: [(FromSource, Expr?)], whereClause: Expr?, _ scope: Scope) throws -> [SourcePlan?] {
        var predicates = Planner.conjuncts(whereClause)
        for (_, on) in sources { predicates += Planner.conjuncts(on) }
        var earlier: Set<String> = []
        var out: [SourcePlan?] = []
        let planner = Planner(ctx: ctx)
        for (i, (s, _)) in sources.enumerated() {
            let alias = s.asAlias ?? Query.defaultAlias(s.expr, i)
            if let table = tableSource(s.expr, scope) {
                out.append(try planner.plan(table: table, source: s, alias: alias, earlierAliases: earlier,
                                            singleSource: sources.count == 1, predicates: predicates))
            } else {
                out.append(nil)
            }
            earlier.insert(alias)
            if let a = s.atAlias { earlier.insert(a) }
            if let b = s.byAlias { earlier.insert(b) }
        }
        return out
    }

    /// Documents of a planned table source.
    func read(_ plan: SourcePlan, _ scope: Scope) throws -> [CatalogDocument] {
        switch plan.access {
        case .scan:
            return try ctx.scan(plan.table)
        case .documentID(let e):
            guard let id = try eval.eval(e, scope).text else { return [] }
            if let cached = ctx.tableCache[plan.table] { return cached.filter { $0.id == id } }
            ctx.lookupCount += 1
            return try ctx.catalogCall { try ctx.catalog?.document(table: plan.table, id: id) }.map { [$0] } ?? []
        case .indexLookup(let field, let keys):
            var docs: [CatalogDocument] = []
            var seen: Set<String> = []
            for k in keys {
                let v = try eval.eval(k, scope)
                if v.isAbsent { continue }
                for d in try ctx.lookup(plan.table, field: field, value: v) where seen.insert(d.id).inserted {
                    docs.append(d)
                }
            }
            return docs
        }
    }

    /// Binding rows of the FROM clause, filtered by ON conditions.
    /// `planned`: the plans of `from`'s sources already made for this scope (`stream`'s, for a query it could not stream).
    func rows(_ from: FromItem?, whereClause: Expr?, _ outer: Scope, planned: [SourcePlan?]? = nil) throws -> [Scope] {
        guard let from else {
            let row = Scope(parent: outer, isFrom: true)
            if let w = whereClause, case .bool(true) = try eval.eval(w, row) {} else if whereClause != nil { return [] }
            return [row]
        }
        let sources = Query.flatten(from)
        if sources.count > 64 { throw PartiQLError.semantic("too many FROM sources (limit 64)") }
        let plans = try planned ?? plans(sources, whereClause: whereClause, outer)
        var rows = [Scope(parent: outer, isFrom: true)]
        for (i, (s, on)) in sources.enumerated() {
            let alias = s.asAlias ?? Query.defaultAlias(s.expr, i)
            var next: [Scope] = []
            for row in rows {
                var items: [(Value, Value?, String?)] = []  // value, AT, document id
                if let plan = plans[i] {
                    for d in try read(plan, row) { items.append((Value(ion: d.data), .missing, d.id)) }
                } else {
                    let v = try historyOfOneDocument(s.expr, alias: alias, sources: sources, whereClause: whereClause, row)
                        ?? eval.eval(s.expr, row)
                    if s.unpivot {
                        if case .struct(let fields) = v {
                            for f in fields { items.append((f.value, .string(f.name), nil)) }
                        } else if !v.isMissing {
                            items.append((v, .string("_1"), nil))
                        }
                    } else {
                        switch v {
                        case .list(let xs): for (k, x) in xs.enumerated() { items.append((x, .integer(k), nil)) }
                        case .sexp(let xs): for (k, x) in xs.enumerated() { items.append((x, .integer(k), nil)) }
                        case .bag(let xs):
                            if ctx.mode == .strict, s.atAlias != nil { throw PartiQLError.eval("AT requires an ordered collection, found BAG") }
                            for x in xs { items.append((x, .missing, nil)) }
                        default:
                            if ctx.mode == .strict { throw PartiQLError.eval("FROM requires a collection, found \(v.typeName)") }
                            items.append((v, .missing, nil))
                        }
                    }
                }
                for (value, at, id) in items {
                    try ctx.budget.chargeRows()
                    let r = Scope(parent: row.parent, names: row.names, values: row.values, isFrom: true)
                    r.bind(alias, value)
                    if let a = s.atAlias { r.bind(a, at ?? .missing) }
                    if let b = s.byAlias { r.bind(b, id.map { Value.string($0) } ?? .missing) }
                    if recordDocumentIDs {
                        r.documentIDs = row.documentIDs
                        if let id { r.documentIDs[alias] = id }
                    }
                    if let on {
                        guard case .bool(true) = try eval.eval(on, r) else { continue }
                    }
                    // WHERE is applied as soon as every source is bound.
                    if i == sources.count - 1, let w = whereClause {
                        guard case .bool(true) = try eval.eval(w, r) else { continue }
                    }
                    next.append(r)
                }
            }
            rows = next
        }
        return rows
    }

    /// `FROM history(T) AS h WHERE h.metadata.id = 'id'` (a literal or a
    /// parameter): only that document's revisions are read. WHERE still
    /// filters the rows, so this changes what is read, never the result.
    func historyOfOneDocument(_ source: Expr, alias: String, sources: [(FromSource, Expr?)], whereClause: Expr?,
                              _ row: Scope) throws -> Value? {
        guard case .call("HISTORY", let args, let pos) = source,
              let id = try historyOfOneDocumentKey(args, alias: alias, sources: sources, whereClause: whereClause, row) else {
            return nil
        }
        return try Builtins.history(args, pos, row, eval, documentId: id)
    }

    /// The document id of `WHERE alias.metadata.id = 'id'` (a literal or a parameter), if any.
    func historyOfOneDocumentKey(_ args: [Expr], alias: String, sources: [(FromSource, Expr?)], whereClause: Expr?,
                                 _ row: Scope) throws -> String? {
        var predicates = Planner.conjuncts(whereClause)
        for (_, on) in sources { predicates += Planner.conjuncts(on) }
        func isDocumentId(_ e: Expr) -> Bool {
            guard case .path(.variable(let v, _, false), let steps) = e, v == alias, steps.count == 2,
                  case .field("metadata", _) = steps[0], case .field("id", _) = steps[1] else { return false }
            return true
        }
        func isConstant(_ e: Expr) -> Bool {
            switch e {
            case .literal, .parameter: return true
            default: return false
            }
        }
        for p in predicates {
            guard case .binary(.eq, let l, let r) = p else { continue }
            let key = isDocumentId(l) && isConstant(r) ? r : isDocumentId(r) && isConstant(l) ? l : nil
            guard let key, let id = try eval.eval(key, row).text else { continue }
            return id
        }
        return nil
    }

    func run(_ q: SelectQuery, _ outer: Scope, planned: [SourcePlan?]? = nil) throws -> Value {
        var rows = try rows(q.from, whereClause: q.whereClause, outer, planned: planned)
        let grouped = !q.groupBy.isEmpty || q.having != nil || hasAggregate(q)
        if grouped { rows = try group(q, rows, outer) }
        if let h = q.having {
            rows = try rows.filter { if case .bool(true) = try eval.eval(h, $0) { return true }; return false }
        }
        if !q.orderBy.isEmpty {
            let keyed = try rows.map { r in
                try ctx.budget.chargeRows()
                return (r, try q.orderBy.map { try eval.eval($0.expr, r) })
            }
            var comparisons = 0
            let sorted = try keyed.sorted { a, b in
                comparisons &+= 1
                if comparisons & 0x3FFF == 0 { try ctx.budget.check() }
                for (i, item) in q.orderBy.enumerated() {
                    var c = Compare.order(a.1[i], b.1[i])
                    let nullsFirst = item.nullsFirst ?? !item.descending
                    if a.1[i].isAbsent != b.1[i].isAbsent {
                        c = a.1[i].isAbsent ? (nullsFirst ? -1 : 1) : (nullsFirst ? 1 : -1)
                        if c != 0 { return c < 0 }
                    }
                    if item.descending { c = -c }
                    if c != 0 { return c < 0 }
                }
                return false
            }
            rows = sorted.map { $0.0 }
        }
        var values = try rows.map { row in
            let v = try project(q, row)
            try ctx.budget.chargeResult(v)
            return v
        }
        if q.distinct {
            var seen: Set<String> = []
            values = values.filter { seen.insert(Compare.key($0)).inserted }
        }
        if let o = q.offset {
            let n = try count(o, outer, "OFFSET")
            values = Array(values.dropFirst(n))
        }
        if let l = q.limit {
            let n = try count(l, outer, "LIMIT")
            values = Array(values.prefix(n))
        }
        return q.orderBy.isEmpty ? .bag(values) : .list(values)
    }

    func count(_ e: Expr, _ scope: Scope, _ what: String) throws -> Int {
        guard case .int(let i) = try eval.eval(e, scope), let n = i.int64, n >= 0 else {
            throw PartiQLError.eval("\(what) must be a non-negative integer")
        }
        return Int(min(n, Int64(Int.max)))
    }

    func project(_ q: SelectQuery, _ row: Scope) throws -> Value {
        switch q.projection {
        case .value(let e):
            return try eval.evalPreserving(e, row)
        case .star:
            // PartiQL: the tuple union of the FROM clause's bindings. A source's
            // value contributes its fields (a non-struct is `_n`); an AT or BY
            // variable contributes itself, `{alias: value}` — which is how code
            // written for QLDB reads a document id with `SELECT * … BY id`.
            var fields: [Value.Field] = []
            var n = 0
            for (name, v) in zip(row.names, row.values) {
                switch bindingKind(name, q) {
                case .source:
                    n += 1
                    if case .struct(let fs) = v { fields += fs } else if !v.isMissing { fields.append(.init("_\(n)", v)) }
                case .position, .documentId:
                    if !v.isMissing { fields.append(.init(name, v)) }
                case nil:
                    continue
                }
            }
            return .struct(fields)
        case .items(let items):
            var fields: [Value.Field] = []
            for (i, item) in items.enumerated() {
                switch item {
                case .expr(let e, let alias):
                    let v = try eval.evalPreserving(e, row)
                    if v.isMissing { continue }
                    fields.append(.init(alias ?? Query.projectionName(e, i), v))
                case .all(let e):
                    let v = try eval.eval(e, row)
                    if case .struct(let fs) = v { fields += fs } else if !v.isMissing {
                        if ctx.mode == .strict { throw PartiQLError.eval(".* requires a struct, found \(v.typeName)") }
                        fields.append(.init("_\(i + 1)", v))
                    }
                }
            }
            return .struct(fields)
        }
    }

    static func projectionName(_ e: Expr, _ i: Int) -> String {
        switch e {
        case .variable(let n, _, _): return n
        case .path(_, let steps):
            if case .field(let f, _)? = steps.last { return f }
        default: break
        }
        return "_\(i + 1)"
    }

    enum BindingKind { case source, position, documentId }

    /// What a row's variable is to `SELECT *`: a source's AS alias, its AT or BY variable, or nothing of this query's FROM.
    private func bindingKind(_ name: String, _ q: SelectQuery) -> BindingKind? {
        guard let from = q.from else { return .source }
        for (i, (s, _)) in Query.flatten(from).enumerated() {
            if (s.asAlias ?? Query.defaultAlias(s.expr, i)) == name { return .source }
            if s.atAlias == name { return .position }
            if s.byAlias == name { return .documentId }
        }
        if !q.groupBy.isEmpty { return .source }
        return nil
    }
}

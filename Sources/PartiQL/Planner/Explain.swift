import Ion

extension PartiQLEngine {
    /// The access plan of a statement's table sources, as a struct:
    /// `{statement: "SELECT", plan: ["index lookup T AS t on f (1 key)", …]}`.
    public func explain(statement: String, catalog: Catalog) throws -> IonValue {
        try explain(try parse(statement), catalog: catalog)
    }

    public func explain(_ statement: Statement, catalog: Catalog) throws -> IonValue {
        let ctx = EvalContext(catalog: catalog, globals: [:], parameters: [], mode: mode, caseInsensitiveNames: caseInsensitiveNames)
        let q = Query(eval: Evaluator(ctx: ctx))
        var lines: [String] = []
        var kind = "QUERY"
        func plan(_ from: FromItem?, _ w: Expr?) throws {
            guard let from else { return }
            let sources = Query.flatten(from)
            let plans = try q.plans(sources, whereClause: w, Scope(parent: nil))
            for (i, p) in plans.enumerated() {
                if let p { lines.append(p.explanation) } else {
                    let s = sources[i].0
                    if case .select(let inner) = s.expr { try plan(inner.from, inner.whereClause) } else {
                        lines.append("evaluate \(Query.defaultAlias(s.expr, i))")
                    }
                }
            }
        }
        func target(_ t: DMLTarget, _ w: Expr?) throws {
            var src = FromSource(expr: .variable(t.table, caseSensitive: true, local: false))
            src.asAlias = t.alias ?? t.table
            src.byAlias = t.byAlias
            guard ctx.tableName(t.table, caseSensitive: true) != nil else { throw PartiQLError(.catalog, "No such table: \(t.table)") }
            try plan(.source(src), w)
        }
        switch statement {
        case .query(let e):
            kind = "SELECT"
            if case .select(let s) = e { try plan(s.from, s.whereClause) } else { lines.append("evaluate expression") }
        case .update(let t, _, let w): kind = "UPDATE"; try target(t, w)
        case .delete(let t, let w): kind = "DELETE"; try target(t, w)
        case .fromDML(let t, let w, _): kind = "FROM"; try target(t, w)
        case .insert(let t, _): kind = "INSERT"; lines.append("insert into \(t)")
        case .explain(let inner): return try explain(inner, catalog: catalog)
        default: kind = "DDL"; lines.append("catalog operation")
        }
        return .struct([("statement", .string(kind)), ("plan", .list(lines.map { .string($0) }))])
    }
}

extension Parser {
    mutating func selectQuery() throws -> P {
        let start = current
        try expectKeyword("SELECT")
        try enter()
        defer { leave() }
        var q = SelectQuery(position: start.position)
        var h = 0
        func sub(_ x: P) -> Expr { h = max(h, x.h); return x.e }

        if acceptKeyword("DISTINCT") { q.distinct = true } else { _ = acceptKeyword("ALL") }
        if acceptKeyword("VALUE") {
            q.projection = .value(sub(try expr()))
        } else if acceptPunct("*") {
            q.projection = .star
        } else {
            var items: [SelectQuery.ProjectionItem] = []
            repeat {
                let x = sub(try expr())
                if case .path(let base, let steps) = x, case .unpivot? = steps.last {
                    let rest = Array(steps.dropLast())
                    items.append(.all(rest.isEmpty ? base : .path(base, rest)))
                    continue
                }
                var alias: String?
                if acceptKeyword("AS") {
                    alias = try identifier("an alias").0
                } else if atIdentifier {
                    alias = try identifier().0
                }
                items.append(.expr(x, alias: alias))
            } while acceptPunct(",")
            q.projection = .items(items)
        }

        if acceptKeyword("FROM") {
            q.from = try fromClause(&h)
        }
        if acceptKeyword("WHERE") { q.whereClause = sub(try expr()) }
        if current.isKeyword("GROUP") {
            _ = advance()
            try expectKeyword("BY")
            repeat {
                let x = sub(try expr())
                var alias: String?
                if acceptKeyword("AS") { alias = try identifier("an alias").0 }
                q.groupBy.append((x, alias))
            } while acceptPunct(",")
            if current.isKeyword("GROUP"), peekToken.isKeyword("AS") {
                _ = advance()
                _ = advance()
                q.groupAs = try identifier("an alias").0
            }
        }
        if acceptKeyword("HAVING") {
            if q.groupBy.isEmpty { throw PartiQLError.syntax("HAVING requires GROUP BY", at: current.position) }
            q.having = sub(try expr())
        }
        if current.isKeyword("ORDER") {
            _ = advance()
            try expectKeyword("BY")
            repeat {
                let x = sub(try expr())
                var desc = false
                if acceptKeyword("DESC") { desc = true } else { _ = acceptKeyword("ASC") }
                var nullsFirst: Bool?
                if acceptKeyword("NULLS") {
                    if acceptKeyword("FIRST") { nullsFirst = true } else { try expectKeyword("LAST"); nullsFirst = false }
                }
                q.orderBy.append(OrderItem(expr: x, descending: desc, nullsFirst: nullsFirst))
            } while acceptPunct(",")
        }
        if acceptKeyword("LIMIT") { q.limit = sub(try expr()) }
        if acceptKeyword("OFFSET") { q.offset = sub(try expr()) }
        if let k = current.keyword, ["UNION", "INTERSECT", "EXCEPT", "OUTER"].contains(k) {
            throw PartiQLError.syntax("\(k) is not supported", at: current.position)
        }
        return (.select(q), try checkHeight(h + 1))
    }

    private mutating func fromClause(_ h: inout Int) throws -> FromItem {
        var item = try fromSource(&h)
        while true {
            if acceptPunct(",") {
                item = .join(item, try fromSource(&h), on: nil)
                continue
            }
            if let k = current.keyword, ["LEFT", "RIGHT", "FULL", "OUTER", "NATURAL"].contains(k) {
                throw PartiQLError.syntax("\(k) JOIN is not supported; only inner joins are", at: current.position)
            }
            var isJoin = false
            var cross = false
            if acceptKeyword("CROSS") { try expectKeyword("JOIN"); isJoin = true; cross = true } else if acceptKeyword("INNER") {
                try expectKeyword("JOIN")
                isJoin = true
            } else if acceptKeyword("JOIN") { isJoin = true }
            guard isJoin else { return item }
            let right = try fromSource(&h)
            var on: Expr?
            if acceptKeyword("ON") {
                let x = try expr()
                h = max(h, x.h)
                on = x.e
            } else if !cross {
                throw error("ON")
            }
            item = .join(item, right, on: on)
        }
    }

    private mutating func fromSource(_ h: inout Int) throws -> FromItem {
        let unpivot = acceptKeyword("UNPIVOT")
        let x = try expr()
        h = max(h, x.h)
        var s = FromSource(expr: x.e)
        s.unpivot = unpivot
        if acceptKeyword("AS") {
            s.asAlias = try identifier("an alias").0
        } else if atIdentifier {
            s.asAlias = try identifier().0
        }
        if acceptKeyword("AT") { s.atAlias = try identifier("an alias").0 }
        if acceptKeyword("BY") { s.byAlias = try identifier("an alias").0 }
        return .source(s)
    }
}

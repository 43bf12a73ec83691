extension Parser {
    static let dateParts: Set<String> = ["YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "TIMEZONE_HOUR", "TIMEZONE_MINUTE"]

    /// `name(…)`, including the special argument syntaxes of EXTRACT, TRIM,
    /// SUBSTRING, DATE_ADD/DATE_DIFF and the aggregates.
    mutating func functionCall(_ word: String, _ t: Token) throws -> P {
        let name = word.uppercased()
        _ = advance()
        try expectPunct("(")
        try enter()
        defer { leave() }
        var args: [Expr] = []
        var h = 0
        func add(_ x: P) { args.append(x.e); h = max(h, x.h) }

        if let agg = AggregateKind(rawValue: name) {
            if agg == .count, acceptPunct("*") {
                try expectPunct(")")
                return (.aggregate(.count, nil, distinct: false), 1)
            }
            let distinct = acceptKeyword("DISTINCT")
            if !distinct { _ = acceptKeyword("ALL") }
            let x = try expr()
            if current.isPunct(",") {
                throw PartiQLError.semantic("\(name) takes exactly one argument", at: t.position)
            }
            try expectPunct(")")
            return (.aggregate(agg, x.e, distinct: distinct), try checkHeight(x.h + 1))
        }

        switch name {
        case "EXTRACT":
            guard let part = current.keyword, Parser.dateParts.contains(part) else { throw error("a date part (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, TIMEZONE_HOUR, TIMEZONE_MINUTE)") }
            _ = advance()
            try expectKeyword("FROM")
            args.append(.literal(.symbol(part.lowercased())))
            add(try expr())
            try expectPunct(")")
        case "DATE_ADD", "DATE_DIFF":
            guard let part = current.keyword, Parser.dateParts.contains(part), !part.hasPrefix("TIMEZONE") else {
                throw error("a date part (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND)")
            }
            _ = advance()
            args.append(.literal(.symbol(part.lowercased())))
            while acceptPunct(",") { add(try expr()) }
            try expectPunct(")")
        case "TRIM":
            var spec = "both"
            var explicitSpec = false
            if let k = current.keyword, k == "LEADING" || k == "TRAILING" || k == "BOTH" {
                _ = advance()
                spec = k.lowercased()
                explicitSpec = true
            }
            if explicitSpec && acceptKeyword("FROM") {
                args = [.literal(.symbol(spec))]
                add(try expr())
            } else {
                let first = try expr()
                if acceptKeyword("FROM") {
                    args = [.literal(.symbol(spec)), first.e]
                    h = first.h
                    add(try expr())
                } else {
                    if explicitSpec { throw error("FROM") }
                    add(first)
                }
            }
            try expectPunct(")")
        case "SUBSTRING":
            add(try expr())
            if acceptKeyword("FROM") {
                add(try expr())
                if acceptKeyword("FOR") { add(try expr()) }
            } else {
                while acceptPunct(",") { add(try expr()) }
            }
            try expectPunct(")")
        default:
            if name.hasPrefix("COLL_") {
                if acceptKeyword("DISTINCT") { args.append(.literal(.symbol("distinct"))) } else if acceptKeyword("ALL") {
                    args.append(.literal(.symbol("all")))
                }
            }
            if !acceptPunct(")") {
                repeat { add(try expr()) } while acceptPunct(",")
                try expectPunct(")")
            }
        }
        return (.call(name, args, t.position), try checkHeight(h + 1))
    }
}

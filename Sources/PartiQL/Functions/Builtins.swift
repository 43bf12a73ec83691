import Ion

/// Scalar built-in functions, dispatched by upper-cased name.
enum Builtins {
    static func arity(_ name: String, _ args: [Expr], _ range: ClosedRange<Int>, _ pos: SourcePosition) throws {
        guard range.contains(args.count) else {
            let want = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw PartiQLError.semantic("function \(name) takes \(want) argument(s), got \(args.count)", at: pos)
        }
    }

    static func call(_ name: String, _ args: [Expr], _ pos: SourcePosition, _ scope: Scope, _ ev: Evaluator) throws -> Value {
        let ctx = ev.ctx
        func values() throws -> [Value] { try args.map { try ev.eval($0, scope) } }
        /// MISSING if any argument is MISSING, else NULL if any is NULL.
        func propagate(_ vs: [Value]) -> Value? {
            if vs.contains(where: { $0.isMissing }) { return .missing }
            if vs.contains(where: { $0.isNull }) { return .nullValue }
            return nil
        }
        switch name {
        case "UTCNOW":
            try arity(name, args, 0...0, pos)
            guard let c = ctx.catalog else { return .timestamp(DateTime.systemNow()) }
            return .timestamp(c.now)
        case "TXID":
            try arity(name, args, 0...0, pos)
            return .string(ctx.catalog?.transactionID ?? "")
        case "COALESCE":
            try arity(name, args, 1...Int.max, pos)
            var sawMissing = false
            for a in args {
                let v = try ev.eval(a, scope)
                if v.isMissing { sawMissing = true; continue }
                if !v.isNull { return v }
            }
            _ = sawMissing
            return .nullValue
        case "NULLIF":
            try arity(name, args, 2...2, pos)
            let vs = try values()
            if vs[0].isAbsent && vs[1].isAbsent { return .nullValue }
            if !vs[0].isAbsent, !vs[1].isAbsent, Compare.equal(vs[0], vs[1]) { return .nullValue }
            return vs[0]
        case "EXISTS":
            try arity(name, args, 1...1, pos)
            let v = try ev.eval(args[0], scope)
            if let items = v.elements { return .bool(!items.isEmpty) }
            if case .struct(let fs) = v { return .bool(!fs.isEmpty) }
            if v.isAbsent && ctx.mode == .permissive { return .missing }
            return try ctx.typeError("EXISTS requires a collection, found \(v.typeName)")
        case "SIZE", "CARDINALITY":
            try arity(name, args, 1...1, pos)
            let v = try ev.eval(args[0], scope)
            if let n = propagate([v]) { return n }
            switch v {
            case .list(let xs), .bag(let xs), .sexp(let xs): return .integer(xs.count)
            case .struct(let fs): return .integer(fs.count)
            default: return try ctx.typeError("SIZE requires a collection, found \(v.typeName)")
            }
        case "CHAR_LENGTH", "CHARACTER_LENGTH", "LOWER", "UPPER":
            try arity(name, args, 1...1, pos)
            let v = try ev.eval(args[0], scope)
            if let n = propagate([v]) { return n }
            guard let s = v.text else { return try ctx.typeError("\(name) requires a string, found \(v.typeName)") }
            switch name {
            case "LOWER": return .string(Strings.lower(s))
            case "UPPER": return .string(Strings.upper(s))
            default: return .integer(s.unicodeScalars.count)
            }
        case "SUBSTRING":
            try arity(name, args, 2...3, pos)
            return try Strings.substring(try values(), ctx)
        case "TRIM":
            try arity(name, args, 1...3, pos)
            return try Strings.trim(try values(), ctx)
        case "EXTRACT":
            try arity(name, args, 2...2, pos)
            return try DateTime.extract(try values(), ctx)
        case "DATE_ADD":
            try arity(name, args, 3...3, pos)
            return try DateTime.dateAdd(try values(), ctx)
        case "DATE_DIFF":
            try arity(name, args, 3...3, pos)
            return try DateTime.dateDiff(try values(), ctx)
        case "TO_STRING":
            try arity(name, args, 2...2, pos)
            return try DateTime.toString(try values(), ctx)
        case "TO_TIMESTAMP":
            try arity(name, args, 1...2, pos)
            return try DateTime.toTimestamp(try values(), ctx)
        case "COLL_COUNT", "COLL_SUM", "COLL_AVG", "COLL_MIN", "COLL_MAX":
            try arity(name, args, 1...2, pos)
            var vs = try values()
            var distinct = false
            if vs.count == 2 {
                guard case .symbol(let q) = vs[0] else { throw PartiQLError.semantic("\(name) takes one argument", at: pos) }
                distinct = q == "distinct"
                vs.removeFirst()
            }
            guard let items = vs[0].elements else {
                if vs[0].isAbsent { return vs[0].isMissing ? .missing : .nullValue }
                return try ctx.typeError("\(name) requires a collection")
            }
            let kind = AggregateKind(rawValue: String(name.dropFirst(5)))!
            return try Evaluator.fold(kind, items, distinct: distinct, ctx)
        case "COLL_ANY", "COLL_SOME", "COLL_EVERY":
            try arity(name, args, 1...2, pos)
            var vs = try values()
            if vs.count == 2 { vs.removeFirst() }  // DISTINCT / ALL change nothing for a boolean fold
            guard let items = vs[0].elements else {
                if vs[0].isAbsent { return vs[0].isMissing ? .missing : .nullValue }
                return try ctx.typeError("\(name) requires a collection")
            }
            var result: Bool?
            for item in items where !item.isAbsent {
                guard case .bool(let b) = item.unannotated else {
                    return try ctx.typeError("\(name) requires booleans, found \(item.typeName)")
                }
                result = name == "COLL_EVERY" ? (result ?? true) && b : (result ?? false) || b
            }
            return result.map { .bool($0) } ?? .nullValue
        case "HISTORY":
            return try history(args, pos, scope, ev)
        default:
            throw PartiQLError.semantic("unknown function \(name)", at: pos)
        }
    }

    /// `history(table | 'tableId' [, start [, end]])`'s table and time range.
    static func historyArguments(_ args: [Expr], _ pos: SourcePosition, _ scope: Scope,
                                 _ ev: Evaluator) throws -> (String, IonTimestamp?, IonTimestamp?) {
        try arity("HISTORY", args, 1...3, pos)
        guard ev.ctx.catalog != nil else { throw PartiQLError.eval("history() needs a ledger") }
        let table: String
        switch args[0] {
        case .variable(let n, _, _): table = n
        default:
            guard let s = try ev.eval(args[0], scope).text else {
                throw PartiQLError.eval("history() takes a table name or a table id string")
            }
            table = s
        }
        var times: [IonTimestamp?] = [nil, nil]
        for i in 1..<args.count {
            let v = try ev.eval(args[i], scope)
            guard case .timestamp(let t) = v else {
                throw PartiQLError.eval("history() time range bounds must be Ion timestamps, found \(v.typeName)")
            }
            times[i - 1] = t
        }
        if let s = times[0], let e = times[1], Compare.compareInstants(s, e) > 0 {
            throw PartiQLError.eval("history() start time must not be after end time")
        }
        return (table, times[0], times[1])
    }

    /// `history(table | 'tableId' [, start [, end]])`.
    static func history(_ args: [Expr], _ pos: SourcePosition, _ scope: Scope, _ ev: Evaluator,
                        documentId: String? = nil) throws -> Value {
        guard let catalog = ev.ctx.catalog else { throw PartiQLError.eval("history() needs a ledger") }
        let (table, start, end) = try historyArguments(args, pos, scope, ev)
        let times = [start, end]
        let rows = try ev.ctx.catalogCall {
            if let documentId {
                return try catalog.history(table: table, start: times[0], end: times[1], documentId: documentId)
            }
            return try catalog.history(table: table, start: times[0], end: times[1])
        }
        return .bag(rows.map { Value(ion: $0) })
    }
}

/// How one FROM source over a catalog table is read.
public enum AccessPath: Sendable {
    /// Read every document: the whole table enters the read set.
    case scan
    /// `field = key` or `field IN (keys)` on an indexed top-level field.
    case indexLookup(field: String, keys: [Expr])
    /// `byAlias = 'id'`: one document by id.
    case documentID(Expr)
}

public struct SourcePlan: Sendable {
    public var table: String
    public var alias: String
    public var access: AccessPath
}

/// Chooses index lookups for table sources. A key expression may only use
/// literals, parameters and the aliases of earlier sources, so it can be
/// evaluated before the source is read (the inner side of a join included).
struct Planner {
    let ctx: EvalContext

    /// Splits `a AND b AND …` into conjuncts.
    static func conjuncts(_ e: Expr?) -> [Expr] {
        guard let e else { return [] }
        var out: [Expr] = []
        var stack = [e]
        while let x = stack.popLast() {
            if case .binary(.and, let l, let r) = x { stack.append(r); stack.append(l) } else { out.append(x) }
        }
        return out
    }

    /// Plans source `index` of `sources` given the pooled predicates.
    func plan(table: String, source: FromSource, alias: String, earlierAliases: Set<String>,
              singleSource: Bool, predicates: [Expr]) throws -> SourcePlan {
        var result = SourcePlan(table: table, alias: alias, access: .scan)
        let indexed = Set(try ctx.catalogCall { try ctx.catalog?.indexedFields(table: table) ?? [] })
        func fieldName(_ e: Expr) -> String? {
            switch e {
            case .path(.variable(let v, _, false), let steps) where v == alias && steps.count == 1:
                if case .field(let f, _) = steps[0] { return f }
                return nil
            case .variable(let f, _, false) where singleSource && f != alias && f != source.atAlias && f != source.byAlias:
                return f
            default:
                return nil
            }
        }
        func isByAlias(_ e: Expr) -> Bool {
            if case .variable(let v, _, false) = e, let by = source.byAlias, v == by { return true }
            return false
        }
        func independent(_ e: Expr) -> Bool {
            switch e {
            case .literal, .parameter: return true
            case .variable(let v, _, _): return earlierAliases.contains(v)
            case .path(let base, let steps):
                return independent(base) && steps.allSatisfy { if case .index(let i) = $0 { return independent(i) }; return true }
            case .list(let items), .bag(let items): return items.allSatisfy(independent)
            default: return false
            }
        }
        for p in predicates {
            switch p {
            case .binary(.eq, let l, let r):
                for (a, b) in [(l, r), (r, l)] {
                    if isByAlias(a), independent(b) { result.access = .documentID(b); return result }
                    if let f = fieldName(a), indexed.contains(f), independent(b) {
                        result.access = .indexLookup(field: f, keys: [b])
                    }
                }
            case .inCollection(let l, let r, negated: false):
                if let f = fieldName(l), indexed.contains(f) {
                    switch r {
                    case .list(let items), .bag(let items):
                        if items.allSatisfy(independent), case .scan = result.access {
                            result.access = .indexLookup(field: f, keys: items)
                        }
                    default: break
                    }
                }
            default: break
            }
        }
        return result
    }
}

extension SourcePlan {
    var explanation: String {
        switch access {
        case .scan: return "scan \(table) AS \(alias)"
        case .indexLookup(let f, let keys): return "index lookup \(table) AS \(alias) on \(f) (\(keys.count) key\(keys.count == 1 ? "" : "s"))"
        case .documentID: return "document id lookup \(table) AS \(alias)"
        }
    }
}

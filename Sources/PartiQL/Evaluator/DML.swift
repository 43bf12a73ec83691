import Ion

/// INSERT, UPDATE, DELETE and FROM … INSERT/SET/REMOVE against the catalog.
struct DML {
    let eval: Evaluator
    var ctx: EvalContext { eval.ctx }

    var catalog: Catalog {
        get throws {
            guard let c = ctx.catalog else { throw PartiQLError.eval("this statement needs a ledger") }
            return c
        }
    }

    static func documentIdResult(_ id: String) -> IonValue { .struct([("documentId", .string(id))]) }

    func requireTable(_ name: String) throws -> String {
        guard let t = ctx.tableName(name, caseSensitive: true) else {
            throw PartiQLError(.catalog, "No such table: \(name)")
        }
        return t
    }

    func insert(table: String, value: Expr) throws -> [IonValue] {
        let t = try requireTable(table)
        let root = Scope(parent: nil)
        let v = try eval.eval(value, root)
        var docs: [Value] = []
        switch (value, v) {
        case (_, .bag(let items)): docs = items
        case (.parameter, .list(let items)): docs = items
        default: docs = [v]
        }
        var out: [IonValue] = []
        for d in docs {
            guard case .struct = d else {
                throw PartiQLError.eval("a document must be a struct, found \(d.typeName)")
            }
            let id = try ctx.catalogCall { try catalog.insert(table: t, document: d.toIon()) }
            out.append(DML.documentIdResult(id))
        }
        return out
    }

    /// The target's rows (document id, value, scope) that satisfy WHERE.
    func rows(_ target: DMLTarget, _ whereClause: Expr?) throws -> (String, String, [(String, Value, Scope)]) {
        let table = try requireTable(target.table)
        let alias = target.alias ?? target.table
        var src = FromSource(expr: .variable(table, caseSensitive: true, local: false))
        src.asAlias = alias
        src.byAlias = target.byAlias
        var q = Query(eval: eval)
        q.recordDocumentIDs = true
        var out: [(String, Value, Scope)] = []
        for r in try q.rows(.source(src), whereClause: whereClause, Scope(parent: nil)) {
            guard let id = r.documentIDs[alias], let i = r.names.firstIndex(of: alias) else { continue }
            out.append((id, r.values[i], r))
        }
        return (table, alias, out)
    }

    func delete(_ target: DMLTarget, _ whereClause: Expr?) throws -> [IonValue] {
        let (table, _, rows) = try rows(target, whereClause)
        for (id, _, _) in rows { try ctx.catalogCall { try catalog.delete(table: table, id: id) } }
        return rows.map { DML.documentIdResult($0.0) }
    }

    func update(_ target: DMLTarget, _ ops: [DMLOperation], _ whereClause: Expr?) throws -> [IonValue] {
        let (table, alias, rows) = try rows(target, whereClause)
        var out: [IonValue] = []
        for (id, doc, scope) in rows {
            var d = doc
            var deleted = false
            for op in ops {
                switch op {
                case .set(let path, let valueExpr):
                    let v = try eval.evalPreserving(valueExpr, scope)
                    let steps = try self.steps(path, alias, scope)
                    if steps.isEmpty {
                        guard case .struct = v.unannotated else { throw PartiQLError.eval("a document must be a struct") }
                        d = v.unannotated
                    } else {
                        try assign(&d, steps[...], v.isMissing ? nil : v)
                    }
                case .remove(let path):
                    let steps = try self.steps(path, alias, scope)
                    if steps.isEmpty { deleted = true } else { try assign(&d, steps[...], nil) }
                case .insertInto(let path, let valueExpr, let atExpr):
                    let v = try eval.evalPreserving(valueExpr, scope)
                    let at = try atExpr.map { try eval.eval($0, scope) }
                    let steps = try self.steps(path, alias, scope)
                    try insertInto(&d, steps[...], v, at)
                }
            }
            if deleted {
                try ctx.catalogCall { try catalog.delete(table: table, id: id) }
            } else {
                try ctx.catalogCall { try catalog.update(table: table, id: id, document: d.toIon()) }
            }
            out.append(DML.documentIdResult(id))
        }
        return out
    }

    enum Step { case field(String), index(Int) }

    /// Path steps relative to the document: `alias.a.b`, or `a.b` meaning a field of it.
    func steps(_ e: Expr, _ alias: String, _ scope: Scope) throws -> [Step] {
        var root: String
        var rest: [PathStep] = []
        switch e {
        case .variable(let n, _, _): root = n
        case .path(.variable(let n, _, _), let s): root = n; rest = s
        default: throw PartiQLError.eval("the target of SET, REMOVE or INSERT INTO must be a path")
        }
        var out: [Step] = root == alias ? [] : [.field(root)]
        for s in rest {
            switch s {
            case .field(let f, _): out.append(.field(f))
            case .index(let ie):
                let v = try eval.eval(ie, scope)
                switch v {
                case .int(let i): out.append(.index(Int(i.int64 ?? -1)))
                case .string(let s), .symbol(let s): out.append(.field(s))
                default: throw PartiQLError.eval("a path index must be an integer or a string")
                }
            default: throw PartiQLError.eval("wildcards are not allowed in a DML path")
            }
        }
        return out
    }

    /// Sets (or with nil removes) the value at `steps`, creating structs along the way.
    func assign(_ v: inout Value, _ steps: ArraySlice<Step>, _ newValue: Value?) throws {
        guard let step = steps.first else { return }
        let last = steps.count == 1
        switch (step, v) {
        case (.field(let name), .struct(var fields)):
            if let i = fields.firstIndex(where: { $0.name == name }) {
                if last {
                    if let newValue { fields[i].value = newValue } else { fields.remove(at: i) }
                } else {
                    try assign(&fields[i].value, steps.dropFirst(), newValue)
                }
            } else if let newValue {
                var child = Value.struct([])
                if last { child = newValue } else { try assign(&child, steps.dropFirst(), newValue) }
                fields.append(.init(name, child))
            }
            v = .struct(fields)
        case (.index(let i), .list(var items)):
            guard i >= 0, i < items.count else {
                if newValue == nil { return }
                throw PartiQLError.eval("list index \(i) is out of bounds")
            }
            if last {
                if let newValue { items[i] = newValue } else { items.remove(at: i) }
            } else {
                try assign(&items[i], steps.dropFirst(), newValue)
            }
            v = .list(items)
        default:
            if newValue == nil { return }
            throw PartiQLError.eval("cannot set a path through a \(v.typeName) value")
        }
    }

    func insertInto(_ v: inout Value, _ steps: ArraySlice<Step>, _ newValue: Value, _ at: Value?) throws {
        if let step = steps.first {
            switch (step, v) {
            case (.field(let name), .struct(var fields)):
                guard let i = fields.firstIndex(where: { $0.name == name }) else { throw PartiQLError.eval("no field '\(name)' to insert into") }
                try insertInto(&fields[i].value, steps.dropFirst(), newValue, at)
                v = .struct(fields)
            case (.index(let i), .list(var items)) where i >= 0 && i < items.count:
                try insertInto(&items[i], steps.dropFirst(), newValue, at)
                v = .list(items)
            default:
                throw PartiQLError.eval("INSERT INTO path does not exist")
            }
            return
        }
        switch v {
        case .list(var items):
            if case .int(let i)? = at, let k = i.int64, k >= 0, k <= items.count { items.insert(newValue, at: Int(k)) } else if at == nil || at!.isAbsent {
                items.append(newValue)
            } else { throw PartiQLError.eval("INSERT INTO a list: AT must be a position within the list") }
            v = .list(items)
        case .bag(var items):
            items.append(newValue)
            v = .bag(items)
        case .struct(var fields):
            guard let key = at?.text else { throw PartiQLError.eval("INSERT INTO a struct needs AT 'fieldName'") }
            if fields.contains(where: { $0.name == key }) { throw PartiQLError.eval("field '\(key)' already exists") }
            fields.append(.init(key, newValue))
            v = .struct(fields)
        default:
            throw PartiQLError.eval("INSERT INTO requires a list or struct, found \(v.typeName)")
        }
    }
}

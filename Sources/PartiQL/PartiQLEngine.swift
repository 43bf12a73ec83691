import Ion

/// Tally's PartiQL engine: parse, plan and run one statement against a `Catalog`.
public struct PartiQLEngine: Sendable {
    /// QLDB's statement length limit.
    public static let maxStatementLength = 100_000

    public var mode: EvalMode
    /// PartiQL resolves unquoted names case-insensitively; QLDB does not.
    public var caseInsensitiveNames: Bool

    public init(mode: EvalMode = .permissive, caseInsensitiveNames: Bool = false) {
        self.mode = mode
        self.caseInsensitiveNames = caseInsensitiveNames
    }

    /// Parses one statement.
    public func parse(_ statement: String) throws -> Statement {
        guard statement.utf8.count <= PartiQLEngine.maxStatementLength * 4,
              statement.count <= PartiQLEngine.maxStatementLength else {
            throw PartiQLError(.syntax, "Statement is longer than \(PartiQLEngine.maxStatementLength) characters")
        }
        return try ParsedStatementCache.shared.statement(statement, parse: Parser.parse)
    }

    /// Runs a statement; returns its result values (documents, `{documentId}`, `{tableId}`…).
    /// `budget` bounds its time, rows and result size (unbounded by default).
    public func execute(statement: String, parameters: [IonValue] = [], catalog: Catalog,
                        budget: StatementBudget = StatementBudget()) throws -> [IonValue] {
        try execute(try parse(statement), parameters: parameters, catalog: catalog, budget: budget)
    }

    public func execute(_ statement: Statement, parameters: [IonValue] = [], catalog: Catalog,
                        budget: StatementBudget = StatementBudget()) throws -> [IonValue] {
        let ctx = EvalContext(catalog: catalog, globals: [:], parameters: parameters.map { Value(ion: $0) },
                              mode: mode, caseInsensitiveNames: caseInsensitiveNames, budget: budget)
        catalog.bind(budget: budget)
        defer { catalog.bind(budget: nil) }
        let ev = Evaluator(ctx: ctx)
        let dml = DML(eval: ev)
        func ddl(_ body: () throws -> String) throws -> [IonValue] {
            let id = try ctx.catalogCall(body)
            return [.struct([("tableId", .string(id))])]
        }
        switch statement {
        case .query(let e):
            return Self.values(of: e, try ev.eval(e, Scope(parent: nil)))
        case .createTable(let name, let tags):
            return try ddl { try catalog.createTable(name: name, tags: tags) }
        case .dropTable(let name):
            return try ddl { try catalog.dropTable(name: name) }
        case .undropTable(let id):
            return try ddl { try catalog.undropTable(id: id) }
        case .createIndex(let table, let field):
            return try ddl { try catalog.createIndex(table: table, field: field) }
        case .dropIndex(let id, let table, _):
            return try ddl { try catalog.dropIndex(table: table, indexID: id) }
        case .insert(let table, let value):
            return try dml.insert(table: table, value: value)
        case .update(let target, let ops, let w):
            return try dml.update(target, ops, w)
        case .delete(let target, let w):
            return try dml.delete(target, w)
        case .fromDML(let target, let w, let ops):
            return try dml.update(target, ops, w)
        case .exec(let name, let args):
            guard name == "REDACT_REVISION" else { throw PartiQLError.semantic("unknown stored procedure \(name)") }
            guard args.count == 3 else { throw PartiQLError.semantic("REDACT_REVISION takes 3 arguments: blockAddress, tableId, documentId") }
            let vs = try args.map { try ev.eval($0, Scope(parent: nil)) }
            guard case .struct = vs[0], let table = vs[1].text, let doc = vs[2].text else {
                throw PartiQLError.eval("REDACT_REVISION takes a block address struct, a table id string and a document id string")
            }
            return [try ctx.catalogCall { try catalog.redactRevision(blockAddress: vs[0].toIon(), tableID: table, documentID: doc) }]
        case .explain(let inner):
            return [try explain(inner, catalog: catalog)]
        }
    }

    /// Runs a statement, or for a query that can be read page by page (see
    /// `ResultStream`) opens it without reading any document yet.
    public func open(statement: String, parameters: [IonValue] = [], catalog: Catalog,
                     budget: StatementBudget = StatementBudget()) throws -> StatementOutput {
        let parsed = try parse(statement)
        if case .query(.select(let q)) = parsed {
            let ctx = EvalContext(catalog: catalog, globals: [:], parameters: parameters.map { Value(ion: $0) },
                                  mode: mode, caseInsensitiveNames: caseInsensitiveNames, budget: budget)
            catalog.bind(budget: budget)
            defer { catalog.bind(budget: nil) }
            let query = Query(eval: Evaluator(ctx: ctx))
            let root = Scope(parent: nil)
            var planned: [SourcePlan?]?
            if let stream = try query.stream(q, root, planned: &planned) { return .stream(stream) }
            // Run on the same context: the parameters, the parse and the plans are not made again.
            return .values(Self.values(of: .select(q), try query.run(q, root, planned: planned)))
        }
        return .values(try execute(parsed, parameters: parameters, catalog: catalog, budget: budget))
    }

    /// A query's result as the statement's values: a SELECT's rows (MISSING dropped), a list whole.
    private static func values(of e: Expr, _ v: Value) -> [IonValue] {
        switch v {
        case .bag(let items), .list(let items):
            if case .select = e { return items.filter { !$0.isMissing }.map { $0.toIon() } }
            if case .list = v { return [v.toIon()] }
            return items.filter { !$0.isMissing }.map { $0.toIon() }
        case .missing: return []
        default: return [v.toIon()]
        }
    }

    /// Evaluates an expression statement with global bindings and no catalog
    /// (used by the conformance tests). Returns the PartiQL value.
    public func evaluate(_ statement: String, globals: [String: Value] = [:], parameters: [Value] = []) throws -> Value {
        let s = try parse(statement)
        guard case .query(let e) = s else { throw PartiQLError.semantic("only queries can run without a ledger") }
        let ctx = EvalContext(catalog: nil, globals: globals, parameters: parameters, mode: mode,
                              caseInsensitiveNames: caseInsensitiveNames)
        return try Evaluator(ctx: ctx).eval(e, Scope(parent: nil))
    }
}

/// What `PartiQLEngine.open` gives: the whole result, or a stream of it.
public enum StatementOutput {
    case values([IonValue])
    case stream(ResultStream)
}

import Ion

/// How dynamic type errors behave.
public enum EvalMode: Sendable {
    /// PartiQL "permissive" mode: a type mismatch yields MISSING.
    case permissive
    /// "Type-checking" mode: a type mismatch is an error.
    case strict
}

/// Variables in scope: a chain of frames.
final class Scope {
    let parent: Scope?
    var names: [String]
    var values: [Value]
    /// Frames made by FROM clauses: unqualified names may resolve to fields of their struct values.
    let isFrom: Bool
    /// Set while evaluating a grouped query's projection: the rows of the current group.
    var group: [Scope]?
    /// Document ids of catalog-backed bindings (for DML through `BY`).
    var documentIDs: [String: String] = [:]

    init(parent: Scope?, names: [String] = [], values: [Value] = [], isFrom: Bool = false) {
        self.parent = parent
        self.names = names
        self.values = values
        self.isFrom = isFrom
    }

    func bind(_ name: String, _ value: Value) {
        names.append(name)
        values.append(value)
    }

    var depth: Int {
        var d = 0
        var s: Scope? = self
        while let x = s { d += 1; s = x.parent }
        return d
    }
}

/// State for one statement's execution.
final class EvalContext {
    let catalog: Catalog?
    let globals: [String: Value]
    let parameters: [Value]
    let mode: EvalMode
    let caseInsensitiveNames: Bool
    /// Cached table contents for the statement (scans are recorded once).
    var tableCache: [String: [CatalogDocument]] = [:]
    var lookupCount = 0
    var scanCount = 0
    /// Time, rows and result bytes this statement may spend (unbounded without
    /// one); a streamed query gets a new budget for each page.
    var budget: StatementBudget

    init(catalog: Catalog?, globals: [String: Value], parameters: [Value], mode: EvalMode, caseInsensitiveNames: Bool,
         budget: StatementBudget = StatementBudget()) {
        self.catalog = catalog
        self.globals = globals
        self.parameters = parameters
        self.mode = mode
        self.caseInsensitiveNames = caseInsensitiveNames
        self.budget = budget
    }

    /// A dynamic type error: MISSING in permissive mode, an error in strict mode.
    func typeError(_ message: @autoclosure () -> String) throws -> Value {
        if mode == .strict { throw PartiQLError.eval(message()) }
        return .missing
    }

    func names(_ a: String, _ b: String, caseSensitive: Bool) -> Bool {
        if a == b { return true }
        if caseSensitive || !caseInsensitiveNames { return false }
        return a.lowercased() == b.lowercased()
    }

    func catalogCall<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as CatalogError {
            throw PartiQLError(.catalog, e.message)
        }
    }

    /// Name of an active catalog table matching `name`, if any.
    func tableName(_ name: String, caseSensitive: Bool) -> String? {
        guard let catalog else { return nil }
        return catalog.hasActiveTable(named: name) ? name : nil
    }

    func scan(_ table: String) throws -> [CatalogDocument] {
        if let cached = tableCache[table] { return cached }
        guard let catalog else { return [] }
        scanCount += 1
        let docs = try catalogCall { try catalog.scan(table: table) }
        tableCache[table] = docs
        return docs
    }

    func lookup(_ table: String, field: String, value: Value) throws -> [CatalogDocument] {
        guard let catalog else { return [] }
        if let cached = tableCache[table] {
            return cached.filter { doc in
                guard let f = Value(ion: doc.data).field(field) else { return false }
                return Compare.equal(f, value) && !f.isAbsent
            }
        }
        lookupCount += 1
        return try catalogCall { try catalog.lookup(table: table, field: field, value: value.toIon()) }
    }
}

import Ion
import PartiQL

/// An OCC transaction: reads the latest committed state plus its own
/// buffered writes, records what it read, buffers its writes (one revision
/// per document: a second write to a document replaces the buffered one)
/// and, on `commit`, becomes a `BlockProposal` if nothing it read changed.
/// Conforms to PartiQL's `Catalog` (see LedgerTransaction+Catalog.swift).
public final class LedgerTransaction {
    public enum Status: Sendable { case open, committed, aborted }

    struct BufferedWrite {
        var tableId: String
        var tableName: String
        var data: IonValue?
        var statements: [Int]
        /// `BlockCodec.encode(data)`, made for the size check and kept for the state store.
        var encoded: [UInt8]?
        var size: Int { encoded?.count ?? 0 }
    }

    /// A table as this transaction sees it (committed, or changed by its DDL).
    struct TableDef {
        var id: String
        var name: String
        var active: Bool
        var indexes: [(id: String, field: String)]
        var statements: [Int] = []
        var row: IonValue { TableState.row(id: id, name: name, active: active, indexes: indexes) }
    }

    public let ledger: Ledger
    public let transactionID: String
    public let startMs: Int64
    /// On `Ledger.elapsedClock`: the lifetime is measured there, so a wall-clock jump neither ends nor extends it.
    let startElapsedMs: Int64
    public internal(set) var status: Status = .open

    var statements: [BlockProposal.Statement] = []
    var statementBytes = 0
    var writes: [String: BufferedWrite] = [:]
    var writeOrder: [String] = []
    var tableChanges: [String: TableDef] = [:]
    var tableOrder: [String] = []
    var redactions: [RedactionRequest] = []
    var readSet = ReadSet()

    init(ledger: Ledger, id: String, startMs: Int64, startElapsedMs: Int64) {
        self.ledger = ledger
        self.transactionID = id
        self.startMs = startMs
        self.startElapsedMs = startElapsedMs
    }

    /// The committed state a running statement reads: taken on the ledger's
    /// thread by `beginStatement()`, so the statement may then run on another
    /// thread while blocks are applied (a copy-on-write snapshot, O(1) to take).
    private var snapshot: (any StateView)?
    private var frozenLimits: LedgerLimits?
    /// The running statement's budget (see `Catalog.bind(budget:)`).
    var budget: StatementBudget?

    /// What the transaction reads (every read goes through here, so the read set learns the first state read).
    var state: any StateView {
        let state = snapshot ?? ledger.state
        if readSet.firstReadBlockCount == nil { readSet.noteFirstRead(blockCount: state.blockCount) }
        return state
    }
    var limits: LedgerLimits { frozenLimits ?? ledger.limits }

    /// Call on the ledger's thread before a statement; until `endStatement()`
    /// the transaction reads nothing of the ledger but this snapshot (and its
    /// thread-safe id generator and clock), so the statement may run elsewhere.
    public func beginStatement() {
        snapshot = ledger.stateSnapshot()
        frozenLimits = ledger.limits
    }

    /// Releases the snapshot (so the ledger's next apply does not copy its state).
    public func endStatement() {
        snapshot = nil
        frozenLimits = nil
    }

    // MARK: - Lifecycle

    /// Validates and prepares: the proposal to replicate, or nil when nothing was written.
    public func commit() throws -> BlockProposal? { try ledger.prepare(self) }

    public func abort() { status = .aborted }

    /// The commit digest the driver must send (PROTOCOL.md §1.7.3).
    public var commitDigest: [UInt8] {
        QLDBHash.commitDigest(transactionID: transactionID, statements: statements.map { ($0.text, $0.parameters) })
    }

    func checkOpen() throws {
        guard status == .open else {
            throw TransactionClosed(transactionId: transactionID, message: status == .committed ? "already committed" : "aborted")
        }
        if ledger.elapsedClock() - startElapsedMs > limits.transactionLifetimeMs {
            status = .aborted
            throw TransactionClosed(transactionId: transactionID,
                                    message: "exceeded the transaction lifetime of \(limits.transactionLifetimeMs / 1000) s")
        }
    }

    /// Adds a statement to `transactionInfo`. Its `statementDigest` is computed at apply,
    /// unless the caller has it already (`digest`, `QLDBHash.statementHash(text, parameters:)`).
    public func recordStatement(text: String, parameters: [IonValue], digest: [UInt8]? = nil) throws {
        try checkOpen()
        guard text.utf8.count <= limits.statementLength else {
            throw LimitExceeded(limit: "statementLength", message: "Statement is longer than \(limits.statementLength) characters")
        }
        statementBytes += text.utf8.count + parameters.reduce(0) { $0 + BlockCodec.encodedSize($1) }
        statements.append(.init(text: text, startTimeMs: ledger.clock(), parameters: parameters, digest: digest))
        try checkTransactionSize()
    }

    var currentStatements: [Int] { statements.isEmpty ? [] : [statements.count - 1] }

    /// Nothing written so far: no document, table or redaction (its commit would journal nothing).
    public var hasWrittenNothing: Bool { writes.isEmpty && tableChanges.isEmpty && redactions.isEmpty }

    func checkTransactionSize() throws {
        let total = statementBytes + writes.values.reduce(0) { $0 + $1.size }
        if total > limits.transactionSize {
            throw LimitExceeded(limit: "transactionSize",
                                message: "Transaction exceeds the maximum size of \(limits.transactionSize) bytes")
        }
    }

    // MARK: - Tables

    func tableDef(id: String) -> TableDef? {
        if let def = tableChanges[id] { return def }
        return state.table(id).map(TableDef.init)
    }

    var allTableIds: [String] { state.tableOrder + tableOrder.filter { state.table($0) == nil } }

    /// The active table of that name, recording the resolution in the read set.
    func activeTable(named name: String) -> TableDef? {
        let committed = committedActiveTable(named: name)
        guard !tableChanges.isEmpty else { return committed.map(TableDef.init) }   // no DDL here: the committed catalog
        for id in allTableIds { if let def = tableDef(id: id), def.active, def.name == name { return def } }
        return nil
    }

    /// The last name resolved in the committed catalog, and the block count it was resolved at: a
    /// statement resolves its table several times (planning, its index, the read), and the catalog
    /// changes only with a block.
    private var lastResolution: (name: String, blockCount: Int, table: TableState?)?

    private func committedActiveTable(named name: String) -> TableState? {
        let state = self.state
        let blockCount = state.blockCount
        if let last = lastResolution, last.blockCount == blockCount, last.name == name { return last.table }
        let table = state.activeTable(named: name)
        readSet.noteTableName(name, table?.id)
        lastResolution = (name, blockCount, table)
        return table
    }

    func requireActiveTable(_ name: String) throws -> TableDef {
        guard let def = activeTable(named: name) else { throw CatalogError("No such table: \(name)") }
        return def
    }

    /// Records the table's committed definition as read, then stores the change.
    func change(_ def: TableDef) {
        readSet.noteCatalog(def.id, version: state.table(def.id)?.catalogVersion)
        var def = def
        for s in currentStatements where !def.statements.contains(s) { def.statements.append(s) }
        if tableChanges[def.id] == nil { tableOrder.append(def.id) }
        tableChanges[def.id] = def
    }

    // MARK: - Documents

    /// The committed document, recording its version as read.
    func committedDocument(_ id: String) -> DocumentState? {
        let doc = state.document(id)
        readSet.noteDocument(id, version: doc?.version)
        return doc
    }

    /// The document's current data as this transaction sees it.
    func currentData(_ id: String, in table: TableDef) -> (data: IonValue, metadata: IonValue?)? {
        if let w = writes[id] {
            guard w.tableId == table.id, let data = w.data else { return nil }
            return (data, nil)
        }
        guard let doc = committedDocument(id), doc.tableId == table.id, let data = doc.current else { return nil }
        return (data, doc.latest.metadata.ion)
    }

    func buffer(_ id: String, table: TableDef, data: IonValue?) throws {
        var encoded: [UInt8]?
        if let data {
            guard case .struct = data.content else { throw CatalogError("A document must be a struct, not \(data.type)") }
            encoded = BlockCodec.encode(data)
            let size = encoded!.count
            guard size <= limits.documentSize else {
                throw LimitExceeded(limit: "documentSize",
                                    message: "Document size \(size) bytes exceeds the maximum of \(limits.documentSize) bytes")
            }
        }
        if var w = writes[id] {
            w.data = data
            w.encoded = encoded
            for s in currentStatements where !w.statements.contains(s) { w.statements.append(s) }
            writes[id] = w
        } else {
            guard writes.count < limits.documentsPerTransaction else {
                throw LimitExceeded(limit: "documentsPerTransaction",
                                    message: "Transaction writes more than \(limits.documentsPerTransaction) documents")
            }
            writes[id] = BufferedWrite(tableId: table.id, tableName: table.name, data: data, statements: currentStatements, encoded: encoded)
            writeOrder.append(id)
        }
        try checkTransactionSize()
    }

    func unbuffer(_ id: String) {
        writes[id] = nil
        writeOrder.removeAll { $0 == id }
    }
}

extension LedgerTransaction.TableDef {
    /// A committed table as a transaction sees it before any DDL of its own.
    init(_ table: TableState) {
        self.init(id: table.id, name: table.name, active: table.active, indexes: table.indexes.map { ($0.id, $0.field) })
    }
}

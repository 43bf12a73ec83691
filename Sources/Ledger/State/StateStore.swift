/// Where a ledger's state lives: the committed view the ledger reads on its
/// own thread, snapshots that statements read on other threads while blocks
/// are applied, and the one way to change it (a whole block, or nothing —
/// for the in-memory store, a block whose `problem(applying:)` is nil).
protocol StateStore: AnyObject {
    var view: any StateView { get }
    func snapshot() -> any StateView
    func apply(_ block: Block) throws
    /// Empties the store (before a rebuild from the journal).
    func reset() throws
    /// Makes applied blocks durable, and the journal with them:
    /// `journalSync` (the journal store's fsync) runs on another thread while
    /// the store flushes its own file, and the store counts as clean only once
    /// both are done, so after a power cut it is never ahead of the journal.
    func sync(alongside journalSync: @escaping () throws -> Void) throws
    func close()
    /// Groups the next applies into one store transaction until `flush()`
    /// (see `LMDBStateStore+Batch`); the in-memory store needs none.
    func beginBatch() throws
    /// Whether a batch is open (applied blocks not yet committed).
    var isBatching: Bool { get }
    func flush() throws
    /// Drops the open batch uncommitted (its journal records were not written).
    func discardBatch()
}

extension StateStore {
    func beginBatch() throws {}
    var isBatching: Bool { false }
    func flush() throws {}
    func discardBatch() {}
}

/// A state value behind a reference, so the ledger and its statements can
/// hold it as `any StateView` without copying (a copy of the value inside is
/// the snapshot: O(1), copy-on-write).
final class StateBox<State: StateView>: StateView, @unchecked Sendable {
    var state: State

    init(_ state: State) { self.state = state }

    var tableOrder: [String] { state.tableOrder }
    func table(_ id: String) -> TableState? { state.table(id) }
    func document(_ id: String) -> DocumentState? { state.document(id) }
    func revisions(of documentId: String) -> [Revision] { state.revisions(of: documentId) }
    func revision(of documentId: String, version: Int) -> Revision? { state.revision(of: documentId, version: version) }
    func documentIds(inTable tableId: String, from position: Int, limit: Int) -> [(position: Int, id: String)] {
        state.documentIds(inTable: tableId, from: position, limit: limit)
    }
    func indexedDocumentIds(indexId: String, key: [UInt8]) -> [String] { state.indexedDocumentIds(indexId: indexId, key: key) }
    func indexContents(indexId: String) -> [[UInt8]: [String]] { state.indexContents(indexId: indexId) }
    func blockSummary(_ sequenceNo: Int) -> BlockSummary? { state.blockSummary(sequenceNo) }
    func merkleNode(_ height: Int, _ index: Int) -> [UInt8] { state.merkleNode(height, index) }
    var counters: StateCounters { state.counters }
}

/// The state in memory (`LedgerState`): rebuilt from the journal at open.
final class MemoryStateStore: StateStore {
    private let box = StateBox(LedgerState())

    var view: any StateView { box }
    func snapshot() -> any StateView { StateBox(box.state) }
    func apply(_ block: Block) throws { try box.state.apply(block) }
    func reset() throws { box.state = LedgerState() }
    func sync(alongside journalSync: @escaping () throws -> Void) throws { try journalSync() }
    func close() {}
}

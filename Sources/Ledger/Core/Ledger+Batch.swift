extension Ledger {
    /// Blocks per state-store transaction when `open` replays the journal.
    static let replayBatchBlocks = 1000

    /// Bulk loads: from here to `flushBatch()` (or `sync()`, `close()`) the
    /// state store applies every block in one write transaction — one set of
    /// page writes for the batch instead of one per block. The ledger's own
    /// reads see the batch's blocks at once; the journal is written block by
    /// block as always. Nothing may take a state snapshot (a statement on
    /// another thread, the scrubber) while a batch is open: callers open and
    /// flush it within one call on the ledger's thread, where snapshots are
    /// taken. No effect with the in-memory state.
    public func beginBatch() throws { try stateStore.beginBatch() }

    /// Commits the open batch (if any) to the state store. If the commit
    /// fails, the batch's blocks are in the journal but not in the store: the
    /// ledger is then unusable as after a failed `apply`
    /// (`LedgerError.stateStoreFailed`, further appends refused) until it is
    /// reopened, which replays the journal past the store's checkpoint.
    public func flushBatch() throws {
        do {
            try stateStore.flush()
        } catch {
            if store.count > state.blockCount {
                damage = damage ?? "blocks \(state.blockCount)..<\(store.count) not recorded in the state store: \(error)"
            }
            throw LedgerError.stateStoreFailed(sequenceNo: state.blockCount, reason: "\(error)")
        }
    }

    /// Why this ledger takes no more blocks until it is reopened (its state
    /// store is behind its journal), or nil.
    public var unusableReason: String? { damage }
}

extension Ledger {
    /// Blocks per state-store transaction when `open` replays the journal.
    static let replayBatchBlocks = 1000

    /// Bulk loads: from here to `flushBatch()` (or `sync()`, `close()`) the
    /// state store applies every block in one write transaction — one set of
    /// page writes for the batch instead of one per block. The ledger's own
    /// reads see the batch's blocks at once; the journal's records are
    /// encoded and appended on a worker (`JournalWriteBehind`), buffered and
    /// written together (`JournalStore.beginBuffering`), always before the
    /// state store commits, so the store is never ahead of the
    /// journal. Nothing may take a state snapshot (a statement on
    /// another thread, the scrubber) while a batch is open: callers open and
    /// flush it within one call on the ledger's thread, where snapshots are
    /// taken. No effect on the state with the in-memory state.
    public func beginBatch() throws {
        try stateStore.beginBatch()
        store.beginBuffering()
        journalBehind = journalWorker
    }

    /// Every block applied so far appended to the journal store (see
    /// `JournalWriteBehind`); a no-op outside a batch.
    func settleJournal() throws {
        guard let behind = journalBehind, !behind.isSettled else { return }
        try behind.drain()
    }

    /// Writes the batch's journal records, then commits the open batch (if
    /// any) to the state store. If either fails, the ledger is unusable as
    /// after a failed `apply` (`LedgerError.stateStoreFailed`, further appends
    /// refused) until it is reopened, which replays the journal past the
    /// store's checkpoint (a failed journal write leaves the journal behind the
    /// ledger's memory, and the journal store itself unusable until then).
    public func flushBatch() throws {
        do {
            defer { journalBehind = nil }
            do {
                try settleJournal()
            } catch {
                try? store.endBuffering()   // the records appended before the failure: the journal may lead the state
                throw error
            }
            try store.endBuffering()
        } catch {
            damage = damage ?? "blocks up to \(state.blockCount) not written to the journal: \(error)"
            stateStore.discardBatch()
            throw LedgerError.stateStoreFailed(sequenceNo: state.blockCount, reason: "journal write failed: \(error)")
        }
        do {
            try stateStore.flush()
        } catch {
            if store.count > state.blockCount {
                damage = damage ?? "blocks \(state.blockCount)..<\(store.count) not recorded in the state store: \(error)"
            }
            throw LedgerError.stateStoreFailed(sequenceNo: state.blockCount, reason: "\(error)")
        }
    }

    /// The committed state for a reader on another thread (a statement, the
    /// scrubber), taken on the ledger's thread. A batch still open is committed
    /// first: a follower holds its applies' batch open across rounds of
    /// entries (`NodeStateMachine.finishApplying(hold:)`). If that commit
    /// fails the ledger is unusable (`unusableReason`; its next apply throws),
    /// and the snapshot is the state last committed.
    func stateSnapshot() -> any StateView {
        if stateStore.isBatching { try? flushBatch() }
        return stateStore.snapshot()
    }

    /// Why this ledger takes no more blocks until it is reopened (its state
    /// store is behind its journal), or nil.
    public var unusableReason: String? { damage }
}

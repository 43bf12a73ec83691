extension Ledger {
    /// Blocks per state-store transaction when `open` replays the journal.
    static let replayBatchBlocks = 1000

    /// Bulk loads: from here to `flushBatch()` (or `sync()`, `close()`) the
    /// state store applies every block in one write transaction — one set of
    /// page writes for the batch instead of one per block. The ledger's own
    /// reads see the batch's blocks at once; the journal is written block by
    /// block as always. Nothing may take a state snapshot (a statement on
    /// another thread, the scrubber) while a batch is open. No effect with the
    /// in-memory state.
    public func beginBatch() throws { try stateStore.beginBatch() }

    /// Commits the open batch (if any) to the state store.
    public func flushBatch() throws { try stateStore.flush() }
}

extension Ledger {
    /// Catch-up by journal streaming: appends a block received from another
    /// node — `record` is exactly what that node's `JournalStore` holds for it —
    /// after verifying it exactly as `Ledger.open` verifies a record on replay:
    /// it must be this ledger's next block (no sequence gap), every revision
    /// hash is recomputed from data and metadata, H(transactionInfo) (and
    /// H(redactionInfo)), the entries hash and `blockHash = dot(entriesHash,
    /// this ledger's own previous block hash)`; the hashes in the record are
    /// never trusted. A record that does not verify, or that cannot apply to
    /// the state (document versions, tables, redactions), is refused with
    /// `LedgerError.replicatedBlockRefused` and nothing changes: nothing is
    /// appended to the store and state, indexes and digest are untouched.
    ///
    /// On success the record is appended to this ledger's store (not synced:
    /// call `sync()`), and state, indexes and the Merkle accumulator advance.
    @discardableResult
    public func appendReplicated(record: [UInt8]) throws -> Block {
        try appendReplicated(record: record, decoded: nil)
    }

    /// `appendReplicated(record:)` of a record built from `decoded` (not decoded
    /// again); `hashesChecked`: `RecordChecker` has checked it (`Ledger+Pipeline`).
    func appendReplicated(record: [UInt8], decoded: Block?, hashesChecked: Bool = false) throws -> Block {
        if let damaged = damage {
            throw LedgerError.replicatedBlockRefused(sequenceNo: state.blockCount, reason: "ledger unusable: \(damaged)")
        }
        let sequenceNo = state.blockCount
        do {
            return try admit(record: record, sequenceNo: sequenceNo, decoded: decoded, hashesChecked: hashesChecked) { _ in
                try self.settleJournal()
                let index = try self.store.append(record)
                guard index == sequenceNo else { throw LedgerError.storeMismatch(expected: sequenceNo, got: index) }
            }
        } catch let refused as BlockRefused {
            if refused.stateTouched {
                // Unreachable while `LedgerState.problem(applying:)` mirrors `apply`;
                // the store holds the record but the state is partial: stop here.
                damage = refused.reason
            }
            throw LedgerError.replicatedBlockRefused(sequenceNo: refused.sequenceNo, reason: refused.reason)
        }
    }

    /// The hash of this ledger's block `sequenceNo` (from memory, no store read).
    public func blockHash(sequenceNo: Int) -> [UInt8]? {
        sequenceNo >= 0 && sequenceNo < state.blockCount ? state.blockHash(sequenceNo)! : nil
    }

    /// Record `sequenceNo` exactly as this ledger's store holds it (what
    /// another node passes to `appendReplicated`).
    public func journalRecord(sequenceNo: Int) throws -> [UInt8] {
        guard sequenceNo >= 0, sequenceNo < state.blockCount else {
            throw LedgerError.unknownBlock(BlockAddress(strandId: strandId, sequenceNo: sequenceNo))
        }
        try settleJournal()
        return try store.read(sequenceNo)
    }
}

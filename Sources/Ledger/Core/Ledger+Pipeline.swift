import Dispatch

extension Ledger {
    /// Records per step of the pipeline.
    static let pipelineStep = 256

    /// `appendReplicated(record:)` for a run of consecutive records (catch-up,
    /// restore), on two cores (`admitInSteps`). Every check of the one-record
    /// path is made, against the same previous hashes. Stops at the first
    /// record refused, with `LedgerError.replicatedBlockRefused`: the records
    /// before it stay appended, as with one call per record. `applied` sees
    /// each block.
    public func appendReplicated(records: [[UInt8]], applied: (Block) -> Void = { _ in }) throws {
        let refused = try admitInSteps(records) { record, block in
            applied(try appendReplicated(record: record, decoded: block, hashesChecked: true))
        }
        if let refused {
            if let damaged = damage {
                throw LedgerError.replicatedBlockRefused(sequenceNo: refused.sequenceNo, reason: "ledger unusable: \(damaged)")
            }
            throw LedgerError.replicatedBlockRefused(sequenceNo: refused.sequenceNo, reason: refused.reason)
        }
    }

    /// The replay of `open`: the journal's records from `from` on, in steps
    /// (`admitInSteps`), applied to the state store in batches of
    /// `replayBatchBlocks`. Returns the bytes replayed. A record that does not
    /// verify stops it with `LedgerError.corruptJournal`; a state left partial
    /// does not matter then, as the open fails.
    func replayRecords(from: Int) throws -> Int {
        var bytes = 0
        var run: [[UInt8]] = []
        func replayRun() throws {
            let refused = try admitInSteps(run) { record, block in
                do {
                    try admit(record: record, sequenceNo: state.blockCount, dryRunState: false, decoded: block, hashesChecked: true)
                } catch let e as BlockRefused {
                    throw LedgerError.corruptJournal(sequenceNo: e.sequenceNo, reason: e.reason)
                }
                if state.blockCount % Ledger.replayBatchBlocks == 0 {
                    try stateStore.flush()
                    try stateStore.beginBatch()
                }
            }
            if let refused { throw LedgerError.corruptJournal(sequenceNo: refused.sequenceNo, reason: refused.reason) }
            run.removeAll(keepingCapacity: true)
        }
        try stateStore.beginBatch()
        try store.forEach(from: from) { _, record in
            bytes += record.count
            run.append(record)
            if run.count == 4 * Self.pipelineStep { try replayRun() }
        }
        try replayRun()
        try stateStore.flush()
        return bytes
    }

    /// Admits `records` as the next blocks, on two cores: while this thread
    /// runs `admitOne` on one step of them (the journal append and the state
    /// apply), a worker decodes the next step and recomputes all its hashes
    /// (`RecordChecker`), chained from the last block of the step before.
    /// Returns the checker's refusal of a record, after admitting all before
    /// it; an error `admitOne` throws stops the run at once.
    func admitInSteps(_ records: [[UInt8]], _ admitOne: ([UInt8], Block) throws -> Void) throws -> BlockRefused? {
        guard !records.isEmpty else { return nil }
        let first = state.blockCount
        var start = 0
        var count = min(Self.pipelineStep, records.count)
        var checked = RecordChecker.check(records[0..<count], first: first, strandId: strandId,
                                          previousHash: expectedPreviousHash())
        while true {
            let end = start + count
            var next: (count: Int, check: BackgroundWork<RecordChecker.Checked, Never>)?
            if checked.refused == nil, end < records.count, let last = checked.blocks.last {
                let step = records[end..<min(end + Self.pipelineStep, records.count)]
                let (stepFirst, strandId, previousHash) = (first + end, strandId, last.blockHash)
                next = (step.count, BackgroundWork {
                    RecordChecker.check(step, first: stepFirst, strandId: strandId, previousHash: previousHash)
                })
            }
            do {
                for (offset, block) in checked.blocks.enumerated() {
                    try admitOne(records[start + offset], block)
                }
            } catch {
                _ = next?.check.wait()   // no worker outlives the call
                throw error
            }
            if let refused = checked.refused { return refused }
            guard let pending = next else { return nil }
            checked = pending.check.wait()
            (start, count) = (end, pending.count)
        }
    }
}

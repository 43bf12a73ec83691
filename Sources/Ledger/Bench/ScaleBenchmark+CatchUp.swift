import Foundation

extension ScaleBenchmark {
    static func catchUpDirectory(_ d: String) -> String { d + "/catchup" }

    /// Catch-up of an empty node: the loaded ledger's first `blocks` journal
    /// records (all with nil) appended to an empty ledger in
    /// `directory/catchup` through `Ledger.appendReplicated`, which re-verifies
    /// every hash — as `NodeStateMachine.applyCatchUpChunk` does, in runs
    /// (`Ledger.appendReplicated(records:)`). Syncs about every `syncEvery`
    /// blocks; `batch` > 1 groups state-store commits. Reading the source records is
    /// timed apart (on a node it is the leader's and the network's share).
    public static func catchUp(directory: String, blocks: Int? = nil, syncEvery: Int = 10_000, batch: Int = 1) throws -> String {
        let (sourceStore, source) = try open(directory)
        defer { source.close(); sourceStore.close() }
        let target = catchUpDirectory(directory)
        try? FileManager.default.removeItem(atPath: target)
        defer { try? FileManager.default.removeItem(atPath: target) }
        let store = try FileJournalStore.open(directory: journalDirectory(target))
        defer { store.close() }
        let ledger = try Ledger.open(store: store, strandId: source.strandId,
                                     options: Ledger.Options(stateDirectory: stateDirectory(target)))
        defer { ledger.close() }
        let count = min(blocks ?? source.blockCount, source.blockCount)
        var readNs: UInt64 = 0
        let cpu0 = ProcessMemory.cpuSeconds()
        let start = LedgerTime.monotonicNanoseconds()
        // Runs of `batch` records (at least one pipeline step), as a node's catch-up chunk holds.
        let run = max(batch, Ledger.pipelineStep)
        var next = 0
        while next < count {
            let end = min(next + run, count)
            if batch > 1 { try ledger.beginBatch() }
            let r0 = LedgerTime.monotonicNanoseconds()
            let records = try (next..<end).map { try source.journalRecord(sequenceNo: $0) }
            readNs += LedgerTime.monotonicNanoseconds() - r0
            try ledger.appendReplicated(records: records)
            if batch > 1 { try ledger.flushBatch() }
            if end / syncEvery > next / syncEvery { try ledger.sync() }
            next = end
        }
        try ledger.sync()
        let seconds = Double(LedgerTime.monotonicNanoseconds() - start) / 1e9
        let cpu = ProcessMemory.cpuSeconds() - cpu0
        let applySeconds = seconds - Double(readNs) / 1e9
        precondition(ledger.blockHash(sequenceNo: count - 1) == source.blockHash(sequenceNo: count - 1),
                     "caught-up ledger ends in another hash")
        return [
            "catch-up: \(count) blocks in \(fmt(seconds)) s = \(Int(Double(count) / seconds)) blocks/s; "
                + "without reading the source: \(Int(Double(count) / applySeconds)) blocks/s"
                + (batch > 1 ? " (state store batches of \(batch) blocks)" : " (one state store commit per block, as a node)"),
            String(format: "catch-up CPU: %.1f s (%.0f µs per block)", cpu, cpu / Double(count) * 1e6),
        ].joined(separator: "\n")
    }
}

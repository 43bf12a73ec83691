import Foundation
import Ion

/// The figures of `scripts/bench-ledger` (run it through a release build):
/// apply throughput with one ~1 KB document per block (unsynced, and with a
/// sync every 64 blocks) on a `FileJournalStore`; revision-proof time on that
/// ledger and journal-level audit-path time at `proofLeaves` blocks; and the
/// chain re-verification speed of `Ledger.open` over the journal written.
public enum LedgerBenchmark {
    public static func run(blocks: Int = 20_000, proofLeaves: Int = 1_000_000, directory: String) throws -> String {
        var lines: [String] = []
        var reopenDirectory = ""
        for syncEvery in [0, 64] {
            let dir = "\(directory)/journal-sync\(syncEvery)"
            try? FileManager.default.removeItem(atPath: dir)
            let store = try FileJournalStore.open(directory: dir)
            let ledger = try Ledger.open(store: store, options: Ledger.Options(ids: IDGenerator(SeededGenerator(seed: 1))))
            try ledger.commit(ledger.begin().withTable())
            let payload = String(repeating: "x", count: 900)
            let start = LedgerTime.monotonicNanoseconds()
            for i in 0..<blocks {
                let tx = ledger.begin()
                try tx.recordStatement(text: "INSERT INTO Bench ?", parameters: [])
                _ = try tx.insert(table: "Bench", document: .struct([("i", .int(i)), ("payload", .string(payload))]))
                try ledger.commit(tx)
                if syncEvery > 0 && (i + 1) % syncEvery == 0 { try ledger.sync() }
            }
            try ledger.sync()
            let seconds = Double(LedgerTime.monotonicNanoseconds() - start) / 1e9
            lines.append("apply (\(syncEvery == 0 ? "unsynced" : "sync every \(syncEvery)")): \(blocks) blocks in \(fmt(seconds)) s = \(Int(Double(blocks) / seconds)) blocks/s")
            if syncEvery == 0 {
                let (_, tip) = try ledger.digest()
                var samples: [Double] = []
                var rng = SeededGenerator(seed: 2)
                for _ in 0..<2_000 {
                    let seq = 1 + Int(rng.next() % UInt64(blocks))
                    let address = BlockAddress(strandId: ledger.strandId, sequenceNo: seq)
                    let t0 = LedgerTime.monotonicNanoseconds()
                    let id = ledger.state.blockSummary(seq)!.documentIds[0]
                    _ = try ledger.revisionProof(blockAddress: address, documentId: id, tip: tip)
                    samples.append(Double(LedgerTime.monotonicNanoseconds() - t0) / 1000)
                }
                lines.append("revision proof at \(blocks + 1) blocks: " + percentiles(samples))
                reopenDirectory = dir
            }
            store.close()
        }
        let store = try FileJournalStore.open(directory: reopenDirectory)
        let reopened = try Ledger.open(store: store)
        lines.append("re-verification (decode + every hash + state rebuild): \(reopened.openStats)")
        store.close()

        var accumulator = MerkleAccumulator()
        var leaf = SHA256.hash([0])
        for _ in 0..<proofLeaves {
            accumulator.append(leaf)
            leaf = SHA256.hash(leaf)
        }
        var samples: [Double] = []
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<2_000 {
            let i = Int(rng.next() % UInt64(proofLeaves))
            let t0 = LedgerTime.monotonicNanoseconds()
            _ = accumulator.auditPath(leaf: i, size: proofLeaves)
            samples.append(Double(LedgerTime.monotonicNanoseconds() - t0) / 1000)
        }
        lines.append("journal audit path at \(proofLeaves) blocks: " + percentiles(samples))
        return lines.joined(separator: "\n")
    }

    static func percentiles(_ samples: [Double]) -> String {
        let sorted = samples.sorted()
        return "p50 \(fmt(sorted[sorted.count / 2])) µs, p99 \(fmt(sorted[sorted.count * 99 / 100])) µs"
    }

    static func fmt(_ x: Double) -> String { String(format: "%.2f", x) }
}

extension LedgerTransaction {
    fileprivate func withTable() throws -> LedgerTransaction {
        _ = try createTable(name: "Bench", tags: [])
        return self
    }
}

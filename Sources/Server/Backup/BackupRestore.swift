import Foundation
import Replica
import Ledger

/// Restore: writes a fresh node data directory from a backup. Every block is
/// appended with `Ledger.appendReplicated`, which recomputes every revision
/// hash, the entries hash and the block hash chained to the block before (the
/// hashes in the backup are never trusted) and rebuilds the state store; each
/// ledger's recomputed digest must equal the one the backup recorded.
///
/// The data directory gets `ledgers/ledgers.ion` at log index 0 and no Raft log: a
/// node started on it begins a new cluster (a fresh Raft log) whose state
/// machine already holds the ledgers. Every member of the new cluster is
/// restored from the same backup, so all start identical.
public enum BackupRestore {
    public struct LedgerResult: Sendable {
        public var name: String
        public var blocks: Int
        public var digest: String?
        public var seconds: Double
    }

    /// Restores `backupDirectory` into `dataDirectory`, which must hold no node
    /// state yet. `progress` gets one line per ledger.
    public static func restore(from backupDirectory: String, into dataDirectory: String, stateOnDisk: Bool = true,
                               progress: (String) -> Void = { _ in }) throws -> [LedgerResult] {
        guard let manifest = try BackupManifest.load(directory: backupDirectory) else {
            throw BackupError("\(backupDirectory) holds no backup (no \(BackupManifest.fileName))")
        }
        for leftover in ["ledgers", "raft"] where FileManager.default.fileExists(atPath: dataDirectory + "/" + leftover) {
            throw BackupError("\(dataDirectory) already holds node state (\(leftover)/); restore into a new or empty data directory")
        }
        // The node's layout (`Node.init`): the registry lives in <data_dir>/ledgers.
        var options = LedgerRegistry.Options(dataDirectory: dataDirectory + "/ledgers")
        options.stateOnDisk = stateOnDisk
        let registry = try LedgerRegistry(options: options)
        defer { registry.close() }
        var results: [LedgerResult] = []
        for state in manifest.ledgers {
            let started = Date()
            results.append(try restoreLedger(state, from: backupDirectory, into: registry))
            results[results.count - 1].seconds = Date().timeIntervalSince(started)
            progress("\(state.info.name): \(state.blocks) blocks verified, digest \(state.digest ?? "-")")
        }
        registry.exports = Dictionary(uniqueKeysWithValues: manifest.exports.map { ($0.spec.exportId, $0) })
        registry.streams = Dictionary(uniqueKeysWithValues: manifest.streams.map { ($0.spec.streamId, $0) })
        try registry.save(appliedIndex: 0)
        return results
    }

    /// Blocks a restore reads, verifies and applies at a time.
    static let restoreRun = 1000

    private static func restoreLedger(_ state: BackupManifest.LedgerState, from backupDirectory: String,
                                      into registry: LedgerRegistry) throws -> LedgerResult {
        let name = state.info.name
        let source = try FileJournalStore.open(directory: BackupManifest.journalDirectory(in: backupDirectory, ledgerId: state.info.ledgerId))
        defer { source.close() }
        guard source.count >= state.blocks else {
            throw BackupError("the backup's journal of ledger \(name) holds \(source.count) blocks; its manifest records \(state.blocks)")
        }
        var info = state.info
        info.divergence = nil
        let entry = LedgerRegistry.Entry(info: info)
        try registry.open(entry)
        registry.add(entry)
        let ledger = entry.ledger!
        // Runs of blocks, each verified on two cores and applied in one state-store batch.
        var start = 0
        while start < state.blocks {
            let end = min(start + Self.restoreRun, state.blocks)
            let records = try (start..<end).map { try source.read($0) }
            try ledger.beginBatch()
            var failure: Error?
            do {
                try ledger.appendReplicated(records: records) { block in
                    entry.recentHashes.record(block.address.sequenceNo, block.blockHash)
                }
            } catch {
                failure = error
            }
            try ledger.flushBatch()
            if let failure {
                throw BackupError("ledger \(name): block \(ledger.blockCount) of the backup does not verify: \(failure)")
            }
            start = end
        }
        try ledger.sync()
        var digest: String?
        if state.blocks > 0 {
            digest = LedgerStatusReport.hex(try ledger.digest().digest)
            guard digest == state.digest else {
                throw BackupError("ledger \(name): the restored journal's digest \(digest!) is not the backup's \(state.digest ?? "-")")
            }
        }
        return LedgerResult(name: name, blocks: state.blocks, digest: digest, seconds: 0)
    }
}

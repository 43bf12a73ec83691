import Foundation
import Replica
import Ion
import Ledger

/// The part of a backup that runs off the node's loop: copies each ledger's
/// journal records `[held, blocks)` from the node's open store into the
/// backup's store (the journal only appends, so what an earlier run copied is
/// still a prefix of it), syncs, then writes the manifest. Reading a node
/// store from another thread is safe (`FileJournalStore` locks each read).
struct BackupCopy {
    struct Job {
        var info: LedgerInfo
        var source: FileJournalStore
        var blocks: Int
        var digest: String?
    }

    var directory: String
    var jobs: [Job]
    /// The manifest to write once every journal is copied and synced (its `runs` get this run appended).
    var manifest: BackupManifest
    var incremental: Bool

    struct Outcome {
        var manifest: BackupManifest
        var copied: [String: Int]
        var seconds: Double
    }

    func run() throws -> Outcome {
        let started = Date()
        var copied: [String: Int] = [:]
        try FileManager.default.createDirectory(atPath: directory + "/ledgers", withIntermediateDirectories: true)
        for job in jobs {
            copied[job.info.name] = try copy(job)
        }
        var m = manifest
        m.runs.append(.init(takenAt: m.takenAt, incremental: incremental, appliedIndex: m.appliedIndex,
                            blocksCopied: copied.values.reduce(0, +)))
        try m.write(directory: directory)
        // Journals of ledgers deleted since an earlier run are not part of the backup any more.
        let keep = Set(jobs.map(\.info.ledgerId))
        let ledgersDirectory = directory + "/ledgers"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: ledgersDirectory)) ?? [] where !keep.contains(name) {
            try? FileManager.default.removeItem(atPath: ledgersDirectory + "/" + name)
        }
        return Outcome(manifest: m, copied: copied, seconds: Date().timeIntervalSince(started))
    }

    /// Appends the records the backup's journal lacks; returns how many.
    private func copy(_ job: Job) throws -> Int {
        let path = BackupManifest.journalDirectory(in: directory, ledgerId: job.info.ledgerId)
        if !incremental { try? FileManager.default.removeItem(atPath: path) }
        let target = try FileJournalStore.open(directory: path)
        defer { target.close() }
        let held = target.count
        guard held <= job.blocks else {
            throw BackupError("the backup's journal of ledger \(job.info.name) holds \(held) blocks, the node only \(job.blocks): \(directory) is a backup of another cluster")
        }
        if held > 0 {
            // The backup must be a prefix of this node's chain: same last block hash.
            let mine = try BackupCopy.blockHash(target.read(held - 1))
            let node = try BackupCopy.blockHash(job.source.read(held - 1))
            guard mine == node else {
                throw BackupError("the backup's block \(held - 1) of ledger \(job.info.name) is not the node's: \(directory) is a backup of another chain")
            }
        }
        for i in held..<job.blocks {
            try target.append(job.source.read(i))
        }
        try target.sync()
        return job.blocks - held
    }

    static func blockHash(_ record: [UInt8]) throws -> [UInt8] {
        try Block(ion: BlockCodec.decode(record)).blockHash
    }
}

/// A backup or restore refused or failed, with why (shown to the operator as is).
public struct BackupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

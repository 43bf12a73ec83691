import Foundation
import Ion

/// What `LedgerAudit.run` found in one ledger's files.
public struct LedgerAuditReport: Sendable, CustomStringConvertible {
    public var strandId: String?
    /// Journal records verified (the chain up to the first mismatch, if any).
    public var blocks = 0
    public var journalRecords = 0
    public var bytes = 0
    public var seconds = 0.0
    /// Blocks the state store holds (nil without a store).
    public var stateBlocks: Int?
    /// The digest recomputed from the journal, and the one from the state store's Merkle nodes.
    public var journalDigest: [UInt8] = []
    public var stateDigest: [UInt8]?
    /// Mismatches: a journal record that does not verify, or state that differs from the journal.
    public var mismatches: [JournalChainVerifier.Mismatch] = []
    /// All mismatches found (only the first few are listed).
    public var mismatchCount = 0
    /// Things that are not damage (a store behind the journal is caught up at open).
    public var notes: [String] = []

    public var isClean: Bool { mismatchCount == 0 }
    public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0 }

    public var description: String {
        var lines = ["\(isClean ? "OK" : "MISMATCH"): \(blocks) of \(journalRecords) blocks verified, \(bytes) bytes in "
            + String(format: "%.2f s (%.1f MB/s)", seconds, megabytesPerSecond)]
        if let strandId { lines.append("strand \(strandId)") }
        if !journalDigest.isEmpty { lines.append("digest (journal) \(Base64.encode(journalDigest))") }
        if let stateDigest, !stateDigest.isEmpty { lines.append("digest (state)   \(Base64.encode(stateDigest))") }
        if let stateBlocks { lines.append("state store: \(stateBlocks) blocks") }
        lines += notes.map { "note: \($0)" }
        lines += mismatches.map { "mismatch: \($0)" }
        if mismatchCount > mismatches.count { lines.append("... \(mismatchCount - mismatches.count) more mismatches") }
        return lines.joined(separator: "\n")
    }
}

/// Re-verifies a stopped ledger completely: the whole journal chain
/// (`JournalChainVerifier`: every revision hash, entries hash and block hash)
/// and the LMDB state store against it (each block summary and Merkle leaf,
/// the digest from the store's Merkle nodes against the one recomputed from
/// the journal, the block count). Reads only; the caller holds the journal
/// (its directory lock keeps a running node out).
public enum LedgerAudit {
    /// At most this many mismatches are listed per ledger (the count goes on).
    static let listed = 20

    public static func run(journal: JournalStore, stateDirectory: String?) -> LedgerAuditReport {
        let start = LedgerTime.monotonicNanoseconds()
        var report = check(journal: journal, stateDirectory: stateDirectory)
        report.seconds = Double(LedgerTime.monotonicNanoseconds() - start) / 1e9
        return report
    }

    static func check(journal: JournalStore, stateDirectory: String?) -> LedgerAuditReport {
        var report = LedgerAuditReport()
        report.journalRecords = journal.count
        let store = openState(stateDirectory, &report)
        defer { store?.close() }
        let state = store?.view
        let stateBlocks = state?.blockCount ?? 0
        report.stateBlocks = state.map { _ in stateBlocks }
        var verifier = JournalChainVerifier()
        do {
            try journal.forEach(from: 0) { _, record in
                report.bytes += record.count
                let block = try verifier.verify(record: record)
                if let state, block.address.sequenceNo < stateBlocks,
                   let problem = JournalChainVerifier.stateProblem(block, in: state) {
                    add(.init(sequenceNo: block.address.sequenceNo, reason: problem), to: &report)
                }
            }
        } catch let m as JournalChainVerifier.Mismatch {
            add(m, to: &report)
        } catch {
            add(.init(sequenceNo: verifier.verified, reason: "journal record does not read (\(error))"), to: &report)
        }
        report.strandId = verifier.strandId
        report.blocks = verifier.verified
        report.journalDigest = verifier.digest
        guard let state else { return report }
        if stateBlocks > report.journalRecords {
            add(.init(sequenceNo: report.journalRecords,
                      reason: "the state store holds \(stateBlocks) blocks, the journal \(report.journalRecords)"), to: &report)
        } else if stateBlocks < report.journalRecords {
            report.notes.append("the state store is \(report.journalRecords - stateBlocks) blocks behind the journal (replayed at open)")
        }
        if stateBlocks > 0, stateBlocks == report.blocks {
            let digest = StateMerkle(state: state).root(size: stateBlocks)
            report.stateDigest = digest
            if digest != report.journalDigest {
                add(.init(sequenceNo: stateBlocks - 1,
                          reason: "the digest from the state store's Merkle nodes differs from the journal's"), to: &report)
            }
        }
        return report
    }

    static func add(_ m: JournalChainVerifier.Mismatch, to report: inout LedgerAuditReport) {
        report.mismatchCount += 1
        if report.mismatches.count < listed { report.mismatches.append(m) }
    }

    /// The state store, unless there is none or it would be rebuilt anyway
    /// (then nothing in it is trusted and there is nothing to compare).
    static func openState(_ directory: String?, _ report: inout LedgerAuditReport) -> LMDBStateStore? {
        guard let directory else { return nil }
        guard FileManager.default.fileExists(atPath: directory + "/data.mdb") else {
            report.notes.append("no state store (it is built from the journal at open)")
            return nil
        }
        if StoreSyncMarker(path: directory + "/synced").wasDirtyInAnotherBoot {
            report.notes.append("the state store was being written when the machine went down: it is rebuilt at open, not compared")
            return nil
        }
        do {
            return try LMDBStateStore(directory: directory)
        } catch {
            add(.init(sequenceNo: 0, reason: "the state store does not open (\(error))"), to: &report)
            return nil
        }
    }
}

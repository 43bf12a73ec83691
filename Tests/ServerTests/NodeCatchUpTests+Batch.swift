import Foundation
import Ion
import XCTest
@testable import Ledger
@testable import Replica

/// Catch-up chunks applied in state-store batches (`applyCatchUpChunk`): one
/// LMDB transaction per ledger per chunk, committed before the call returns,
/// even when it fails; a failed commit stops the node and a restart replays.
extension NodeCatchUpTests {
    /// A leader with ledgers "big" (documents of ~100 KB: several chunks) and
    /// "small", and the commands that created them (for a lagging follower).
    private func bigLeader(_ dir: String, index: inout UInt64) throws -> (NodeStateMachine, [NodeCommand]) {
        let leader = try Self.machine(dir)
        let setup = try Self.setUp(leader, ["big", "small"], from: &index)
        let blob = String(repeating: "y", count: 100_000)
        for i in 0..<90 {
            let tx = leader.ledger(named: "big")!.begin()
            try tx.recordStatement(text: "INSERT INTO Cars ?", parameters: [])
            _ = try tx.insert(table: "Cars", document: .struct([("i", .int(i)), ("pad", .string(blob))]))
            try Self.apply(leader, [leader.transactionCommand(ledger: "big", proposal: try tx.commit()!)], from: &index)
        }
        try Self.apply(leader, try Self.transactions(leader, ledger: "small", count: 50, tag: "s"), from: &index)
        try leader.checkpoint()
        return (leader, setup)
    }

    private static func batchOpen(_ ledger: Ledger) -> Bool { (ledger.stateStore as? LMDBStateStore)?.batch != nil }

    /// `bigLeader` and a follower holding only its setup (ledgers already in the registry), with the
    /// manifest, the follower's last applied index and the blocks its ledger "big" holds.
    private func laggingFollower(_ dir: String) throws
        -> (leader: NodeStateMachine, manifest: [UInt8], follower: NodeStateMachine, index: UInt64, held: Int) {
        var li: UInt64 = 0
        let (leader, setup) = try bigLeader(dir + "/leader", index: &li)
        let follower = try Self.machine(dir + "/follower")
        var fi: UInt64 = 0
        try Self.apply(follower, setup, from: &fi)
        return (leader, leader.catchUpManifest(), follower, fi, follower.blockCount(ledger: "big")!)
    }

    func testBatchedChunksGiveTheLeadersStateAndLeaveNoBatchOpen() throws {
        let dir = makeTempDirectory(self)
        var li: UInt64 = 0
        let (leader, setup) = try bigLeader(dir + "/leader", index: &li)
        let manifest = leader.catchUpManifest()
        // One follower empty (staged ledgers), one lagging (ledgers already serving).
        let empty = try Self.machine(dir + "/empty")
        let lagging = try Self.machine(dir + "/lagging")
        var fi: UInt64 = 0
        try Self.apply(lagging, setup, from: &fi)
        for follower in [empty, lagging] {
            var cursor = try follower.beginCatchUp(manifest: manifest)
            var chunks = 0
            while let c = cursor {
                let (data, next) = try leader.catchUpChunk(manifest: manifest, cursor: c)
                try follower.applyCatchUpChunk(data)
                chunks += 1
                for t in follower.catchUpSession!.targets {
                    let ledger = t.entry!.ledger!
                    XCTAssertFalse(Self.batchOpen(ledger), "a batch left open after chunk \(chunks)")
                    XCTAssertEqual(ledger.store.count, ledger.blockCount, "the store committed every block of the chunk")
                    _ = JournalScrubber.snapshot(of: ledger)   // a snapshot can be taken between chunks
                }
                cursor = next
            }
            XCTAssertGreaterThanOrEqual(chunks, 2)
            try follower.finishCatchUp(index: li)
            assertSameLedgers(leader, follower)
            XCTAssertNil(follower.storageFailure)
        }
        // Reopened: each store's checkpoint is its journal's end (nothing to replay), and a
        // full scrub (every hash, block summary and Merkle node) finds nothing.
        for name in ["empty", "lagging"] {
            [empty, lagging][name == "empty" ? 0 : 1].close()
            let reopened = try Self.machine(dir + "/" + name)
            for ledgerName in ["big", "small"] {
                let ledger = try XCTUnwrap(reopened.ledger(named: ledgerName))
                XCTAssertEqual(ledger.openStats.blocks, 0, "\(name)/\(ledgerName)")
                XCTAssertEqual(ledger.openStats.fromCheckpoint, leader.blockCount(ledger: ledgerName), "\(name)/\(ledgerName)")
                let scrubber = JournalScrubber(ledger: ledger)
                XCTAssertEqual(scrubber.step(budgetBytes: Int.max, against: JournalScrubber.snapshot(of: ledger)).map(\.reason), [])
                XCTAssertEqual(scrubber.progress.passes, 1)
                XCTAssertEqual(try ledger.begin().scan(table: "Cars").count,
                               try leader.ledger(named: ledgerName)!.begin().scan(table: "Cars").count)
            }
            assertSameLedgers(leader, reopened)
            reopened.close()
        }
        leader.close()
    }

    func testAFailedBatchCommitStopsTheNodeAndARestartReplaysTheJournal() throws {
        defer { Failpoints.disarm() }
        let dir = makeTempDirectory(self)
        let (leader, manifest, follower, fi, held) = try laggingFollower(dir)

        Failpoints.arm(try .parse("state_commit=error", pathPrefix: dir + "/follower/"))
        let cursor = try XCTUnwrap(try follower.beginCatchUp(manifest: manifest))
        let (data, _) = try leader.catchUpChunk(manifest: manifest, cursor: cursor)
        XCTAssertThrowsError(try follower.applyCatchUpChunk(data)) { error in
            XCTAssertTrue("\(error)".contains("state store failed"), "\(error)")
        }
        let ledger = try XCTUnwrap(follower.registry.entry(named: "big")?.ledger)
        XCTAssertFalse(Self.batchOpen(ledger), "the failed chunk's batch is closed")
        XCTAssertNotNil(ledger.unusableReason)
        XCTAssertNotNil(follower.storageFailure)
        XCTAssertGreaterThan(ledger.store.count, held, "the chunk's blocks reached the journal")
        XCTAssertEqual(ledger.blockCount, held, "but not the state store")
        let journalBlocks = ledger.store.count
        follower.abortCatchUp()   // as the driver does after a failed chunk
        Failpoints.disarm()

        // The node takes nothing more: no entry, no other stream, no sync.
        let more = try Self.transactions(leader, ledger: "small", count: 1, tag: "after")
        guard case .rejected(.storageFailed) = follower.apply(index: fi + 1, command: more[0].encoded()) else {
            return XCTFail("a node whose state store failed applied an entry")
        }
        XCTAssertThrowsError(try follower.beginCatchUp(manifest: manifest))
        XCTAssertThrowsError(try follower.sync())
        XCTAssertEqual(ledger.store.count, journalBlocks)

        // Restart: the journal past the store's checkpoint is replayed, and the stream completes.
        follower.close()
        let restarted = try Self.machine(dir + "/follower")
        let reopened = try XCTUnwrap(restarted.registry.entry(named: "big")?.ledger)
        XCTAssertEqual(reopened.openStats.fromCheckpoint, held)
        XCTAssertEqual(reopened.openStats.blocks, journalBlocks - held)
        XCTAssertEqual(reopened.blockCount, journalBlocks)
        try Self.stream(from: leader, to: restarted, manifest: manifest)
        assertSameLedgers(leader, restarted)
        restarted.close()
        leader.close()
    }

    func testAFailedBatchCommitOfAStagedLedgerFailsOnlyTheStream() throws {
        defer { Failpoints.disarm() }
        let dir = makeTempDirectory(self)
        var li: UInt64 = 0
        let (leader, _) = try bigLeader(dir + "/leader", index: &li)
        let manifest = leader.catchUpManifest()
        let follower = try Self.machine(dir + "/follower")
        Failpoints.arm(try .parse("state_commit=error", pathPrefix: dir + "/follower/"))
        XCTAssertThrowsError(try Self.stream(from: leader, to: follower, manifest: manifest))
        follower.abortCatchUp()
        Failpoints.disarm()
        // The staged ledgers were never served and are dropped with their files: the next stream starts over.
        XCTAssertNil(follower.storageFailure)
        XCTAssertTrue(follower.registry.ledgerInfos.isEmpty)
        try Self.stream(from: leader, to: follower, manifest: manifest)
        assertSameLedgers(leader, follower)
        follower.close()
        leader.close()
    }

    func testARefusedBlockMidChunkCommitsTheBlocksBeforeIt() throws {
        let dir = makeTempDirectory(self)
        let (leader, manifest, follower, _, held) = try laggingFollower(dir)
        let cursor = try XCTUnwrap(try follower.beginCatchUp(manifest: manifest))
        var (data, _) = try leader.catchUpChunk(manifest: manifest, cursor: cursor)
        data[data.count - 1_000] ^= 0x01   // inside the last record's document: its revision hash no longer verifies
        XCTAssertThrowsError(try follower.applyCatchUpChunk(data)) { error in
            XCTAssertTrue("\(error)".contains("refused"), "\(error)")
        }
        let ledger = try XCTUnwrap(follower.registry.entry(named: "big")?.ledger)
        XCTAssertFalse(Self.batchOpen(ledger), "the refused chunk's batch is closed")
        XCTAssertGreaterThan(ledger.blockCount, held + 1, "the blocks before the refused one were applied")
        XCTAssertEqual(ledger.store.count, ledger.blockCount)
        XCTAssertNil(ledger.unusableReason)
        XCTAssertNil(follower.storageFailure)
        let kept = ledger.blockCount
        follower.abortCatchUp()
        // Committed: a restart finds them at the store's checkpoint, and the next stream resumes after them.
        follower.close()
        let restarted = try Self.machine(dir + "/follower")
        XCTAssertEqual(restarted.registry.entry(named: "big")?.ledger?.openStats.fromCheckpoint, kept)
        try Self.stream(from: leader, to: restarted, manifest: manifest)
        assertSameLedgers(leader, restarted)
        restarted.close()
        leader.close()
    }
}

/// `tally bench scale --phase catchup --path node` runs the node's catch-up to the loaded ledger's hash.
final class NodeCatchUpBenchmarkTests: XCTestCase {
    func testTheNodePathBenchmarkCatchesUpTheLoadedLedger() throws {
        let dir = makeTempDirectory(self)
        _ = try ScaleBenchmark.load(count: 40, directory: dir + "/scale")
        let (store, source) = try ScaleBenchmark.open(dir + "/scale")
        defer { source.close(); store.close() }
        let report = try NodeCatchUpBenchmark.run(source: source, blocks: 30, directory: dir + "/node")
        XCTAssertTrue(report.hasPrefix("catch-up: 30 blocks in "), report)
        XCTAssertTrue(report.contains("node path"), report)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/node"), "the node's directory is removed")
    }
}

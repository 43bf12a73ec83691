import Foundation
import Ion
import XCTest
@testable import LMDB
@testable import Ledger
@testable import Replica

/// A batch of committed entries applied as `RaftDriver.apply` does it
/// (`startApplying`, each `apply`, `finishApplying`): one state-store commit
/// per ledger per batch (or per many, held open as a follower does), the same
/// ledgers as entry-by-entry, and a failed commit stops the node until a
/// restart replays the journal.
extension NodeCatchUpTests {
    private static func batchOpen(_ ledger: Ledger) -> Bool { (ledger.stateStore as? LMDBStateStore)?.batch != nil }

    private static func lmdbTransactions(_ ledger: Ledger) throws -> Int {
        try XCTUnwrap(ledger.stateStore as? LMDBStateStore).env.info().lastTransactionID
    }

    /// A leader and a follower state machine, both holding `ledgers` with table Cars, and their last applied indexes.
    private static func leaderAndFollower(_ dir: String, ledgers: [String])
        throws -> (leader: NodeStateMachine, follower: NodeStateMachine, leaderIndex: UInt64, followerIndex: UInt64) {
        let leader = try machine(dir + "/leader")
        let follower = try machine(dir + "/follower")
        var li: UInt64 = 0
        var fi: UInt64 = 0
        try apply(follower, try setUp(leader, ledgers, from: &li), from: &fi)
        return (leader, follower, li, fi)
    }

    /// Applies `commands` from `index + 1` on in batches of `size`, as the driver does.
    @discardableResult
    private static func applyInBatches(_ machine: NodeStateMachine, _ commands: [NodeCommand], size: Int, hold: Bool = false,
                                       from index: inout UInt64, during: (() -> Void)? = nil) -> (results: [ApplyResult], failures: [String]) {
        var results: [ApplyResult] = []
        var failures: [String] = []
        var start = 0
        while start < commands.count {
            machine.startApplying()
            for c in commands[start ..< min(start + size, commands.count)] {
                index += 1
                results.append(machine.apply(index: index, command: c.encoded()))
            }
            during?()
            if let failure = machine.finishApplying(hold: hold) { failures.append(failure) }
            start += size
        }
        return (results, failures)
    }

    func testABatchOfAppliesCommitsTheStateStoreOncePerLedgerAndGivesTheSameLedgers() throws {
        let dir = makeTempDirectory(self)
        let pair = try Self.leaderAndFollower(dir, ledgers: ["a", "b"])
        let (leader, follower) = (pair.leader, pair.follower)
        var (li, fi) = (pair.leaderIndex, pair.followerIndex)
        // Interleaved transactions of two ledgers, applied one by one on the leader.
        var commands: [NodeCommand] = []
        for round in 0..<5 {
            for name in ["a", "b"] {
                let batch = try Self.transactions(leader, ledger: name, count: 4, tag: "\(name)\(round)")
                try Self.apply(leader, batch, from: &li)
                commands += batch
            }
        }
        let a = try XCTUnwrap(follower.ledger(named: "a"))
        let b = try XCTUnwrap(follower.ledger(named: "b"))
        let (txA, txB) = (try Self.lmdbTransactions(a), try Self.lmdbTransactions(b))
        let (results, failures) = Self.applyInBatches(follower, commands, size: 10, from: &fi, during: {
            XCTAssertTrue(Self.batchOpen(a) && Self.batchOpen(b), "both ledgers write into one batch each")
        })
        XCTAssertEqual(failures, [])
        XCTAssertEqual(results.filter { if case .applied = $0 { return true } else { return false } }.count, 40)
        XCTAssertFalse(Self.batchOpen(a) || Self.batchOpen(b), "no batch outlives finishApplying")
        // 40 blocks in 4 batches: 4 state-store commits per ledger, not 20.
        XCTAssertEqual(try Self.lmdbTransactions(a) - txA, 4)
        XCTAssertEqual(try Self.lmdbTransactions(b) - txB, 4)
        _ = JournalScrubber.snapshot(of: a)   // snapshots can be taken between batches
        try follower.sync()
        assertSameLedgers(leader, follower)
        XCTAssertEqual(try a.begin().scan(table: "Cars").count, 20)

        // Reopened: the store's checkpoint is the journal's end, and a full scrub finds nothing.
        follower.close()
        let reopened = try Self.machine(dir + "/follower")
        for name in ["a", "b"] {
            let ledger = try XCTUnwrap(reopened.ledger(named: name))
            XCTAssertEqual(ledger.openStats.blocks, 0, name)
            let scrubber = JournalScrubber(ledger: ledger)
            XCTAssertEqual(scrubber.step(budgetBytes: Int.max, against: JournalScrubber.snapshot(of: ledger)).map(\.reason), [])
        }
        assertSameLedgers(leader, reopened)
        reopened.close()
        leader.close()
    }

    func testARefusedEntryInsideABatchChangesNothingAndTheRestApply() throws {
        let dir = makeTempDirectory(self)
        let pair = try Self.leaderAndFollower(dir, ledgers: ["a"])
        let (leader, follower) = (pair.leader, pair.follower)
        var (li, fi) = (pair.leaderIndex, pair.followerIndex)
        let good = try Self.transactions(leader, ledger: "a", count: 6, tag: "g")
        try Self.apply(leader, good, from: &li)
        // The third command again (a duplicate insert): refused alike on every node.
        let commands = Array(good[0..<3]) + [good[2]] + Array(good[3...])
        let (results, failures) = Self.applyInBatches(follower, commands, size: 7, from: &fi)
        XCTAssertEqual(failures, [])
        guard case .rejected(.occConflict) = results[3] else { return XCTFail("\(results[3])") }
        XCTAssertNil(follower.storageFailure)
        try follower.sync()
        assertSameLedgers(leader, follower)
        follower.close()
        leader.close()
    }

    func testAFailedBatchCommitStopsTheNodeAndARestartReplaysTheBatchFromTheJournal() throws {
        defer { Failpoints.disarm() }
        let dir = makeTempDirectory(self)
        let pair = try Self.leaderAndFollower(dir, ledgers: ["a"])
        let (leader, follower) = (pair.leader, pair.follower)
        var (li, fi) = (pair.leaderIndex, pair.followerIndex)
        let first = try Self.transactions(leader, ledger: "a", count: 5, tag: "f")
        try Self.apply(leader, first, from: &li)
        Self.applyInBatches(follower, first, size: 5, from: &fi)
        try follower.sync()
        let ledger = try XCTUnwrap(follower.ledger(named: "a"))
        let held = ledger.blockCount

        let second = try Self.transactions(leader, ledger: "a", count: 5, tag: "s")
        try Self.apply(leader, second, from: &li)
        Failpoints.arm(try .parse("state_commit=error", pathPrefix: dir + "/follower/"))
        let (_, failures) = Self.applyInBatches(follower, second, size: 5, from: &fi)
        Failpoints.disarm()
        XCTAssertEqual(failures.count, 1)
        XCTAssertNotNil(follower.storageFailure)
        XCTAssertNotNil(ledger.unusableReason)
        XCTAssertFalse(Self.batchOpen(ledger))
        XCTAssertEqual(ledger.store.count, held + 5, "the batch's blocks reached the journal")
        XCTAssertEqual(ledger.blockCount, held, "but not the state store")
        // The node takes nothing more.
        let more = try Self.transactions(leader, ledger: "a", count: 1, tag: "m")
        guard case .rejected(.storageFailed) = follower.apply(index: fi + 1, command: more[0].encoded()) else {
            return XCTFail("a node whose state store failed applied an entry")
        }
        XCTAssertThrowsError(try follower.sync())

        // The journal is not synced by a failed node; a restart replays what it holds past the checkpoint.
        try ledger.store.sync()
        follower.close()
        let restarted = try Self.machine(dir + "/follower")
        let reopened = try XCTUnwrap(restarted.ledger(named: "a"))
        XCTAssertEqual(reopened.openStats.fromCheckpoint, held)
        XCTAssertEqual(reopened.blockCount, held + 5)
        XCTAssertEqual(try reopened.digest().digest, try leader.ledger(named: "a")!.digest().digest)
        restarted.close()
        leader.close()
    }

    func testAFollowerHoldsItsBatchAcrossRoundsUntilASnapshotOrASync() throws {
        let dir = makeTempDirectory(self)
        let pair = try Self.leaderAndFollower(dir, ledgers: ["a", "b"])
        let (leader, follower) = (pair.leader, pair.follower)
        var (li, fi) = (pair.leaderIndex, pair.followerIndex)
        var commands: [NodeCommand] = []
        for round in 0..<4 {
            for name in ["a", "b"] {
                let batch = try Self.transactions(leader, ledger: name, count: 5, tag: "\(name)\(round)")
                try Self.apply(leader, batch, from: &li)
                commands += batch
            }
        }
        let a = try XCTUnwrap(follower.ledger(named: "a"))
        let b = try XCTUnwrap(follower.ledger(named: "b"))
        let (txA, txB) = (try Self.lmdbTransactions(a), try Self.lmdbTransactions(b))
        let blocksA = a.blockCount
        let first = Self.applyInBatches(follower, Array(commands[..<20]), size: 5, hold: true, from: &fi)
        XCTAssertEqual(first.failures, [])
        XCTAssertTrue(Self.batchOpen(a) && Self.batchOpen(b), "held open across four rounds")
        XCTAssertEqual(try Self.lmdbTransactions(a) - txA, 0)
        XCTAssertEqual(a.blockCount, blocksA + 10, "the ledger reads its held blocks")

        // A reader on another thread takes its snapshot on the ledger's thread: the held batch commits first.
        do {
            let snapshot = JournalScrubber.snapshot(of: a)   // released at the end of this block
            XCTAssertFalse(Self.batchOpen(a))
            XCTAssertTrue(Self.batchOpen(b), "only the ledger read is committed")
            XCTAssertEqual(snapshot.blockCount, a.blockCount)
            XCTAssertEqual(try Self.lmdbTransactions(a) - txA, 1)
        }

        // More held rounds; a statement's snapshot commits its ledger's batch (all eight rounds of b, once).
        let second = Self.applyInBatches(follower, Array(commands[20...]), size: 5, hold: true, from: &fi)
        XCTAssertEqual(second.failures, [])
        XCTAssertTrue(Self.batchOpen(a) && Self.batchOpen(b))
        do {
            let statement = b.begin()
            statement.beginStatement()
            XCTAssertFalse(Self.batchOpen(b))
            XCTAssertEqual(try statement.scan(table: "Cars").count, 20)
            statement.endStatement()
        }
        XCTAssertEqual(try Self.lmdbTransactions(b) - txB, 1, "eight rounds of ledger b, one commit")

        // The periodic sync commits (and fsyncs) the rest.
        XCTAssertTrue(Self.batchOpen(a))
        try follower.sync()
        XCTAssertFalse(Self.batchOpen(a) || Self.batchOpen(b))
        XCTAssertEqual(try Self.lmdbTransactions(a) - txA, 2)
        XCTAssertEqual(try Self.lmdbTransactions(b) - txB, 1)
        assertSameLedgers(leader, follower)

        // Reopened: the store's checkpoint is the journal's end.
        follower.close()
        let reopened = try Self.machine(dir + "/follower")
        for name in ["a", "b"] {
            XCTAssertEqual(try XCTUnwrap(reopened.ledger(named: name)).openStats.blocks, 0, name)
        }
        assertSameLedgers(leader, reopened)
        reopened.close()
        leader.close()
    }

    func testARoundNotHeldCommitsTheHeldBatchesWithItsOwn() throws {
        let dir = makeTempDirectory(self)
        let pair = try Self.leaderAndFollower(dir, ledgers: ["a", "b"])
        let (leader, follower) = (pair.leader, pair.follower)
        var (li, fi) = (pair.leaderIndex, pair.followerIndex)
        let forA = try Self.transactions(leader, ledger: "a", count: 6, tag: "a")
        try Self.apply(leader, forA, from: &li)
        let forB = try Self.transactions(leader, ledger: "b", count: 3, tag: "b")
        try Self.apply(leader, forB, from: &li)
        let a = try XCTUnwrap(follower.ledger(named: "a"))
        let b = try XCTUnwrap(follower.ledger(named: "b"))
        Self.applyInBatches(follower, forA, size: 3, hold: true, from: &fi)
        XCTAssertTrue(Self.batchOpen(a))
        // The next round (only ledger b's entries) is not held: ledger a's held batch commits too.
        XCTAssertEqual(Self.applyInBatches(follower, forB, size: 3, hold: false, from: &fi).failures, [])
        XCTAssertFalse(Self.batchOpen(a) || Self.batchOpen(b))
        try follower.sync()
        assertSameLedgers(leader, follower)
        follower.close()
        leader.close()
    }

    func testAHeldBatchThatFailsToCommitStopsTheNode() throws {
        defer { Failpoints.disarm() }
        let dir = makeTempDirectory(self)
        let pair = try Self.leaderAndFollower(dir, ledgers: ["a"])
        let (leader, follower) = (pair.leader, pair.follower)
        var (li, fi) = (pair.leaderIndex, pair.followerIndex)
        let commands = try Self.transactions(leader, ledger: "a", count: 6, tag: "h")
        try Self.apply(leader, commands, from: &li)
        XCTAssertEqual(Self.applyInBatches(follower, commands, size: 2, hold: true, from: &fi).failures, [])
        Failpoints.arm(try .parse("state_commit=error", pathPrefix: dir + "/follower/"))
        XCTAssertThrowsError(try follower.sync())
        Failpoints.disarm()
        XCTAssertNotNil(follower.storageFailure)
        let ledger = try XCTUnwrap(follower.ledger(named: "a"))
        XCTAssertNotNil(ledger.unusableReason)
        let more = try Self.transactions(leader, ledger: "a", count: 1, tag: "m")
        guard case .rejected(.storageFailed) = follower.apply(index: fi + 1, command: more[0].encoded()) else {
            return XCTFail("a node whose held batch failed to commit applied an entry")
        }
        follower.close()
        leader.close()
    }
}

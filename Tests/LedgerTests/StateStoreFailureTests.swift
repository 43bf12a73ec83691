import Ion
import XCTest
@testable import Ledger

/// A state store whose next apply fails, as an LMDB write does on a full disk.
private final class FailingStateStore: StateStore {
    let inner = MemoryStateStore()
    var failNextApply = false
    var view: any StateView { inner.view }
    func snapshot() -> any StateView { inner.snapshot() }
    func apply(_ block: Block) throws {
        if failNextApply {
            failNextApply = false
            throw POSIXError(.ENOSPC)
        }
        try inner.apply(block)
    }
    func reset() throws { try inner.reset() }
    func sync(alongside journalSync: @escaping () throws -> Void) throws { try journalSync() }
    func close() {}
}

/// Found by the chaos campaign (disk-full nemesis): a state-store write that
/// failed after the journal append was a `preconditionFailure`, so a full disk
/// crashed the node. It is now a storage error, and the ledger takes no more
/// blocks (nothing more reaches the journal) until it is reopened, which
/// replays the journal past the store.
final class StateStoreFailureTests: XCTestCase {
    private func insert(_ ledger: Ledger, _ n: Int) throws -> BlockProposal {
        let tx = ledger.begin()
        try tx.recordStatement(text: "INSERT INTO T ?", parameters: [])
        _ = try tx.insert(table: "T", document: doc(("n", .int(n))))
        return try XCTUnwrap(try ledger.prepare(tx))
    }

    func testAFailedStateStoreWriteStopsTheLedgerAndAReopenReplaysIt() throws {
        let journal = MemoryJournalStore()
        let stateStore = FailingStateStore()
        let clock = FakeClock()
        let options = Ledger.Options(ids: IDGenerator(SeededGenerator(seed: 3)), clock: { clock.now }, elapsedClock: { clock.now })
        let ledger = Ledger(strandId: "strand0000000000000000", store: journal, stateStore: stateStore, options: options)
        try ledger.run("CREATE TABLE T") { tx in _ = try tx.createTable(name: "T", tags: []) }
        try ledger.apply(try insert(ledger, 1))
        XCTAssertEqual(ledger.blockCount, 2)

        stateStore.failNextApply = true
        let failing = try insert(ledger, 2)
        XCTAssertThrowsError(try ledger.apply(failing)) { error in
            guard case LedgerError.stateStoreFailed(let seq, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(seq, 2)
        }
        XCTAssertEqual(journal.count, 3, "the block reached the journal before the store failed")
        XCTAssertEqual(ledger.blockCount, 2)

        // Nothing more is appended: another block would not chain in the journal.
        let next = try insert(ledger, 3)
        XCTAssertThrowsError(try ledger.apply(next)) { error in
            guard case LedgerError.stateStoreFailed = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(journal.count, 3)

        // Reopened from the journal: every block verifies and the state has all three.
        let reopened = try Ledger.open(store: journal, options: options)
        XCTAssertEqual(reopened.blockCount, 3)
        let rows = try reopened.begin().scan(table: "T")
        XCTAssertEqual(rows.count, 2)
    }
}

/// A batch of replicated blocks (catch-up, `Ledger.beginBatch`) whose LMDB
/// commit fails (`state_commit=error`): the blocks are in the journal, not in
/// the store, so the ledger must take nothing more until it is reopened, and
/// the reopen replays them from the journal.
final class StateBatchFailureTests: XCTestCase {
    override func tearDown() { Failpoints.disarm() }

    /// A ledger of `blocks` workload blocks (the leader whose records are replicated).

    func testAFailedBatchCommitStopsTheLedgerAndAReopenReplaysIt() throws {
        let source = try workloadLedger(seed: 17, blocks: 30)
        let dir = NSTemporaryDirectory() + "state-batch-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journal = MemoryJournalStore()
        let options = Ledger.Options(stateDirectory: dir)
        let ledger = try Ledger.open(store: journal, strandId: source.strandId, options: options)
        try ledger.beginBatch()
        try ledger.appendReplicated(from: source, 0..<10)
        try ledger.flushBatch()
        XCTAssertNil(ledger.unusableReason)

        Failpoints.arm(try .parse("state_commit=error", pathPrefix: dir + "/"))
        try ledger.beginBatch()
        try ledger.appendReplicated(from: source, 10..<20)
        XCTAssertEqual(ledger.blockCount, 20, "the batch's own reads see its blocks")
        XCTAssertThrowsError(try ledger.flushBatch()) { error in
            guard case LedgerError.stateStoreFailed(let seq, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(seq, 10)
        }
        XCTAssertEqual(journal.count, 20, "the batch's blocks reached the journal")
        XCTAssertEqual(ledger.blockCount, 10, "the store holds the last committed batch")
        XCTAssertNotNil(ledger.unusableReason)
        Failpoints.disarm()
        // Nothing more is appended: the next block would not chain in the journal.
        XCTAssertThrowsError(try ledger.appendReplicated(record: source.journalRecord(sequenceNo: 10)))
        XCTAssertThrowsError(try ledger.appendReplicated(record: source.journalRecord(sequenceNo: 20)))
        XCTAssertEqual(journal.count, 20)
        ledger.close()

        let reopened = try Ledger.open(store: journal, options: options)
        XCTAssertEqual(reopened.openStats.fromCheckpoint, 10)
        XCTAssertEqual(reopened.openStats.blocks, 10, "the blocks past the store's checkpoint are replayed")
        XCTAssertNil(reopened.unusableReason)
        try reopened.appendReplicated(from: source, 20..<source.blockCount)
        XCTAssertEqual(try reopened.digest().digest, try source.digest().digest)
        reopened.close()
    }

    /// A process that dies mid-batch leaves the journal's records (written, unsynced) and the store
    /// as of its last commit: emulated by dropping the open LMDB transaction uncommitted.
    func testACrashMidBatchLeavesTheJournalAheadAndTheReopenReplaysIt() throws {
        let source = try workloadLedger(seed: 23, blocks: 25)
        let dir = NSTemporaryDirectory() + "state-crash-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (journal, ledger) = try diskReplica(of: source, in: dir, firstBatch: 0..<8)
        try ledger.beginBatch()
        try ledger.appendReplicated(from: source, 8..<20)
        let store = try XCTUnwrap(ledger.stateStore as? LMDBStateStore)
        store.batch?.abort()   // the crash: the batch's transaction never commits
        store.batch = nil
        store.renew()
        ledger.close()
        journal.close()

        let (journalAgain, reopened) = try reopenDiskReplica(in: dir)
        defer { journalAgain.close() }
        defer { reopened.close() }
        XCTAssertEqual(journalAgain.count, 20)
        XCTAssertEqual(reopened.openStats.fromCheckpoint, 8)
        XCTAssertEqual(reopened.openStats.blocks, 12)
        XCTAssertNil(reopened.openStats.rebuilt)
        try reopened.appendReplicated(from: source, 20..<source.blockCount)
        XCTAssertEqual(try reopened.digest().digest, try source.digest().digest)
    }
}

import Foundation
import XCTest
@testable import Ledger

/// `FileJournalStore.beginBuffering` / `endBuffering`: a batch's records are
/// written in one go, are readable before that, and a failed write takes them
/// all back and stops the store; `Ledger.flushBatch` writes them before the
/// state store commits.
final class JournalBufferingTests: XCTestCase {
    override func tearDown() {
        Failpoints.disarm()
    }

    func directory() -> String { temporaryPath("tally-buffering") }

    func record(_ i: Int) -> [UInt8] { Array("record \(i) ".utf8) + [UInt8](repeating: UInt8(i & 0xFF), count: i % 37) }

    func segmentBytes(_ dir: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".seg") }.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size] as? Int) ?? 0)
        }
    }

    func testBufferedRecordsAreWrittenTogetherAndReadableBefore() throws {
        let dir = directory()
        let store = try FileJournalStore.open(directory: dir, segmentSize: 1 << 20)
        for i in 0..<3 { try store.append(record(i)) }
        let before = segmentBytes(dir)
        store.beginBuffering()
        for i in 3..<50 { XCTAssertEqual(try store.append(record(i)), i) }
        XCTAssertEqual(store.count, 50)
        XCTAssertEqual(segmentBytes(dir), before, "nothing written yet")
        XCTAssertEqual(try store.read(2), record(2))
        XCTAssertEqual(segmentBytes(dir), before, "reading an earlier record writes nothing")
        try store.endBuffering()
        XCTAssertGreaterThan(segmentBytes(dir), before)
        for i in 0..<50 { XCTAssertEqual(try store.read(i), record(i)) }
        try store.sync()
        store.close()
        let reopened = try FileJournalStore.open(directory: dir, segmentSize: 1 << 20)
        defer { reopened.close() }
        XCTAssertEqual(reopened.count, 50)
        XCTAssertTrue(reopened.recoveryReport.isClean)
        var seen: [[UInt8]] = []
        try reopened.forEach(from: 0) { _, r in seen.append(r) }
        XCTAssertEqual(seen, (0..<50).map(record))
    }

    func testReadsSyncsAndScansOfBufferedRecordsWriteThemFirst() throws {
        let dir = directory()
        let store = try FileJournalStore.open(directory: dir)
        store.beginBuffering()
        for i in 0..<5 { try store.append(record(i)) }
        XCTAssertEqual(try store.read(4), record(4), "a buffered record is readable")
        try store.append(record(5))
        var scanned = 0
        try store.forEach(from: 0) { i, r in
            XCTAssertEqual(r, record(i))
            scanned += 1
        }
        XCTAssertEqual(scanned, 6)
        try store.append(record(6))
        try store.sync()
        XCTAssertEqual(store.syncedCount, 7, "sync covers buffered records")
        try store.endBuffering()
        store.close()
        let reopened = try FileJournalStore.open(directory: dir)
        defer { reopened.close() }
        XCTAssertEqual(reopened.count, 7)
        XCTAssertEqual(reopened.recoveryReport.unsyncedRecordsKept, 0)
    }

    func testBufferedRecordsRollSegments() throws {
        let dir = directory()
        let store = try FileJournalStore.open(directory: dir, segmentSize: 200)
        store.beginBuffering()
        for i in 0..<40 { XCTAssertEqual(try store.append(record(i)), i) }
        try store.endBuffering()
        try store.sync()
        store.close()
        let reopened = try FileJournalStore.open(directory: dir, segmentSize: 200)
        defer { reopened.close() }
        XCTAssertEqual(reopened.count, 40)
        XCTAssertGreaterThan((try FileManager.default.contentsOfDirectory(atPath: dir)).filter { $0.hasSuffix(".seg") }.count, 3)
        for i in 0..<40 { XCTAssertEqual(try reopened.read(i), record(i)) }
    }

    func testAFailedBufferedWriteTakesTheRecordsBackAndStopsTheStore() throws {
        let dir = directory()
        let store = try FileJournalStore.open(directory: dir)
        for i in 0..<4 { try store.append(record(i)) }
        try store.sync()
        store.beginBuffering()
        for i in 4..<9 { try store.append(record(i)) }
        Failpoints.arm(try .parse("journal_write=error", pathPrefix: dir + "/"))
        XCTAssertThrowsError(try store.endBuffering()) { error in
            XCTAssertTrue("\(error)".contains("No space") || "\(error)".contains("ENOSPC") || "\(error)".contains("28"), "\(error)")
        }
        Failpoints.disarm()
        XCTAssertEqual(store.count, 4, "the buffered records are taken back")
        XCTAssertThrowsError(try store.append(record(9)), "the store is unusable until reopened")
        store.close()
        let reopened = try FileJournalStore.open(directory: dir)
        defer { reopened.close() }
        XCTAssertEqual(reopened.count, 4)
        XCTAssertTrue(reopened.recoveryReport.isClean)
    }

    /// The ledger writes a batch's journal records before the state store
    /// commits; if that write fails, the store's batch is dropped too, the
    /// ledger stops, and a reopen continues from the last good batch.
    func testAFailedJournalWriteDropsTheStateBatchAndAReopenContinues() throws {
        let source = try workloadLedger(seed: 31, blocks: 30)
        let dir = directory()
        let (journal, ledger) = try diskReplica(of: source, in: dir, firstBatch: 0..<10)

        try ledger.beginBatch()
        try ledger.appendReplicated(from: source, 10..<20)
        Failpoints.arm(try .parse("journal_write=error", pathPrefix: dir + "/journal/"))
        XCTAssertThrowsError(try ledger.flushBatch()) { error in
            guard case LedgerError.stateStoreFailed = error else { return XCTFail("\(error)") }
        }
        Failpoints.disarm()
        XCTAssertNotNil(ledger.unusableReason)
        XCTAssertEqual(ledger.blockCount, 10, "the state store's batch was dropped, not committed")
        XCTAssertThrowsError(try ledger.appendReplicated(record: source.journalRecord(sequenceNo: 10)))
        ledger.close()
        journal.close()

        let (journalAgain, reopened) = try reopenDiskReplica(in: dir)
        defer { journalAgain.close() }
        defer { reopened.close() }
        XCTAssertEqual(journalAgain.count, 10)
        XCTAssertEqual(reopened.openStats.fromCheckpoint, 10)
        XCTAssertNil(reopened.openStats.rebuilt, "the store was never ahead of the journal")
        try reopened.appendReplicated(from: source, 10..<source.blockCount)
        XCTAssertEqual(try reopened.digest().digest, try source.digest().digest)
    }
}

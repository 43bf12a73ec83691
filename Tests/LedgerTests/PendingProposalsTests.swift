import Ion
import XCTest
@testable import Ledger

/// The union of pending proposals' writes counts each write: a table two
/// proposals write stays held until both have left.
final class PendingProposalsTests: XCTestCase {
    private func writes(documents: [String] = [], tables: [String] = [], names: [String] = [],
                        timestampMs: Int64 = 0) -> Ledger.PendingWrites {
        var w = Ledger.PendingWrites()
        w.documentIds = Set(documents)
        w.tableIds = Set(tables)
        w.tableNames = Set(names)
        w.timestampMs = timestampMs
        return w
    }

    func testAWriteStaysHeldUntilEveryProposalWithItHasLeft() {
        var p = PendingProposals()
        p.insert(writes(documents: ["a"], tables: ["T"], timestampMs: 5), for: "tx1")
        p.insert(writes(documents: ["b"], tables: ["T"], timestampMs: 7), for: "tx2")
        XCTAssertEqual(p.count, 2)
        XCTAssertTrue(p.tableIds.contains("T"))
        XCTAssertEqual(p.latestTimestampMs, 7)

        XCTAssertEqual(p.remove("tx1")?.timestampMs, 5)
        XCTAssertFalse(p.documentIds.contains("a"))
        XCTAssertTrue(p.documentIds.contains("b"))
        XCTAssertTrue(p.tableIds.contains("T"), "tx2 still writes T")
        XCTAssertNil(p.remove("tx1"), "removing twice changes nothing")
        XCTAssertTrue(p.tableIds.contains("T"))

        p.remove("tx2")
        XCTAssertTrue(p.isEmpty)
        XCTAssertFalse(p.tableIds.contains("T"))
        XCTAssertEqual(p.latestTimestampMs, .min, "no pending proposal holds a timestamp back")
    }

    func testPreparingATransactionAgainReplacesItsWrites() {
        var p = PendingProposals()
        p.insert(writes(documents: ["a"]), for: "tx1")
        p.insert(writes(documents: ["b"]), for: "tx1")
        XCTAssertEqual(p.count, 1)
        XCTAssertFalse(p.documentIds.contains("a"))
        p.remove("tx1")
        XCTAssertFalse(p.documentIds.contains("b"))
    }

    func testRemoveAllKeepsTheOthersWrites() {
        var p = PendingProposals()
        var old = writes(names: ["T"])
        old.generation = 1
        var current = writes(names: ["T", "U"])
        current.generation = 2
        p.insert(old, for: "old")
        p.insert(current, for: "current")
        p.removeAll { $0.generation < 2 }
        XCTAssertEqual(p.count, 1)
        XCTAssertTrue(p.tableNames.contains("T"), "the current proposal still renames T")
        XCTAssertTrue(p.tableNames.contains("U"))
    }

    /// Two proposals write table T; one applies. A transaction that scanned T
    /// must still conflict with the other, not yet applied.
    func testAScanConflictsWithTheSecondOfTwoPendingWritesAfterTheFirstApplied() throws {
        let ledger = try makeLedger()
        try ledger.run { tx in _ = try tx.createTable(name: "T", tags: []) }

        let scanner = ledger.begin()
        XCTAssertEqual(try scanner.scan(table: "T").count, 0)
        _ = try scanner.insert(table: "T", document: doc(("n", .int(0))))

        let first = ledger.begin()
        _ = try first.insert(table: "T", document: doc(("n", .int(1))))
        let second = ledger.begin()
        _ = try second.insert(table: "T", document: doc(("n", .int(2))))
        let one = try XCTUnwrap(try ledger.prepare(first))
        XCTAssertNotNil(try ledger.prepare(second))
        try ledger.apply(one)
        XCTAssertEqual(ledger.pendingCount, 1)

        // The first's write is now in the state (a committed conflict); drop it
        // from the picture with a reader that began after it.
        let reader = ledger.begin()
        XCTAssertEqual(try reader.scan(table: "T").count, 1)
        _ = try reader.insert(table: "T", document: doc(("n", .int(3))))
        XCTAssertThrowsError(try ledger.prepare(reader)) { error in
            guard let conflict = error as? OccConflict else { return XCTFail("\(error)") }
            XCTAssertTrue(conflict.reason.contains("committing transaction"), conflict.reason)
        }
        XCTAssertThrowsError(try ledger.prepare(scanner)) { XCTAssertTrue($0 is OccConflict) }
    }

    func testAProposalTakesNoEarlierTimestampThanOnePending() throws {
        let clock = FakeClock()
        let ledger = try Ledger.open(store: MemoryJournalStore(), strandId: nil,
                                     options: Ledger.Options(ids: IDGenerator(SeededGenerator(seed: 3)),
                                                             clock: { clock.now }, elapsedClock: { clock.now }))
        try ledger.run { tx in _ = try tx.createTable(name: "T", tags: []) }
        clock.advance(1_000)
        let first = ledger.begin()
        _ = try first.insert(table: "T", document: doc(("n", .int(1))))
        let a = try XCTUnwrap(try ledger.prepare(first))
        clock.advance(-500)   // the wall clock steps back
        let second = ledger.begin()
        _ = try second.insert(table: "T", document: doc(("n", .int(2))))
        let b = try XCTUnwrap(try ledger.prepare(second))
        XCTAssertEqual(b.timestampMs, a.timestampMs)
    }
}

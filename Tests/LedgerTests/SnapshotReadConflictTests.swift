import Ion
import XCTest
@testable import Ledger

/// A commit skips the committed-state half of its conflict check when the
/// ledger has applied no block since the first state the transaction read
/// (a statement's snapshot, or the live state for a statement run on the loop).
final class SnapshotReadConflictTests: XCTestCase {
    /// A ledger with T indexed on k (documents k=1 and k=2), and a transaction begun on it.
    private func readerOfIndexedTable() throws -> (Ledger, LedgerTransaction) {
        let ledger = try makeLedger()
        _ = try fillIndexedTable(ledger)
        return (ledger, ledger.begin())
    }

    /// Another transaction commits a document with k=1 (a block applied).
    private func commitKeyOne(_ ledger: Ledger) throws {
        try ledger.run { _ = try $0.insert(table: "T", document: doc(("k", .int(1)))) }
    }

    private func assertConflict(_ reader: LedgerTransaction, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try reader.commit(), file: file, line: line) { XCTAssertTrue($0 is OccConflict, "\($0)", file: file, line: line) }
    }

    /// Reads key k through the index inside a statement, as the server runs statements.
    private func statementReadingKey(_ k: Int, _ tx: LedgerTransaction) throws -> Int {
        tx.beginStatement()
        defer { tx.endStatement() }
        return try tx.lookup(table: "T", field: "k", value: .int(k)).count
    }

    func testStatementReadsOfAnUnchangedLedgerSkipTheCommittedCheck() throws {
        let (ledger, reader) = try readerOfIndexedTable()
        XCTAssertEqual(try statementReadingKey(1, reader), 1)
        XCTAssertTrue(reader.readSet.isCurrent(in: ledger.state))
        XCTAssertNil(try reader.commit(), "read-only: nothing to journal")
        XCTAssertEqual(reader.status, .committed)
    }

    func testAStatementReadConflictsWithABlockAppliedAfterItsSnapshot() throws {
        let (ledger, reader) = try readerOfIndexedTable()
        XCTAssertEqual(try statementReadingKey(1, reader), 1)
        try commitKeyOne(ledger)
        XCTAssertFalse(reader.readSet.isCurrent(in: ledger.state))
        assertConflict(reader)
        XCTAssertEqual(reader.status, .aborted)
    }

    /// A statement off the loop reads its snapshot while blocks are applied: the snapshot's count is noted, not the ledger's.
    func testASnapshotReadAfterABlockWasAppliedConflicts() throws {
        let (ledger, reader) = try readerOfIndexedTable()
        reader.beginStatement()
        try commitKeyOne(ledger)
        XCTAssertEqual(try reader.lookup(table: "T", field: "k", value: .int(1)).count, 1, "the snapshot, before the insert")
        reader.endStatement()
        XCTAssertFalse(reader.readSet.isCurrent(in: ledger.state))
        assertConflict(reader)
    }

    /// The first statement's snapshot counts, not a later one taken after the change.
    func testAnEarlierStatementsReadConflictsThoughALaterSnapshotIsCurrent() throws {
        let (ledger, reader) = try readerOfIndexedTable()
        XCTAssertEqual(try statementReadingKey(1, reader), 1)
        try commitKeyOne(ledger)
        XCTAssertEqual(try statementReadingKey(7, reader), 0)
        assertConflict(reader)
    }

    /// A read of the live state (a statement run on the loop) counts like a snapshot's.
    func testALiveReadConflictsThoughALaterSnapshotIsCurrent() throws {
        let (ledger, reader) = try readerOfIndexedTable()
        XCTAssertEqual(try reader.lookup(table: "T", field: "k", value: .int(1)).count, 1)   // no snapshot
        try commitKeyOne(ledger)
        XCTAssertEqual(try statementReadingKey(7, reader), 0)   // a snapshot of the changed ledger
        XCTAssertFalse(reader.readSet.isCurrent(in: ledger.state))
        assertConflict(reader)
    }

    func testLiveReadsOfAnUnchangedLedgerSkipTheCommittedCheck() throws {
        let (ledger, reader) = try readerOfIndexedTable()
        XCTAssertEqual(try reader.lookup(table: "T", field: "k", value: .int(1)).count, 1)
        _ = try reader.insert(table: "T", document: doc(("k", .int(3))))
        XCTAssertTrue(reader.readSet.isCurrent(in: ledger.state))
        XCTAssertNotNil(try reader.commit())
    }

    /// A proposal prepared but not applied leaves the block count as it was: still a conflict.
    func testAPendingProposalStillConflictsWithACurrentSnapshot() throws {
        let ledger = try makeLedger()
        let (one, _) = try fillIndexedTable(ledger)
        let writer = ledger.begin()
        try writer.update(table: "T", id: one, document: doc(("k", .int(1)), ("v", .string("x"))))
        let reader = ledger.begin()
        XCTAssertEqual(try statementReadingKey(1, reader), 1)
        _ = try XCTUnwrap(writer.commit())
        XCTAssertTrue(reader.readSet.isCurrent(in: ledger.state))
        assertConflict(reader)
    }
}

/// `hasActiveTable(named:)` answers as `activeTables()` does, resolving one name.
final class ActiveTableByNameTests: XCTestCase {
    func testItAgreesWithTheListThroughDDLInTheTransaction() throws {
        let ledger = try makeLedger()
        _ = try fillIndexedTable(ledger)
        let tx = ledger.begin()
        _ = try tx.createTable(name: "New", tags: [])
        _ = try tx.dropTable(name: "T")
        for name in ["T", "New", "new", "Missing", ""] {
            XCTAssertEqual(tx.hasActiveTable(named: name), tx.activeTables().contains { $0.name == name }, name)
        }
        XCTAssertTrue(tx.hasActiveTable(named: "New"))
        XCTAssertFalse(tx.hasActiveTable(named: "T"))
    }

    /// A name found absent is a read: a table of that name committed meanwhile is a conflict.
    func testAnAbsentNameConflictsWithTheTableCreatedMeanwhile() throws {
        let ledger = try makeLedger()
        _ = try fillIndexedTable(ledger)
        let tx = ledger.begin()
        XCTAssertFalse(tx.hasActiveTable(named: "Later"))
        _ = try tx.insert(table: "T", document: doc(("k", .int(9))))
        try ledger.run { _ = try $0.createTable(name: "Later", tags: []) }
        XCTAssertThrowsError(try tx.commit()) { XCTAssertTrue($0 is OccConflict, "\($0)") }
    }

    /// A statement's repeated resolutions are remembered per block count: a block in between is seen.
    func testAResolutionAfterABlockSeesTheCatalogChange() throws {
        let ledger = try makeLedger()
        _ = try fillIndexedTable(ledger)
        let tx = ledger.begin()
        XCTAssertTrue(tx.hasActiveTable(named: "T"))
        XCTAssertTrue(tx.hasActiveTable(named: "T"))
        try ledger.run { _ = try $0.dropTable(name: "T") }
        XCTAssertFalse(tx.hasActiveTable(named: "T"), "dropped by a block since")
        XCTAssertFalse(tx.hasActiveTable(named: "U"))
        try ledger.run { _ = try $0.createTable(name: "U", tags: []) }
        XCTAssertTrue(tx.hasActiveTable(named: "U"), "created by a block since")
        XCTAssertThrowsError(try tx.commit()) { XCTAssertTrue($0 is OccConflict, "\($0)") }
    }
}

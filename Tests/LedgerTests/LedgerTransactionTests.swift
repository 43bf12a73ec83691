import Ion
import PartiQL
import XCTest
@testable import Ledger

final class LedgerTransactionTests: XCTestCase {
    /// A ledger with table T indexed on k and documents k=1 and k=2.
    func setUpIndexed() throws -> (Ledger, one: String, two: String) {
        let ledger = try makeLedger()
        let (one, two) = try fillIndexedTable(ledger)
        return (ledger, one, two)
    }

    func testIndexKeyReadDoesNotConflictWithWriteToAnotherKey() throws {
        let (ledger, _, two) = try setUpIndexed()
        let reader = ledger.begin()
        XCTAssertEqual(try reader.lookup(table: "T", field: "k", value: .int(1)).count, 1)
        _ = try reader.insert(table: "T", document: doc(("k", .int(3))))

        try ledger.run { try $0.update(table: "T", id: two, document: doc(("k", .int(2)), ("v", .string("changed")))) }
        XCTAssertNotNil(try ledger.commit(reader))
    }

    func testIndexKeyReadConflictsWithWriteToThatKey() throws {
        let (ledger, _, _) = try setUpIndexed()
        let reader = ledger.begin()
        _ = try reader.lookup(table: "T", field: "k", value: .int(1))
        _ = try reader.insert(table: "T", document: doc(("k", .int(4))))
        try ledger.run { _ = try $0.insert(table: "T", document: doc(("k", .int(1)))) }
        XCTAssertThrowsError(try reader.commit()) { XCTAssertTrue($0 is OccConflict, "\($0)") }
        XCTAssertEqual(reader.status, .aborted)
    }

    func testScanConflictsWithAnyWriteToTheTable() throws {
        let (ledger, _, two) = try setUpIndexed()
        let reader = ledger.begin()
        XCTAssertEqual(try reader.scan(table: "T").count, 2)
        _ = try reader.insert(table: "T", document: doc(("k", .int(9))))
        try ledger.run { try $0.update(table: "T", id: two, document: doc(("k", .int(5)))) }
        XCTAssertThrowsError(try ledger.commit(reader)) { XCTAssertTrue($0 is OccConflict) }
    }

    func testVersionReadConflictsOnUpdate() throws {
        let (ledger, one, two) = try setUpIndexed()
        let tx = ledger.begin()
        XCTAssertNotNil(try tx.document(table: "T", id: one))
        try tx.update(table: "T", id: one, document: doc(("k", .int(1)), ("v", .string("mine"))))
        try ledger.run { try $0.update(table: "T", id: one, document: doc(("k", .int(1)), ("v", .string("theirs")))) }
        XCTAssertThrowsError(try ledger.commit(tx)) { XCTAssertTrue($0 is OccConflict) }

        // Reading another document does not conflict.
        let other = ledger.begin()
        _ = try other.document(table: "T", id: two)
        try other.update(table: "T", id: two, document: doc(("k", .int(2))))
        try ledger.run { try $0.update(table: "T", id: one, document: doc(("k", .int(1)))) }
        XCTAssertNotNil(try ledger.commit(other))
    }

    func testPreparedButUnappliedProposalsAreConflicts() throws {
        let (ledger, one, _) = try setUpIndexed()
        let first = ledger.begin()
        try first.update(table: "T", id: one, document: doc(("k", .int(1)), ("v", .string("x"))))
        let second = ledger.begin()
        try second.update(table: "T", id: one, document: doc(("k", .int(1)), ("v", .string("y"))))
        let proposal = try XCTUnwrap(first.commit())
        XCTAssertThrowsError(try second.commit()) { XCTAssertTrue($0 is OccConflict) }
        try ledger.apply(proposal)
        XCTAssertEqual(ledger.state.document(one)?.version, 1)
        // A stale proposal is rejected identically on every node, state unchanged.
        let stale = proposal
        XCTAssertThrowsError(try ledger.apply(stale)) { error in
            guard case LedgerError.invalidProposal = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(ledger.blockCount, 3)
    }

    func testOwnWritesAreVisibleAndOneRevisionPerDocument() throws {
        let (ledger, one, _) = try setUpIndexed()
        let tx = ledger.begin()
        try tx.recordStatement(text: "UPDATE 1", parameters: [])
        try tx.update(table: "T", id: one, document: doc(("k", .int(7))))
        try tx.recordStatement(text: "UPDATE 2", parameters: [])
        try tx.update(table: "T", id: one, document: doc(("k", .int(8))))
        let new = try tx.insert(table: "T", document: doc(("k", .int(8))))
        XCTAssertEqual(Set(try tx.lookup(table: "T", field: "k", value: .int(8)).map(\.id)), [one, new])
        XCTAssertTrue(try tx.lookup(table: "T", field: "k", value: .int(1)).isEmpty)
        XCTAssertEqual(try tx.scan(table: "T").count, 3)
        XCTAssertNil(try tx.document(table: "T", id: new)?.metadata)
        try tx.delete(table: "T", id: new)
        XCTAssertNil(try tx.document(table: "T", id: new))
        let block = try XCTUnwrap(ledger.commit(tx))
        XCTAssertEqual(block.revisions.count, 1)
        XCTAssertEqual(block.revisions[0].data, doc(("k", .int(8))))
        XCTAssertEqual(block.revisions[0].metadata.version, 1)
        let info = try XCTUnwrap(block.transactionInfo[field: "documents"]?[field: one])
        XCTAssertEqual(try IonRead.list(info, "statements"), [.int(0), .int(1)])
        XCTAssertEqual(ledger.state.lookup(tableId: ledger.tableId(named: "T")!, field: "k", value: .int(8))?.map(\.id), [one])
    }

    func testReadOnlyCommitHasNoProposal() throws {
        let (ledger, _, _) = try setUpIndexed()
        let tx = ledger.begin()
        try tx.recordStatement(text: "SELECT * FROM T", parameters: [])
        _ = try tx.scan(table: "T")
        XCTAssertNil(try tx.commit())
        XCTAssertEqual(tx.commitDigest, QLDBHash.commitDigest(transactionID: tx.transactionID,
                                                              statements: [("SELECT * FROM T", [])]))
        XCTAssertThrowsError(try tx.scan(table: "T")) { XCTAssertTrue($0 is TransactionClosed) }
    }

    func testQuotas() throws {
        var limits = LedgerLimits()
        limits.documentSize = 1000
        limits.transactionSize = 20_000
        let clock = FakeClock()
        let ledger = try makeLedger(clock: clock, limits: limits)
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }

        let many = ledger.begin()
        for i in 0..<40 { _ = try many.insert(table: "T", document: doc(("i", .int(i)))) }
        XCTAssertThrowsError(try many.insert(table: "T", document: doc(("i", .int(40))))) { error in
            XCTAssertEqual((error as? LimitExceeded)?.limit, "documentsPerTransaction")
        }

        let big = ledger.begin()
        XCTAssertThrowsError(try big.insert(table: "T", document: doc(("s", .string(String(repeating: "x", count: 1000)))))) { error in
            XCTAssertEqual((error as? LimitExceeded)?.limit, "documentSize")
            XCTAssertTrue("\(error)".contains("1000"))
        }

        let large = ledger.begin()
        XCTAssertThrowsError(try {
            for _ in 0..<30 { _ = try large.insert(table: "T", document: doc(("s", .string(String(repeating: "y", count: 900))))) }
        }()) { XCTAssertEqual(($0 as? LimitExceeded)?.limit, "transactionSize") }

        let slow = ledger.begin()
        clock.advance(30_001)
        XCTAssertThrowsError(try slow.insert(table: "T", document: doc())) { error in
            XCTAssertTrue(error is TransactionClosed)
            XCTAssertTrue("\(error)".contains("30 s"))
        }

        let ddl = ledger.begin()
        for i in 0..<20 { _ = try ddl.createIndex(table: "T", field: "f\(i)") }
        XCTAssertThrowsError(try ddl.createIndex(table: "T", field: "f20")) {
            XCTAssertEqual(($0 as? LimitExceeded)?.limit, "indexesPerTable")
        }
        XCTAssertThrowsError(try ddl.insert(table: "T", document: .int(1))) { XCTAssertTrue($0 is CatalogError) }
        XCTAssertThrowsError(try ddl.scan(table: "Missing")) { XCTAssertTrue($0 is CatalogError) }
        XCTAssertThrowsError(try ddl.createTable(name: "T", tags: [])) { XCTAssertTrue($0 is CatalogError) }
        XCTAssertThrowsError(try ddl.createTable(name: "9bad", tags: [])) { XCTAssertTrue($0 is CatalogError) }
    }

    func testDDLLifecycle() throws {
        let ledger = try makeLedger()
        var tableId = ""
        try ledger.run { tableId = try $0.createTable(name: "Cars", tags: []) }
        var indexId = ""
        try ledger.run {
            XCTAssertEqual(try $0.createIndex(table: "Cars", field: "VIN"), tableId)
            _ = try $0.insert(table: "Cars", document: doc(("VIN", .string("V1"))))
        }
        let rows = ledger.userTableRows()
        XCTAssertEqual(rows.count, 1)
        let indexes = try IonRead.list(rows[0], "indexes")
        XCTAssertEqual(try IonRead.string(indexes[0], "expr"), "[VIN]")
        XCTAssertEqual(try IonRead.string(indexes[0], "status"), "ONLINE")
        indexId = try IonRead.string(indexes[0], "indexId")
        XCTAssertEqual(try IonRead.string(rows[0], "status"), "ACTIVE")
        XCTAssertEqual(try IonRead.string(rows[0], "name"), "Cars")

        try ledger.run { XCTAssertEqual(try $0.dropIndex(table: "Cars", indexID: indexId), tableId) }
        try ledger.run { XCTAssertEqual(try $0.dropTable(name: "Cars"), tableId) }
        XCTAssertEqual(try IonRead.string(ledger.userTableRows()[0], "status"), "INACTIVE")
        XCTAssertNil(ledger.tableId(named: "Cars"))
        // history() by id still works for a dropped table.
        let tx = ledger.begin()
        XCTAssertEqual(try tx.history(table: tableId, start: nil, end: nil).count, 1)
        XCTAssertEqual(try tx.userTables().count, 1)
        XCTAssertNil(try tx.commit())
        try ledger.run { XCTAssertEqual(try $0.undropTable(id: tableId), tableId) }
        XCTAssertEqual(ledger.tableId(named: "Cars"), tableId)
        // Index built for existing documents at creation.
        try ledger.run { _ = try $0.createIndex(table: "Cars", field: "VIN") }
        XCTAssertEqual(ledger.state.lookup(tableId: tableId, field: "VIN", value: .string("V1"))?.count, 1)
        // The catalog revisions are in the journal.
        let first = try ledger.block(at: BlockAddress(strandId: ledger.strandId, sequenceNo: 0))
        XCTAssertEqual(try first.documentTables()[tableId]?.tableId, Ledger.catalogTableId)
    }
}

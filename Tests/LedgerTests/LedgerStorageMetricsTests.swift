import Ion
import PartiQL
import XCTest
@testable import Ledger

/// The IndexedStorage estimate QLDB's metric reports: history and index entries.
final class LedgerStorageMetricsTests: XCTestCase {
    func testIndexedStorageFollowsDocumentsHistoryAndIndexes() throws {
        let ledger = try Ledger.open(store: MemoryJournalStore())
        let engine = PartiQLEngine()
        func run(_ statement: String) throws {
            let tx = ledger.begin()
            try tx.recordStatement(text: statement, parameters: [])
            _ = try engine.execute(statement: statement, parameters: [], catalog: tx)
            if let proposal = try tx.commit() { _ = try ledger.apply(proposal) }
        }
        try run("CREATE TABLE T")
        XCTAssertEqual(ledger.indexedStorageBytes, 0)
        try run("INSERT INTO T VALUE {'k': 1, 'pad': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}")
        let one = ledger.indexedStorageBytes
        XCTAssertGreaterThan(one, StateCounters.revisionOverhead + 32)
        try run("CREATE INDEX ON T (k)")
        XCTAssertEqual(ledger.indexedStorageBytes, one + StateCounters.indexEntryBytes)
        try run("UPDATE T SET k = 2")
        let updated = ledger.indexedStorageBytes
        XCTAssertGreaterThan(updated, one + StateCounters.indexEntryBytes, "history keeps the old revision")
        try run("DELETE FROM T")
        XCTAssertEqual(ledger.indexedStorageBytes, updated + StateCounters.revisionOverhead - StateCounters.indexEntryBytes)
    }
}

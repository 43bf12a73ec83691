import Foundation
import Ion
import XCTest
@testable import Ledger

/// A commit's conflict check reads only document versions (heads, on LMDB),
/// not the documents: each conflict it must see, on both state stores.
final class ConflictCheckTests: XCTestCase {
    private var directories: [String] = []

    override func tearDown() {
        for d in directories { try? FileManager.default.removeItem(atPath: d) }
        directories = []
    }

    /// T indexed on k, documents k=1 (`one`) and k=2 (`two`), in memory and on LMDB.
    private func ledgers() throws -> [(name: String, ledger: Ledger, one: String, two: String)] {
        let dir = NSTemporaryDirectory() + "conflict-check-\(UUID().uuidString)"
        directories.append(dir)
        let clock = FakeClock()
        let onDisk = try Ledger.open(store: MemoryJournalStore(), strandId: nil,
                                     options: Ledger.Options(ids: IDGenerator(SeededGenerator(seed: 1)), clock: { clock.now },
                                                             elapsedClock: { clock.now }, stateDirectory: dir))
        return try [("memory", try makeLedger()), ("lmdb", onDisk)].map { name, ledger in
            let (one, two) = try fillIndexedTable(ledger)
            return (name, ledger, one, two)
        }
    }

    /// A transaction that read key k through the index (finding `finds`
    /// documents) and wrote something, so its commit is checked.
    private func readingKey(_ k: Int, finds: Int, in ledger: Ledger, _ store: String,
                            file: StaticString = #filePath, line: UInt = #line) throws -> LedgerTransaction {
        let tx = ledger.begin()
        XCTAssertEqual(try tx.lookup(table: "T", field: "k", value: .int(k)).count, finds, store, file: file, line: line)
        _ = try tx.insert(table: "T", document: doc(("k", .int(100 + k))))
        return tx
    }

    private func assertConflict(_ ledger: Ledger, _ tx: LedgerTransaction, _ store: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ledger.commit(tx), store, file: file, line: line) {
            XCTAssertTrue($0 is OccConflict, "\(store): \($0)", file: file, line: line)
        }
    }

    func testAnIndexReadSeesAnUpdateADeleteAndAnInsertUnderItsKey() throws {
        for (store, ledger, one, _) in try ledgers() {
            // Another revision of the document it found.
            var tx = try readingKey(1, finds: 1, in: ledger, store)
            try ledger.run { try $0.update(table: "T", id: one, document: doc(("k", .int(1)), ("v", .string("z")))) }
            assertConflict(ledger, tx, store)

            // The document it found deleted.
            tx = try readingKey(1, finds: 1, in: ledger, store)
            try ledger.run { try $0.delete(table: "T", id: one) }
            assertConflict(ledger, tx, store)

            // A new document under the key it read (found nothing).
            tx = try readingKey(1, finds: 0, in: ledger, store)
            try ledger.run { _ = try $0.insert(table: "T", document: doc(("k", .int(1)))) }
            assertConflict(ledger, tx, store)
        }
    }

    func testAnIndexReadIgnoresOtherKeysAndADocumentMovingAway() throws {
        for (store, ledger, _, two) in try ledgers() {
            var tx = try readingKey(1, finds: 1, in: ledger, store)
            try ledger.run { try $0.update(table: "T", id: two, document: doc(("k", .int(2)), ("v", .string("c")))) }
            XCTAssertNoThrow(try ledger.commit(tx), store)

            // A document moved off the key it read is a change to that key.
            tx = try readingKey(2, finds: 1, in: ledger, store)
            try ledger.run { try $0.update(table: "T", id: two, document: doc(("k", .int(3)))) }
            assertConflict(ledger, tx, store)
        }
    }

    func testADocumentReadSeesItsNextRevisionOnly() throws {
        for (store, ledger, one, two) in try ledgers() {
            var tx = ledger.begin()
            XCTAssertNotNil(try tx.document(table: "T", id: one), store)
            try tx.update(table: "T", id: one, document: doc(("k", .int(1)), ("v", .string("mine"))))
            try ledger.run { try $0.delete(table: "T", id: one) }
            assertConflict(ledger, tx, store)

            tx = ledger.begin()
            XCTAssertNotNil(try tx.document(table: "T", id: two), store)
            try tx.update(table: "T", id: two, document: doc(("k", .int(2)), ("v", .string("mine"))))
            try ledger.run { _ = try $0.insert(table: "T", document: doc(("k", .int(9)))) }
            XCTAssertNoThrow(try ledger.commit(tx), store)
        }
    }
}

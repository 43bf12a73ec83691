import Ion
import XCTest
@testable import Ledger

/// A leader that lost office mid-commit keeps the proposal's pending writes;
/// when it leads again and has applied its term's first entry, those that
/// never committed are forgotten — else their documents and tables refuse
/// every later transaction with an OCC conflict (found by the chaos campaign).
final class LedgerPendingGenerationTests: XCTestCase {
    func testProposalsOfAnEarlierLeadershipAreForgottenOnceSettled() throws {
        let ledger = try makeLedger()
        try ledger.run { tx in _ = try tx.createTable(name: "T", tags: []) }
        var id = ""
        try ledger.run { tx in id = try tx.insert(table: "T", document: doc(("n", .int(1)))) }

        // Prepared, then its leader lost office: never applied.
        let lost = ledger.begin()
        try lost.update(table: "T", id: id, document: doc(("n", .int(2))))
        XCTAssertNotNil(try ledger.prepare(lost))
        XCTAssertEqual(ledger.pendingCount, 1)

        let generation = ledger.startPendingGeneration()
        // While unsettled, the document is still held by the lost proposal.
        let early = ledger.begin()
        _ = try early.document(table: "T", id: id)
        try early.update(table: "T", id: id, document: doc(("n", .int(3))))
        XCTAssertThrowsError(try ledger.prepare(early)) { XCTAssertTrue($0 is OccConflict) }

        // A proposal of the new leadership stays pending through the settle.
        let current = ledger.begin()
        _ = try current.insert(table: "T", document: doc(("n", .int(9))))
        XCTAssertNotNil(try ledger.prepare(current))

        ledger.abandonPending(before: generation)
        XCTAssertEqual(ledger.pendingCount, 1, "only this leadership's proposal is left")
        let later = ledger.begin()
        _ = try later.document(table: "T", id: id)
        try later.update(table: "T", id: id, document: doc(("n", .int(4))))
        XCTAssertNotNil(try ledger.prepare(later), "the lost proposal no longer blocks the document")
    }
}

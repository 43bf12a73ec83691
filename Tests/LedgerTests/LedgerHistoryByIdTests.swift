import Ion
import PartiQL
import XCTest
@testable import Ledger

/// `history(T) AS h WHERE h.metadata.id = ?` reads one document's revisions:
/// the same rows as a full scan of the history, and a conflict only with that document.
final class LedgerHistoryByIdTests: XCTestCase {
    func testOneDocumentsHistoryEqualsTheFilteredScanAndReadsOnlyThatDocument() throws {
        let clock = FakeClock()
        let ledger = try makeLedger(clock: clock)
        let engine = PartiQLEngine()
        func run(_ statement: String, _ parameters: [IonValue] = []) throws -> [IonValue] {
            let tx = ledger.begin()
            let values = try engine.execute(statement: statement, parameters: parameters, catalog: tx)
            try ledger.commit(tx)
            return values
        }
        _ = try run("CREATE TABLE T")
        var ids: [String] = []
        for n in 0..<5 {
            clock.advance(1000)
            ids.append(try XCTUnwrap(run("INSERT INTO T VALUE {'n': \(n)}").first?[field: "documentId"].flatMap {
                if case .string(let s) = $0.content { return s } else { return nil } }))
        }
        for round in 1...3 {
            for (i, id) in ids.enumerated() where i % 2 == 0 || round == 2 {
                clock.advance(1000)
                _ = try run("UPDATE T AS t BY pk SET t.round = \(round) WHERE pk = ?", [.string(id)])
            }
        }
        for id in ids {
            let direct = try run("SELECT * FROM history(T) AS h WHERE h.metadata.id = ?", [.string(id)])
            let scanned = try run("SELECT * FROM history(T) AS h WHERE h.metadata.id || '' = ?", [.string(id)])
            XCTAssertFalse(direct.isEmpty)
            XCTAssertEqual(direct.map(BlockCodec.text), scanned.map(BlockCodec.text))
        }
        // Another document's write does not conflict with a one-document history read.
        let reader = ledger.begin()
        _ = try engine.execute(statement: "SELECT * FROM history(T) AS h WHERE h.metadata.id = ?",
                               parameters: [.string(ids[0])], catalog: reader)
        _ = try run("UPDATE T AS t BY pk SET t.other = 1 WHERE pk = ?", [.string(ids[1])])
        XCTAssertNoThrow(try ledger.commit(reader))
        // The same document's write does.
        let second = ledger.begin()
        _ = try engine.execute(statement: "SELECT * FROM history(T) AS h WHERE h.metadata.id = ?",
                               parameters: [.string(ids[0])], catalog: second)
        _ = try run("UPDATE T AS t BY pk SET t.other = 2 WHERE pk = ?", [.string(ids[0])])
        XCTAssertThrowsError(try ledger.commit(second)) { XCTAssertTrue($0 is OccConflict, "\($0)") }
    }
}

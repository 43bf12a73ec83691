import Ion
import PartiQL
import XCTest
@testable import Ledger

/// An index lookup finds exactly what a scan with PartiQL's `=` finds: numbers
/// by value, timestamps by instant, strings and symbols by text.
final class LedgerIndexEqualityTests: XCTestCase {
    func testIndexedAndScannedEqualityAgree() throws {
        let ledger = try Ledger.open(store: MemoryJournalStore())
        let engine = PartiQLEngine()
        func run(_ statement: String) throws -> [IonValue] {
            let tx = ledger.begin()
            try tx.recordStatement(text: statement, parameters: [])
            let result = try engine.execute(statement: statement, parameters: [], catalog: tx)
            if let proposal = try tx.commit() { _ = try ledger.apply(proposal) }
            return result
        }
        _ = try run("CREATE TABLE Indexed")
        _ = try run("CREATE TABLE Plain")
        _ = try run("CREATE INDEX ON Indexed (k)")
        for table in ["Indexed", "Plain"] {
            for (i, value) in ["1", "2.50", "`2021-01-01T00:00Z`", "'abc'", "`sym`", "[1, 2]", "{'a': 1}"].enumerated() {
                _ = try run("INSERT INTO \(table) VALUE {'k': \(value), 'n': \(i)}")
            }
        }
        let probes = ["1.0", "1e0", "1", "2.5", "`2.500`", "`2021-01-01T00:00:00.000Z`", "`2021-01-01T01:00+01:00`",
                      "`abc`", "'sym'", "[1.0, 2e0]", "{'a': 1.00}", "3", "'ABC'"]
        for probe in probes {
            let indexed = try run("SELECT VALUE n FROM Indexed WHERE k = \(probe)").map { Ion.writeText([$0]) }.sorted()
            let scanned = try run("SELECT VALUE n FROM Plain WHERE k = \(probe)").map { Ion.writeText([$0]) }.sorted()
            XCTAssertEqual(indexed, scanned, "k = \(probe)")
        }
        XCTAssertEqual(try run("SELECT VALUE n FROM Indexed WHERE k = 1.0").count, 1)
        let plan = try engine.explain(statement: "SELECT * FROM Indexed WHERE k = 1.0", catalog: ledger.begin())
        XCTAssertTrue(Ion.writeText([plan]).contains("index"), Ion.writeText([plan]))
    }
}

import Ion
import PartiQL
import XCTest
@testable import Ledger

final class LedgerSelectStarByTests: XCTestCase {
    func testSelectStarWithByCarriesTheDocumentId() throws {
        let ledger = try makeLedger()
        let engine = PartiQLEngine()
        var tx = ledger.begin()
        _ = try engine.execute(statement: "CREATE TABLE Cars", catalog: tx)
        try ledger.commit(tx)
        tx = ledger.begin()
        let inserted = try engine.execute(statement: "INSERT INTO Cars VALUE {'VIN': 'V1'}", catalog: tx)
        try ledger.commit(tx)
        let id = try XCTUnwrap(inserted.first?[field: "documentId"])
        tx = ledger.begin()
        let rows = try engine.execute(statement: "SELECT * FROM Cars AS c BY cid WHERE c.VIN = 'V1'", catalog: tx)
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?[field: "VIN"], .string("V1"))
        XCTAssertEqual(rows.first?[field: "cid"], id, "SELECT * includes the BY variable")
    }
}

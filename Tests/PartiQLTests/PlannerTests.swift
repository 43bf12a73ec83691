import Ion
import XCTest
@testable import PartiQL

/// Index lookup vs scan, the read sets that result, and EXPLAIN.
final class PlannerTests: XCTestCase {
    let engine = PartiQLEngine()

    func seeded() throws -> FakeCatalog {
        let c = FakeCatalog()
        for s in ["CREATE TABLE Vehicle", "CREATE INDEX ON Vehicle (VIN)", "CREATE TABLE Owner", "CREATE INDEX ON Owner (vin)",
                  "INSERT INTO Vehicle << {'VIN': 'V1', 'Make': 'Tesla'}, {'VIN': 'V2', 'Make': 'Ford'} >>",
                  "INSERT INTO Owner << {'vin': 'V1', 'name': 'Ann'}, {'vin': 'V2', 'name': 'Bob'} >>"] {
            _ = try engine.execute(statement: s, catalog: c)
        }
        c.readSet = []
        return c
    }

    func testIndexedEqualityUsesLookup() throws {
        let c = try seeded()
        let r = try engine.execute(statement: "SELECT * FROM Vehicle AS v WHERE v.VIN = 'V1'", catalog: c)
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(c.readSet, ["key:Vehicle.VIN=\"V1\""])
    }

    func testUnqualifiedFieldAndParameterUseLookup() throws {
        let c = try seeded()
        _ = try engine.execute(statement: "SELECT * FROM Vehicle WHERE VIN = ?", parameters: [.string("V2")], catalog: c)
        XCTAssertEqual(c.readSet, ["key:Vehicle.VIN=\"V2\""])
    }

    func testInListUsesLookups() throws {
        let c = try seeded()
        let r = try engine.execute(statement: "SELECT * FROM Vehicle v WHERE v.VIN IN ('V1', 'V2', 'V9')", catalog: c)
        XCTAssertEqual(r.count, 2)
        XCTAssertEqual(c.readSet.count, 3)
        XCTAssertTrue(c.readSet.allSatisfy { $0.hasPrefix("key:") })
    }

    /// `open` tries to stream a query first; one it cannot stream (an index
    /// lookup) runs on the plans made for that try, with the same results as `execute`.
    func testOpenPlansAQueryItCannotStreamOnce() throws {
        let c = try seeded()
        let statements: [(String, [IonValue])] = [
            ("SELECT * FROM Vehicle WHERE VIN = ?", [.string("V2")]),
            ("SELECT v.Make FROM Vehicle AS v WHERE v.VIN IN ('V1', 'V2', 'V9')", []),
            ("SELECT o.name FROM Vehicle AS v JOIN Owner AS o ON o.vin = v.VIN WHERE v.VIN = 'V2'", []),
            ("SELECT COUNT(*) AS n FROM Vehicle v WHERE v.Make = 'Ford'", []),
            ("SELECT * FROM Vehicle v WHERE v.VIN = 'V1' AND v.Make IN (SELECT VALUE o.name FROM Owner o)", []),
        ]
        for (statement, parameters) in statements {
            let expected = try engine.execute(statement: statement, parameters: parameters, catalog: c)
            c.indexedFieldsCalls = 0
            c.readSet = []
            guard case .values(let values) = try engine.open(statement: statement, parameters: parameters, catalog: c) else {
                return XCTFail("\(statement) streamed")
            }
            XCTAssertEqual(values, expected, statement)
            let sources = statement.contains("JOIN") || statement.contains("(SELECT") ? 2 : 1
            XCTAssertEqual(c.indexedFieldsCalls, sources, "planned more than once: \(statement)")
        }
    }

    func testUnindexedPredicateScans() throws {
        let c = try seeded()
        _ = try engine.execute(statement: "SELECT * FROM Vehicle v WHERE v.Make = 'Ford'", catalog: c)
        XCTAssertEqual(c.readSet, ["table:Vehicle"])
        c.readSet = []
        _ = try engine.execute(statement: "SELECT * FROM Vehicle v WHERE v.VIN > 'V1'", catalog: c)
        XCTAssertEqual(c.readSet, ["table:Vehicle"], "ranges are not indexed")
    }

    func testJoinInnerSideUsesLookup() throws {
        let c = try seeded()
        let r = try engine.execute(statement: "SELECT o.name FROM Vehicle AS v JOIN Owner AS o ON o.vin = v.VIN WHERE v.VIN = 'V2'", catalog: c)
        XCTAssertEqual(r, [.struct([("name", .string("Bob"))])])
        XCTAssertEqual(c.readSet, ["key:Vehicle.VIN=\"V2\"", "key:Owner.vin=\"V2\""])
    }

    /// OCC as Ledger will do it: a write conflicts with a transaction whose read set covers it.
    func testReadSetConflicts() throws {
        func conflicts(_ readSet: [String], table: String, field: String, value: String) -> Bool {
            readSet.contains("table:\(table)") || readSet.contains("key:\(table).\(field)=\"\(value)\"")
        }
        let c = try seeded()
        _ = try engine.execute(statement: "SELECT * FROM Vehicle WHERE VIN = 'V1'", catalog: c)
        XCTAssertFalse(conflicts(c.readSet, table: "Vehicle", field: "VIN", value: "V2"), "indexed read: no conflict on another key")
        XCTAssertTrue(conflicts(c.readSet, table: "Vehicle", field: "VIN", value: "V1"))
        c.readSet = []
        _ = try engine.execute(statement: "SELECT * FROM Vehicle WHERE Make = 'Tesla'", catalog: c)
        XCTAssertTrue(conflicts(c.readSet, table: "Vehicle", field: "VIN", value: "V2"), "scan conflicts with any write")
    }

    func testDMLUsesPlanner() throws {
        let c = try seeded()
        _ = try engine.execute(statement: "UPDATE Vehicle AS v SET v.Make = 'Kia' WHERE v.VIN = 'V1'", catalog: c)
        XCTAssertEqual(c.readSet, ["key:Vehicle.VIN=\"V1\""])
    }

    func testExplain() throws {
        let c = try seeded()
        let lookup = try engine.execute(statement: "EXPLAIN SELECT * FROM Vehicle AS v WHERE v.VIN = 'V1'", catalog: c)
        XCTAssertEqual(lookup[0][field: "plan"], .list([.string("index lookup Vehicle AS v on VIN (1 key)")]))
        let scan = try engine.explain(statement: "SELECT * FROM Vehicle AS v WHERE v.Make = 'x'", catalog: c)
        XCTAssertEqual(scan[field: "plan"], .list([.string("scan Vehicle AS v")]))
        let join = try engine.explain(statement: "SELECT * FROM Vehicle AS v, Owner AS o WHERE o.vin = v.VIN", catalog: c)
        XCTAssertEqual(join[field: "plan"], .list([.string("scan Vehicle AS v"), .string("index lookup Owner AS o on vin (1 key)")]))
        let del = try engine.explain(statement: "DELETE FROM Vehicle BY id WHERE id = 'x'", catalog: c)
        XCTAssertEqual(del[field: "plan"], .list([.string("document id lookup Vehicle AS Vehicle")]))
        XCTAssertTrue(c.readSet.isEmpty, "EXPLAIN reads nothing")
    }
}

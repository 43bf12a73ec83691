import Ion
import XCTest
@testable import PartiQL

/// QLDB-specific features the conformance suite lacks.
final class QLDBFeatureTests: XCTestCase {
    let engine = PartiQLEngine()

    func run(_ c: FakeCatalog, _ s: String, _ params: [IonValue] = []) throws -> [IonValue] {
        try engine.execute(statement: s, parameters: params, catalog: c)
    }

    func ion(_ text: String) -> IonValue { try! Ion.read(text)[0] }

    func assertIon(_ actual: [IonValue], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let want = try! Ion.read(expected)
        let ok = actual.count == want.count && want.allSatisfy { w in actual.contains { $0.isEquivalent(to: w) } }
        XCTAssertTrue(ok, "got \(Ion.writeText(actual)) expected \(expected)", file: file, line: line)
    }

    /// A catalog with table Vehicle (indexed on VIN) and two documents.
    func seeded() throws -> FakeCatalog {
        let c = FakeCatalog()
        _ = try run(c, "CREATE TABLE Vehicle")
        _ = try run(c, "CREATE INDEX ON Vehicle (VIN)")
        _ = try run(c, "INSERT INTO Vehicle << {'VIN': 'V1', 'Make': 'Tesla', 'Year': 2020}, {'VIN': 'V2', 'Make': 'Ford', 'Year': 2018} >>")
        c.readSet = []
        return c
    }

    func testDDLResultShapes() throws {
        let c = FakeCatalog()
        let r = try run(c, "CREATE TABLE Person WITH (aws_tags = `{'team': 'a'}`)")
        XCTAssertEqual(r.count, 1)
        let tableId = try XCTUnwrap(r[0][field: "tableId"])
        XCTAssertEqual(r[0], .struct([("tableId", tableId)]))
        XCTAssertEqual(try run(c, "CREATE INDEX ON Person (name)")[0][field: "tableId"], tableId)
        let indexId = c.tables[0].indexes[0].id
        XCTAssertEqual(try run(c, "DROP INDEX \"\(indexId)\" ON Person WITH (purge = true)")[0][field: "tableId"], tableId)
        XCTAssertEqual(try run(c, "DROP TABLE Person")[0][field: "tableId"], tableId)
        guard case .string(let id) = tableId.content else { return XCTFail() }
        XCTAssertEqual(try run(c, "UNDROP TABLE \"\(id)\"")[0][field: "tableId"], tableId)
        XCTAssertThrowsError(try run(c, "DROP INDEX \"x\" ON Person")) // WITH (purge = true) is mandatory
    }

    func testDMLResultShapes() throws {
        let c = try seeded()
        let ins = try run(c, "INSERT INTO Vehicle VALUE {'VIN': 'V3'}")
        XCTAssertEqual(ins.count, 1)
        XCTAssertNotNil(ins[0][field: "documentId"])
        let two = try run(c, "INSERT INTO Vehicle ?", [ion("{VIN: \"V4\"}")])
        XCTAssertEqual(two.count, 1)
        let bagParams = try run(c, "INSERT INTO Vehicle << ?, ? >>", [ion("{VIN: \"V5\"}"), ion("{VIN: \"V6\"}")])
        XCTAssertEqual(bagParams.count, 2)
        let upd = try run(c, "UPDATE Vehicle AS v SET v.Make = 'Kia', v.Color = 'red' WHERE v.VIN = 'V1'")
        XCTAssertEqual(upd.count, 1)
        XCTAssertEqual(upd[0].type, .struct)
        assertIon(try run(c, "SELECT v.Make, v.Color FROM Vehicle v WHERE v.VIN = 'V1'"), "{Make: \"Kia\", Color: \"red\"}")
        _ = try run(c, "UPDATE Vehicle REMOVE Color WHERE VIN = 'V1'")
        assertIon(try run(c, "SELECT * FROM Vehicle WHERE VIN = 'V1'"), "{VIN: \"V1\", Make: \"Kia\", Year: 2020}")
        let del = try run(c, "DELETE FROM Vehicle AS v WHERE v.VIN IN ('V3', 'V4')")
        XCTAssertEqual(del.count, 2)
        XCTAssertEqual(try run(c, "SELECT VALUE COUNT(*) FROM Vehicle")[0], .int(4))
        XCTAssertThrowsError(try run(c, "INSERT INTO Vehicle VALUE 5"))
    }

    func testFromInsertSetRemove() throws {
        let c = try seeded()
        _ = try run(c, "UPDATE Vehicle SET Owners = [] WHERE VIN = 'V1'")
        let r = try run(c, "FROM Vehicle AS v WHERE v.VIN = 'V1' INSERT INTO v.Owners VALUE {'name': 'Ann'}")
        XCTAssertEqual(r.count, 1)
        _ = try run(c, "FROM Vehicle AS v WHERE v.VIN = 'V1' INSERT INTO v VALUE 'x' AT 'Extra'")
        _ = try run(c, "FROM Vehicle AS v WHERE v.VIN = 'V1' SET v.Year = v.Year + 1")
        assertIon(try run(c, "SELECT v.Owners, v.Extra, v.Year FROM Vehicle v WHERE v.VIN = 'V1'"),
                  "{Owners: [{name: \"Ann\"}], Extra: \"x\", Year: 2021}")
        _ = try run(c, "FROM Vehicle AS v WHERE v.VIN = 'V2' REMOVE v")
        XCTAssertEqual(try run(c, "SELECT VALUE v.VIN FROM Vehicle v"), [.string("V1")])
    }

    func testByClause() throws {
        let c = try seeded()
        let ids = try run(c, "SELECT r_id FROM Vehicle AS r BY r_id WHERE r.VIN = 'V2'")
        XCTAssertEqual(ids.count, 1)
        guard case .string(let id)? = ids[0][field: "r_id"]?.content else { return XCTFail("no r_id") }
        c.readSet = []
        assertIon(try run(c, "SELECT v.Make FROM Vehicle AS v BY vid WHERE vid = '\(id)'"), "{Make: \"Ford\"}")
        XCTAssertEqual(c.readSet, ["doc:Vehicle/\(id)"], "a BY-id predicate reads one document")
        XCTAssertEqual(try run(c, "UPDATE Vehicle AS v BY vid SET v.Make = 'GM' WHERE vid = ?", [.string(id)]).count, 1)
        XCTAssertEqual(try run(c, "DELETE FROM Vehicle AS v BY vid WHERE vid = ?", [.string(id)]).count, 1)
        XCTAssertEqual(try run(c, "SELECT VALUE COUNT(*) FROM Vehicle")[0], .int(1))
    }

    func testHistoryCommittedViewAndInformationSchema() throws {
        let c = try seeded()
        c.now = IonTimestamp(year: 2024, month: 2, day: 1, hour: 0, minute: 0, offsetMinutes: 0, precision: .minute)
        _ = try run(c, "UPDATE Vehicle SET Year = 2021 WHERE VIN = 'V1'")
        XCTAssertEqual(try run(c, "SELECT * FROM history(Vehicle) AS h").count, 3)
        let ranged = try run(c, "SELECT VALUE h.metadata.version FROM history(Vehicle, `2024-01-15T00:00Z`, `2024-03-01T00:00Z`) AS h")
        XCTAssertEqual(ranged, [.int(1)])
        XCTAssertEqual(try run(c, "SELECT h.data.VIN FROM history(Vehicle, `2024-01-15T00:00Z`) AS h WHERE h.metadata.version = 1").count, 1)
        let tableId = c.tables[0].id
        XCTAssertEqual(try run(c, "SELECT * FROM history('\(tableId)') AS h").count, 3)
        XCTAssertThrowsError(try run(c, "SELECT * FROM history(Vehicle, `2024-03-01T`, `2024-01-01T`)"))

        let committed = try run(c, "SELECT c.metadata.version AS v, c.data.VIN AS vin FROM _ql_committed_Vehicle AS c WHERE c.data.VIN = 'V1'")
        assertIon(committed, "{v: 1, vin: \"V1\"}")
        XCTAssertNotNil(try run(c, "SELECT * FROM _ql_committed_Vehicle")[0][field: "blockAddress"])

        let idx = try run(c, "SELECT VALUE indexes[0] FROM information_schema.user_tables WHERE status = 'ACTIVE' AND name = 'Vehicle'")
        XCTAssertEqual(idx.first?[field: "expr"], .string("[VIN]"))
    }

    func testRedaction() throws {
        let c = try seeded()
        let r = try run(c, "EXEC REDACT_REVISION `{strandId: \"s1\", sequenceNo: 17}`, 'tbl1', 'doc1'")
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(r[0][field: "documentId"], .string("doc1"))
        XCTAssertEqual(c.redactions.count, 1)
        XCTAssertEqual(c.redactions[0].1, "tbl1")
        XCTAssertThrowsError(try run(c, "EXEC REDACT_REVISION 'x'"))
    }

    func testParametersOfEveryIonType() throws {
        let c = FakeCatalog()
        _ = try run(c, "CREATE TABLE T")
        let values: [String] = ["null", "null.int", "true", "-12", "123456789012345678901234567890", "1.5e0", "12.50",
                                "2024-01-02T03:04:05.678Z", "sym", "\"str\"", "{{\"clob\"}}", "{{aGVsbG8=}}",
                                "[1, [2]]", "(a b)", "{x: {y: 1}}", "nan", "-0.0"]
        for (i, text) in values.enumerated() {
            let v = ion(text)
            _ = try run(c, "INSERT INTO T VALUE {'k': ?, 'v': ?}", [.int(i), v])
            let back = try run(c, "SELECT VALUE t.v FROM T AS t WHERE t.k = ?", [.int(i)])
            XCTAssertEqual(back.count, 1, text)
            XCTAssertTrue(back.first?.isEquivalent(to: v) ?? false, "\(text) came back as \(Ion.writeText(back))")
        }
        XCTAssertThrowsError(try run(c, "SELECT * FROM T WHERE k = ?")) { e in
            XCTAssertTrue("\(e)".contains("parameter"), "\(e)")
        }
    }

    func testProjectionNamesAndBeyondQLDB() throws {
        let c = try seeded()
        assertIon(try run(c, "SELECT v.VIN, v.Year + 1, UPPER(v.Make) FROM Vehicle v WHERE v.VIN = 'V1'"),
                  "{VIN: \"V1\", _2: 2021, _3: \"TESLA\"}")
        XCTAssertEqual(try run(c, "SELECT VALUE v.VIN FROM Vehicle v ORDER BY v.Year DESC"), [.string("V1"), .string("V2")])
        XCTAssertEqual(try run(c, "SELECT VALUE v.VIN FROM Vehicle v ORDER BY v.Year LIMIT 1 OFFSET 1"), [.string("V1")])
        _ = try run(c, "INSERT INTO Vehicle VALUE {'VIN': 'V3', 'Make': 'Ford', 'Year': 2022}")
        assertIon(try run(c, "SELECT v.Make AS make, COUNT(*) AS n, MAX(v.Year) AS latest FROM Vehicle v GROUP BY v.Make HAVING COUNT(*) > 1"),
                  "{make: \"Ford\", n: 2, latest: 2022}")
        XCTAssertEqual(try run(c, "SELECT TXID() FROM << 0 >>")[0][field: "_1"], .string(c.transactionID))
        XCTAssertEqual(try run(c, "SELECT VALUE UTCNOW() FROM << 0 >>")[0], IonValue(.timestamp(c.now)))
    }
}

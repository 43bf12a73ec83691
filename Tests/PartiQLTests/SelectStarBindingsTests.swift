import Ion
import XCTest
@testable import PartiQL

/// `SELECT *` is the tuple union of the FROM clause's bindings: AT and BY
/// variables appear as `{alias: value}` (code written for QLDB reads the
/// document id of `SELECT * FROM T AS t BY id` from the row).
final class SelectStarBindingsTests: XCTestCase {
    func testAtVariableJoinsTheRow() throws {
        let v = try PartiQLEngine().evaluate("SELECT * FROM [{'a': 1}, {'a': 2}] AS x AT i")
        XCTAssertEqual(v.toIon(), Value.bag([.struct([.init("a", .integer(1)), .init("i", .integer(0))]),
                                             .struct([.init("a", .integer(2)), .init("i", .integer(1))])]).toIon())
    }

    func testNonStructSourceIsPositionalAndAtVariableNamed() throws {
        // partiql-tests eval-equiv section 5: {_1: 1, n: "_1"}
        let v = try PartiQLEngine(mode: .permissive).evaluate("SELECT * FROM UNPIVOT 1 AS v AT n")
        XCTAssertEqual(v.toIon(), Value.bag([.struct([.init("_1", .integer(1)), .init("n", .string("_1"))])]).toIon())
    }
}

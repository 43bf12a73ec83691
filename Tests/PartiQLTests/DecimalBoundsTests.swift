import Foundation
import Ion
import XCTest
@testable import PartiQL

/// Decimals with far-out exponents (`1d200000`) cost what their digits cost:
/// before, `? + 1` with `1d200000` built 10^200000 in BigInt.power and
/// `1d-2000000000` would never finish. Each case must answer well within a second.
final class DecimalBoundsTests: XCTestCase {
    let engine = PartiQLEngine()

    func value(_ statement: String, _ parameters: [String] = []) throws -> IonValue {
        let params = try parameters.map { try Ion.read($0)[0] }
        let rows = try engine.execute(statement: statement, parameters: params, catalog: FakeCatalog())
        return rows[0]
    }

    func text(_ statement: String, _ parameters: [String] = []) throws -> String {
        Ion.writeText([try value(statement, parameters)])
    }

    func error(_ statement: String, _ parameters: [String] = []) -> String {
        do {
            _ = try value(statement, parameters)
            return "no error"
        } catch let e as PartiQLError {
            return e.message
        } catch {
            return "unexpected \(error)"
        }
    }

    func within(_ seconds: Double = 1, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) rethrows {
        let start = Date()
        try body()
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThan(elapsed, seconds, "took \(elapsed) s", file: file, line: line)
    }

    func testArithmeticRoundsToThirtyEightDigitsWithoutExpandingTheExponent() throws {
        try within {
            // 10^200000 + 1 needs 200001 digits: rounded half-even to 38, the 1 only rounds.
            XCTAssertEqual(try text("SELECT VALUE ? + 1 FROM << 0 >>", ["1d200000"]), "10000000000000000000000000000000000000d199963")
            // 10^200000 - 1 is 200000 nines: rounding carries back to 10^200000.
            XCTAssertEqual(try text("SELECT VALUE ? - 1 FROM << 0 >>", ["1d200000"]), "10000000000000000000000000000000000000d199963")
            XCTAssertEqual(try text("SELECT VALUE ? + 1 FROM << 0 >>", ["1d-200000"]), "1.0000000000000000000000000000000000000")
            XCTAssertEqual(try text("SELECT VALUE 1 - ? FROM << 0 >>", ["1d-2000000000000"]), "1.0000000000000000000000000000000000000")
            XCTAssertEqual(try text("SELECT VALUE ? * ? FROM << 0 >>", ["2d200000", "3d-200001"]), "0.6")
            XCTAssertEqual(try text("SELECT VALUE ? / 3 FROM << 0 >>", ["1d200000"]), "33333333333333333333333333333333333333d199962")
            XCTAssertEqual(try text("SELECT VALUE ? % 7 FROM << 0 >>", ["1d2000000000"]), "2.")  // 10^(2·10^9) mod 7
            XCTAssertEqual(try text("SELECT VALUE ? % ? FROM << 0 >>", ["3d-200000", "1d200000"]), "3d-200000")
            XCTAssertEqual(try text("SELECT VALUE CAST(? AS FLOAT) FROM << 0 >>", ["1d200000"]), "+inf")
            XCTAssertEqual(try text("SELECT VALUE CAST(? AS FLOAT) FROM << 0 >>", ["-1d-200000"]), "-0.0e0")
        }
    }

    func testExactResultsKeepTheirIonPrecision() throws {
        XCTAssertEqual(try text("SELECT VALUE 10.25 + 0.10 FROM << 0 >>"), "10.35")
        XCTAssertEqual(try text("SELECT VALUE 1.00 - 1 FROM << 0 >>"), "0.00")
        XCTAssertEqual(try text("SELECT VALUE 0.0 + 5 FROM << 0 >>"), "5.0")
        XCTAssertEqual(try text("SELECT VALUE 1.5 * 1.5 FROM << 0 >>"), "2.25")
        // 39 digits: the last rounds half-even.
        XCTAssertEqual(try text("SELECT VALUE ? + 0 FROM << 0 >>", ["123456789012345678901234567890123456785."]),
                       "12345678901234567890123456789012345678d1")
    }

    func testExponentOverflowIsAnEvaluationError() {
        let overflow = error("SELECT VALUE ? * ? FROM << 0 >>", ["1d600000000000000000", "1d600000000000000000"])
        XCTAssertTrue(overflow.contains("decimal result out of range"), overflow)
        // Binary Ion can carry any Int exponent; arithmetic refuses it, comparison still works.
        let far = IonValue(.decimal(IonDecimal(coefficient: 1, exponent: Int.max)))
        XCTAssertThrowsError(try engine.execute(statement: "SELECT VALUE ? + 1 FROM << 0 >>", parameters: [far], catalog: FakeCatalog())) {
            XCTAssertTrue(($0 as? PartiQLError)?.message.contains("out of range") == true, "\($0)")
        }
        XCTAssertEqual(try engine.execute(statement: "SELECT VALUE ? > 1 FROM << 0 >>", parameters: [far], catalog: FakeCatalog()), [.bool(true)])
    }

    func testComparisonsAndOrderingUseAdjustedExponents() throws {
        try within {
            XCTAssertEqual(try value("SELECT VALUE ? < 5 FROM << 0 >>", ["1d200000"]), .bool(false))
            XCTAssertEqual(try value("SELECT VALUE ? < 5 FROM << 0 >>", ["1d-200000"]), .bool(true))
            XCTAssertEqual(try value("SELECT VALUE ? < ? FROM << 0 >>", ["-1d200000", "-1d-200000"]), .bool(true))
            XCTAssertEqual(try value("SELECT VALUE ? = ? FROM << 0 >>", ["1d200000", "10d199999"]), .bool(true))
            XCTAssertEqual(try value("SELECT VALUE ? = ? FROM << 0 >>", ["1d200000", "1d-200000"]), .bool(false))
            XCTAssertEqual(try value("SELECT VALUE ? = 1e300 FROM << 0 >>", ["1d300"]), .bool(true))
            XCTAssertEqual(try value("SELECT VALUE ? < ? FROM << 0 >>", ["1d-999999999999999999", "1d999999999999999999"]), .bool(true))
            let sorted = try engine.execute(statement: "SELECT VALUE v FROM ? AS v ORDER BY v",
                                            parameters: [try Ion.read("[1d200000, -1d200000, 1d-200000, 5, 10d199999, 0.5]")[0]],
                                            catalog: FakeCatalog())
            XCTAssertEqual(Ion.writeText(sorted), "-1d200000 1d-200000 0.5 5 1d200000 10d199999")
            let distinct = try engine.execute(statement: "SELECT DISTINCT VALUE v FROM ? AS v",
                                              parameters: [try Ion.read("[1d200000, 10d199999, 1.000d200000]")[0]],
                                              catalog: FakeCatalog())
            XCTAssertEqual(distinct.count, 1)
        }
    }

    func testCastsDoNotExpand() throws {
        try within {
            XCTAssertTrue(error("SELECT VALUE CAST(? AS INT) FROM << 0 >>", ["1d200000"]).contains("value out of range for INT"))
            XCTAssertEqual(try value("SELECT VALUE CAST(? AS INT) FROM << 0 >>", ["1d-2000000000000"]), .int(0))
            XCTAssertEqual(try value("SELECT VALUE CAST(? AS INT) FROM << 0 >>", ["1234.5d1"]), .int(12345))
            XCTAssertEqual(try value("SELECT VALUE CAST(? AS STRING) FROM << 0 >>", ["1d200000"]), .string("1E+200000"))
            XCTAssertEqual(try value("SELECT VALUE CAST(? AS STRING) FROM << 0 >>", ["-12d-200000"]), .string("-12E-200000"))
            XCTAssertEqual(try value("SELECT VALUE CAST(? AS STRING) FROM << 0 >>", ["1.50"]), .string("1.50"))
            let cast = try engine.execute(statement: "SELECT VALUE CAST('1e200000' AS INT) FROM << 0 >>", catalog: FakeCatalog())
            XCTAssertEqual(cast, [])  // a failed CAST is MISSING in permissive mode
        }
    }
}

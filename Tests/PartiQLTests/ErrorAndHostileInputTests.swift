import Foundation
import Ion
import XCTest
@testable import PartiQL

final class ErrorAndHostileInputTests: XCTestCase {
    let engine = PartiQLEngine()

    func message(_ s: String, catalog: FakeCatalog = FakeCatalog(), engine: PartiQLEngine? = nil) -> String {
        do {
            _ = try (engine ?? self.engine).execute(statement: s, catalog: catalog)
            return "no error"
        } catch let e as PartiQLError {
            return e.message
        } catch {
            return "unexpected \(error)"
        }
    }

    func testSyntaxErrorsHavePositionsAndExpectations() {
        XCTAssertEqual(message("SELECT * FROM"), "Syntax error at line 1, column 14: expected an expression but found end of statement")
        XCTAssertEqual(message("SELECT a,\n  FROM t"), "Syntax error at line 2, column 3: expected an expression but found 'FROM'")
        XCTAssertEqual(message("SELECT * FROM t WHERE (a = 1"), "Syntax error at line 1, column 29: expected ')' but found end of statement")
        XCTAssertEqual(message("SELECT 'abc FROM t"), "Syntax error at line 1, column 8: unterminated string")
        XCTAssertEqual(message("SELECT `{a: 1 FROM t"), "Syntax error at line 1, column 8: unterminated Ion literal")
        XCTAssertEqual(message("SELECT \"abc FROM t"), "Syntax error at line 1, column 8: unterminated quoted identifier")
        XCTAssertEqual(message("SELECT 1 /* never closed"), "Syntax error at line 1, column 10: unterminated comment")
        XCTAssertTrue(message("SELECT `{a:}` FROM t").hasPrefix("Syntax error at line 1, column 8: invalid Ion literal"))
        XCTAssertTrue(message("CREATE INDEX ON t (a.b)").contains("single top-level field"))
        XCTAssertEqual(message("SELECT # FROM t"), "Syntax error at line 1, column 8: unexpected character '#'")
    }

    func testSemanticAndEvaluationErrors() {
        XCTAssertEqual(message("SELECT * FROM Nope"), "Evaluation error: variable 'Nope' is not defined (no such table or alias)")
        XCTAssertEqual(message("INSERT INTO Nope VALUE {'a': 1}"), "No such table: Nope")
        XCTAssertEqual(message("SELECT FOO(1) FROM << 1 >>"), "Semantic error at line 1, column 8: unknown function FOO")
        XCTAssertEqual(message("SELECT UPPER(1, 2) FROM << 1 >>"), "Semantic error at line 1, column 8: function UPPER takes 1 argument(s), got 2")
        let strict = PartiQLEngine(mode: .strict)
        XCTAssertEqual(message("SELECT VALUE 1 + 'a' FROM << 1 >>", engine: strict),
                       "Evaluation error: operator + requires numbers, found INT and STRING")
        XCTAssertEqual(message("SELECT VALUE 1 / 0 FROM << 1 >>"), "Evaluation error: division by zero")
        XCTAssertEqual(message("CREATE TABLE a"), "no error")
    }

    func expectError(_ s: String, file: StaticString = #filePath, line: UInt = #line) {
        let m = message(s)
        XCTAssertNotEqual(m, "no error", file: file, line: line)
        XCTAssertFalse(m.hasPrefix("unexpected"), m, file: file, line: line)
    }

    func testHostileInputs() {
        expectError(String(repeating: "(", count: 50_000) + "1" + String(repeating: ")", count: 50_000))
        expectError("SELECT " + String(repeating: "[", count: 20_000))
        expectError("SELECT VALUE " + String(repeating: "NOT ", count: 20_000) + "true FROM << 1 >>")
        expectError("SELECT VALUE " + String(repeating: "-", count: 30_000) + "1 FROM << 1 >>")
        expectError("SELECT VALUE " + Array(repeating: "1", count: 30_000).joined(separator: "+") + " FROM << 1 >>")
        expectError("SELECT VALUE a" + String(repeating: ".b", count: 30_000) + " FROM << 1 >>")
        expectError("SELECT VALUE `" + String(repeating: "[", count: 10_000) + "` FROM << 1 >>")
        expectError("SELECT '" + String(repeating: "x", count: 99_000))
        expectError(String(repeating: "x", count: 100_001))
        expectError("SELECT 99999999999999999999999999 FROM << 1 >>")
        // Large but legal statements work.
        let big = "SELECT VALUE '" + String(repeating: "x", count: 90_000) + "' FROM << 1 >>"
        XCTAssertEqual(try engine.execute(statement: big, catalog: FakeCatalog()).count, 1)
        let longChain = "SELECT VALUE " + Array(repeating: "1", count: 150).joined(separator: "+") + " FROM << 1 >>"
        XCTAssertEqual(try engine.execute(statement: longChain, catalog: FakeCatalog()), [.int(150)])
        let manyTokens = "SELECT VALUE [" + Array(repeating: "1", count: 30_000).joined(separator: ",") + "] FROM << 1 >>"
        XCTAssertEqual(try engine.execute(statement: manyTokens, catalog: FakeCatalog()).count, 1)
    }

    func testLexerPositionsAreLinearOnLongLines() throws {
        let s = "SELECT VALUE [" + Array(repeating: "1", count: 40_000).joined(separator: ",") + "] FROM << 1 >>"
        let start = Date()
        _ = try engine.parse(s)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }
}

import Ion
import XCTest
@testable import PartiQL

/// The parse cache gives what a parse gives, keeps no failures and stays bounded.
final class ParsedStatementCacheTests: XCTestCase {
    func testARepeatedStatementRunsAsTheFirstDidAndItsParametersStayItsOwn() throws {
        let engine = PartiQLEngine()
        let c = FakeCatalog()
        for s in ["CREATE TABLE T", "CREATE INDEX ON T (k)", "INSERT INTO T << {'k': 1, 'v': 'a'}, {'k': 2, 'v': 'b'} >>"] {
            _ = try engine.execute(statement: s, catalog: c)
        }
        let text = "SELECT v FROM T WHERE k = ?"
        for (k, v) in [(1, "a"), (2, "b"), (1, "a")] {
            let rows = try engine.execute(statement: text, parameters: [.int(k)], catalog: c)
            XCTAssertEqual(rows, [.struct([("v", .string(v))])])
        }
    }

    func testFailuresAreNotKeptAndLongTextIsNotKept() {
        let cache = ParsedStatementCache()
        var parses = 0
        let failing: (String) throws -> Statement = { text in
            parses += 1
            return try Parser.parse(text)
        }
        for _ in 0..<2 {
            XCTAssertThrowsError(try cache.statement("SELEC * FROM T", parse: failing))
        }
        XCTAssertEqual(parses, 2)
        XCTAssertEqual(cache.count, 0)
        let long = "SELECT * FROM T WHERE k = '" + String(repeating: "x", count: ParsedStatementCache.maxTextBytes) + "'"
        XCTAssertNoThrow(try cache.statement(long, parse: failing))
        XCTAssertNoThrow(try cache.statement(long, parse: failing))
        XCTAssertEqual(parses, 4)
        XCTAssertEqual(cache.count, 0)
        XCTAssertNoThrow(try cache.statement("SELECT * FROM T", parse: failing))
        XCTAssertNoThrow(try cache.statement("SELECT * FROM T", parse: failing))
        XCTAssertEqual(parses, 5, "the second parse of a short statement is a hit")
    }

    func testTheCacheStaysBounded() throws {
        let cache = ParsedStatementCache()
        for i in 0..<(ParsedStatementCache.maxEntries + 10) {
            _ = try cache.statement("SELECT * FROM T WHERE k = \(i)", parse: Parser.parse)
            XCTAssertLessThanOrEqual(cache.count, ParsedStatementCache.maxEntries)
        }
    }
}

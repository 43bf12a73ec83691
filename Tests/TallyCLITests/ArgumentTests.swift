import ArgumentParser
import XCTest
@testable import tally

/// The CLI's argument handling, without running the commands: what parses,
/// what is refused and with which message.
final class ArgumentTests: XCTestCase {
    func testEverySubcommandIsReachable() throws {
        for name in ["node", "cluster", "backup", "restore", "ledger", "shell", "digest", "verify", "export", "ion",
                     "ledger-demo", "verify-export", "audit", "bench", "version"] {
            let help = Tally.helpMessage(for: Tally.self)
            XCTAssertTrue(help.contains(name), "tally --help lists \(name)")
        }
    }

    func testUnknownSubcommandAndOptionAreRefused() {
        XCTAssertThrowsError(try Tally.parseAsRoot(["frobnicate"]))
        XCTAssertThrowsError(try Tally.parseAsRoot(["ledger", "create", "--no-such-option", "x"]))
    }

    func testLedgerCreateNeedsAName() {
        XCTAssertThrowsError(try Tally.parseAsRoot(["ledger", "create"])) { error in
            XCTAssertTrue(Tally.message(for: error).contains("name"), Tally.message(for: error))
        }
        XCTAssertNoThrow(try Tally.parseAsRoot(["ledger", "create", "books", "--no-deletion-protection"]))
    }

    func testNumericOptionsRejectText() {
        XCTAssertThrowsError(try Tally.parseAsRoot(["ledger-demo", "--blocks", "many"]))
    }

    func testAuditTakesADataDirectory() throws {
        XCTAssertThrowsError(try Tally.parseAsRoot(["audit"]))
        XCTAssertNoThrow(try Tally.parseAsRoot(["audit", "/tmp/does-not-matter"]))
    }
}

final class StatementSplitterTests: XCTestCase {
    func testSplitsAtSemicolonsOutsideQuotesAndComments() {
        let (statements, rest) = StatementSplitter.split("""
        SELECT * FROM t WHERE a = 'x;y'; -- a comment; with a semicolon
        INSERT INTO t VALUE {'k': `"v;"`}; /* block; comment */ SELECT "we;ird" FROM t;
        SELECT 1
        """)
        XCTAssertEqual(statements.count, 3, "\(statements)")
        XCTAssertEqual(statements[0], "SELECT * FROM t WHERE a = 'x;y'")
        XCTAssertTrue(statements[1].hasPrefix("INSERT INTO t VALUE"))
        XCTAssertTrue(statements[2].contains("\"we;ird\""))
        XCTAssertFalse(statements.joined().contains("comment"))
        XCTAssertTrue(rest.contains("SELECT 1"))
    }

    func testFeedKeepsAnUnterminatedStatementForTheNextLine() {
        var splitter = StatementSplitter()
        XCTAssertEqual(splitter.feed("SELECT *\n"), [])
        XCTAssertFalse(splitter.isEmpty)
        XCTAssertEqual(splitter.feed("FROM t;\n"), ["SELECT *\nFROM t"])
        XCTAssertTrue(splitter.isEmpty)
        XCTAssertEqual(splitter.feed("SELECT 2"), [])
        XCTAssertEqual(splitter.finish(), "SELECT 2")
    }
}

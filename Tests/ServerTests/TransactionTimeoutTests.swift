import Foundation
import Ledger
import XCTest
@testable import Replica
@testable import Server

/// `session.transaction_timeout_seconds` bounds a transaction in the ledger
/// too, not only in the session layer (the ledger used to keep QLDB's 30 s).
final class TransactionTimeoutTests: XCTestCase {
    func testConfiguredTimeoutIsTheLedgersTransactionLifetime() throws {
        let config = try NodeConfig.parse("[session]\ntransaction_timeout_seconds = 90\n", baseDirectory: "/tmp")
        var options = Node.registryOptions(config).ledgerOptions
        XCTAssertEqual(options.limits.transactionLifetimeMs, 90_000)
        XCTAssertEqual(Node.registryOptions(try NodeConfig.parse("")).ledgerOptions.limits.transactionLifetimeMs,
                       Int64(SessionSettings().transactionTimeout * 1000), "the default matches the session default")

        let clock = TestClock()
        options.clock = { clock.now }
        options.elapsedClock = { clock.now }
        let ledger = try Ledger.open(store: MemoryJournalStore(), options: options)
        let lasting = ledger.begin()
        clock.now += 60_000
        // Past QLDB's default 30 s, within the configured 90 s.
        XCTAssertNoThrow(try lasting.recordStatement(text: "CREATE TABLE T", parameters: []))
        XCTAssertNoThrow(try lasting.createTable(name: "T", tags: []))
        XCTAssertNotNil(try lasting.commit())
        let expiring = ledger.begin()
        clock.now += 90_001
        XCTAssertThrowsError(try expiring.recordStatement(text: "SELECT 1", parameters: [])) {
            XCTAssertTrue($0 is TransactionClosed, "\($0)")
        }
    }
}

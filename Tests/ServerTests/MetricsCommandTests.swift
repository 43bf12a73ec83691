import Ion
import QLDBWire
import XCTest
@testable import Server

final class MetricsCommandTests: XCTestCase {
    /// `ordinal` reads the case's tag: it must be its place in `allCases`, one byte.
    func testOrdinalIsThePlaceInAllCases() {
        XCTAssertEqual(MemoryLayout<MetricsCommand>.size, 1)
        for (i, c) in MetricsCommand.allCases.enumerated() { XCTAssertEqual(Int(c.ordinal), i, c.rawValue) }
    }

    func testEqualityAndHashingSeparateEveryCase() {
        let all = MetricsCommand.allCases
        XCTAssertEqual(Set(all).count, all.count)
        var byCommand: [MetricsCommand: String] = [:]
        for c in all { byCommand[c] = c.rawValue }
        for c in all {
            XCTAssertEqual(byCommand[c], c.rawValue)
            XCTAssertEqual(MetricsCommand(rawValue: c.rawValue), c)
            for d in all where d != c { XCTAssertNotEqual(c, d) }
        }
    }

    /// Each session command maps to the metrics command its wire name names.
    func testSessionCommandsMapToTheirWireNames() {
        let commands: [SessionCommand] = [
            .startSession(ledgerName: "L"), .startTransaction,
            .executeStatement(transactionID: "t", statement: "SELECT 1", parameters: []),
            .fetchPage(transactionID: "t", nextPageToken: "p"), .commitTransaction(transactionID: "t", commitDigest: []),
            .abortTransaction, .endSession,
        ]
        XCTAssertEqual(commands.map(MetricsCommand.init), MetricsCommand.dataPlane)
        for c in commands {
            XCTAssertEqual(MetricsCommand(c).rawValue, c.name)
            let record = SessionCommandRecord(ledger: "L", command: c, duration: .milliseconds(1), error: nil)
            XCTAssertEqual(record.command, c.name)
            XCTAssertEqual(record.metricsCommand, MetricsCommand(c))
        }
    }
}

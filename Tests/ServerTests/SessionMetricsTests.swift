import Foundation
import Ion
import Ledger
import XCTest
@testable import QLDBWire
@testable import Replica
@testable import Server

/// Session metrics come from one place (`SessionManager.onCommand` →
/// `LedgerMetrics.record`), once per command.
final class SessionMetricsTests: XCTestCase {
    /// A ledger whose commits are all refused when applied, as a stale proposal is.
    final class ConflictAtApply: LedgerDirectory {
        let ledger: Ledger
        init() throws { ledger = try Ledger.open(store: MemoryJournalStore()) }
        func availability(of ledgerName: String) -> LedgerAvailability { .active }
        func ledger(named ledgerName: String) -> Ledger? { ledger }
        func commit(ledgerName: String, proposal: BlockProposal, completion: @escaping (Result<Void, CommitFailure>) -> Void) {
            ledger.abandon(transactionId: proposal.transactionId)
            completion(.failure(.rejected(.occConflict("stale at apply"))))
        }
        func confirmLeadership(completion: @escaping (Result<Void, CommitFailure>) -> Void) { completion(.success(())) }
    }

    func testOneOCCConflictAtApplyCountsOnce() throws {
        let manager = SessionManager(backend: LedgerSessionBackend(directory: try ConflictAtApply()))
        let metrics = TallyMetrics(processMetrics: false)
        manager.onCommand = { metrics.ledger($0.ledger).record($0) }
        let tok = try XCTUnwrap(send(manager, nil, .startSession(ledgerName: "cars")).token)
        guard case .startTransaction(let txn)? = send(manager, tok, .startTransaction).value else { return XCTFail() }
        XCTAssertNil(send(manager, tok, .executeStatement(transactionID: txn, statement: "CREATE TABLE Cars", parameters: [])).error)
        let commit = send(manager, tok, .commitTransaction(transactionID: txn,
                                                           commitDigest: clientDigest(txn, [("CREATE TABLE Cars", [])])))
        XCTAssertEqual(commit.error, .occConflict("stale at apply"))

        var values: [String: Double] = [:]
        for s in try MetricsExposition.samples(metrics.expositionText()) where s.labels["ledger"] == "cars" {
            values[s.name + (s.labels["command"].map { "/" + $0 } ?? "") + (s.labels["le"] == nil ? "" : "/le")] = s.value
        }
        XCTAssertEqual(values["tally_occ_conflict_exceptions_total"], 1)
        XCTAssertEqual(values["tally_session_4xx_exceptions_total"], 1)
        XCTAssertEqual(values["tally_session_5xx_exceptions_total"], 0)
        XCTAssertEqual(values["tally_command_latency_seconds_count/CommitTransaction"], 1)
        XCTAssertEqual(values["tally_command_latency_seconds_count/ExecuteStatement"], 1)
        XCTAssertEqual(values["tally_command_latency_seconds_count/StartSession"], 1)
    }

    func testCommandsWithoutASessionAreNotRecordedAndRateLimitsAreByLedger() throws {
        var settings = SessionSettings()
        settings.rateLimitPerSecond = 1
        settings.rateLimitBurst = 1
        let manager = SessionManager(backend: FakeBackend(), settings: settings)
        var records: [SessionCommandRecord] = []
        manager.onCommand = { records.append($0) }
        let tok = try XCTUnwrap(send(manager, nil, .startSession(ledgerName: "test-ledger")).token)
        XCTAssertEqual(send(manager, tok, .startTransaction).error?.code, "RateExceededException")
        XCTAssertNotNil(send(manager, "no-such-token", .endSession).error)
        XCTAssertEqual(records.map(\.command), ["StartSession", "StartTransaction"])
        XCTAssertEqual(records.map(\.ledger), ["test-ledger", "test-ledger"])
        XCTAssertEqual(records.last?.error?.isRateExceeded, true)
    }
}

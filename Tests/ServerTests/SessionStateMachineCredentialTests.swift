import Foundation
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

/// Sessions belong to the access key that started them: a per-key limit, and
/// a token no other key can use.
final class SessionStateMachineCredentialTests: XCTestCase {
    var backend = FakeBackend()
    var clock = ManualClock()
    var settings = SessionSettings()

    func manager() -> SessionManager { SessionManager(backend: backend, settings: settings, clock: clock) }

    func testDefaultCredentialLimitIsHalfTheLedgerLimit() {
        XCTAssertEqual(SessionSettings().maxSessionsPerCredential, 1500)
        XCTAssertLessThan(SessionSettings().maxSessionsPerCredential, SessionSettings().maxSessionsPerLedger)
    }

    func testOneCredentialCannotTakeEverySession() throws {
        settings.maxSessionsPerLedger = 10
        settings.maxSessionsPerCredential = 3
        let m = manager()
        var mine: [String] = []
        for _ in 0..<3 { mine.append(try XCTUnwrap(send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "A").token)) }
        let r = send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "A")
        XCTAssertEqual(r.error?.code, "LimitExceededException")
        XCTAssertEqual(r.error?.status, 400)
        XCTAssertEqual(r.error?.message, "Exceeded the session limit: access key A already has 3 active sessions")
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "other-ledger"), caller: "A").error,
                        "the credential limit spans ledgers")
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "B").token, "B is unaffected")
        XCTAssertEqual(m.liveSessionCount(caller: "A"), 3)
        XCTAssertEqual(m.liveSessionCount(caller: "B"), 1)

        // An ended session frees its slot.
        XCTAssertNotNil(send(m, mine[0], .endSession, caller: "A").value)
        XCTAssertEqual(m.liveSessionCount(caller: "A"), 2)
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "A").token)
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "A").error)

        // Expired sessions free theirs (found at the next StartSession, without a sweep).
        clock.advance(by: settings.sessionLifetime)
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "A").token)
        XCTAssertEqual(m.liveSessionCount(caller: "A"), 1)
        XCTAssertEqual(m.liveSessionCount(ledger: "test-ledger"), 1, "the scan released every expired session of the ledger")
    }

    func testSweepReleasesExpiredSlots() throws {
        settings.maxSessionsPerCredential = 2
        let m = manager()
        for _ in 0..<2 { XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "A").token) }
        clock.advance(by: settings.sessionLifetime)
        m.sweep()
        XCTAssertEqual(m.liveSessionCount(caller: "A"), 0)
        XCTAssertEqual(m.liveSessionCount(ledger: "test-ledger"), 0)
    }

    func testATokenIsUsableOnlyByTheKeyThatStartedIt() throws {
        let m = manager()
        let tok = try XCTUnwrap(send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "A").token)
        let txn = try XCTUnwrap(send(m, tok, .startTransaction, caller: "A").transactionID)
        for command: SessionCommand in [.startTransaction, .abortTransaction, .endSession,
                                        .executeStatement(transactionID: txn, statement: "SELECT 1", parameters: [])] {
            let r = send(m, tok, command, caller: "B")
            XCTAssertEqual(r.error?.code, "InvalidSessionException", "\(command)")
            XCTAssertEqual(r.error?.message, "No such session", "the token's existence is not revealed")
        }
        XCTAssertEqual(backend.transactions.map(\.aborted), [0], "B's AbortTransaction and EndSession changed nothing")
        XCTAssertNotNil(send(m, tok, .executeStatement(transactionID: txn, statement: "SELECT 1", parameters: []),
                             caller: "A").page, "A's transaction is still open")
        XCTAssertEqual(m.liveSessionCount(caller: "A"), 1)

        // Through the endpoint: the caller is whoever the signature names.
        let endpoint = makeEndpoint(m)
        let (r, json) = wire(endpoint, "{\"SessionToken\":\"\(tok)\",\"EndSession\":{}}", caller: "B")
        XCTAssertEqual(r.status, 400)
        XCTAssertEqual(json["__type"] as? String, "InvalidSessionException")
        XCTAssertEqual(wire(endpoint, "{\"SessionToken\":\"\(tok)\",\"EndSession\":{}}", caller: "A").0.status, 200)
    }
}

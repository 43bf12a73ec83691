import Foundation
import Ion
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

final class SessionStateMachineTests: XCTestCase {
    var backend = FakeBackend()
    var clock = ManualClock()
    var settings = SessionSettings()

    func manager() -> SessionManager { SessionManager(backend: backend, settings: settings, clock: clock) }

    func open(_ m: SessionManager, requestID: String = Identifiers.requestID()) throws -> (String, String) {
        let tok = try XCTUnwrap(send(m, nil, .startSession(ledgerName: "test-ledger"), requestID: requestID).token)
        let txn = try XCTUnwrap(send(m, tok, .startTransaction).transactionID)
        return (tok, txn)
    }

    func assertError(_ r: Result<SessionResult, ServiceError>, _ code: String, _ message: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.error?.code, code, "\(r)", file: file, line: line)
        XCTAssertEqual(r.error?.message, message, file: file, line: line)
        XCTAssertEqual(r.error?.status, 400, file: file, line: line)
    }

    func testASessionsLedgerAndIdAreFoundByItsTokenForLogs() throws {
        let m = manager()
        let (tok, _) = try open(m, requestID: "StartSessionRequest001")
        let found = try XCTUnwrap(m.ledgerAndSessionID(forToken: tok))
        XCTAssertEqual(found.ledger, "test-ledger")
        XCTAssertEqual(found.id, "StartSessionRequest001")
        XCTAssertNil(m.ledgerAndSessionID(forToken: tok + "x"))
    }

    func testHappyPathOverTheWire() throws {
        let m = manager()
        let endpoint = makeEndpoint(m)
        var (r, json) = wire(endpoint, "{\"StartSession\":{\"LedgerName\":\"test-ledger\"}}")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.header("Content-Type"), "application/x-amz-json-1.0")
        let requestID = try XCTUnwrap(r.header("x-amzn-RequestId"))
        XCTAssertEqual(requestID.count, 22)
        XCTAssertTrue(requestID.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        let start = try XCTUnwrap(json["StartSession"] as? [String: Any])
        XCTAssertEqual(Array(json.keys), ["StartSession"])
        let tok = try XCTUnwrap(start["SessionToken"] as? String)
        XCTAssertNoThrow(try SendCommandRequest.checkToken(tok, path: "t"))
        XCTAssertGreaterThanOrEqual((start["TimingInformation"] as? [String: Any])?["ProcessingTimeMilliseconds"] as? Int ?? 0, 1)

        (r, json) = wire(endpoint, "{\"SessionToken\":\"\(tok)\",\"StartTransaction\":{}}")
        let txn = try XCTUnwrap((json["StartTransaction"] as? [String: Any])?["TransactionId"] as? String)
        XCTAssertEqual(txn.count, 22)

        (r, json) = wire(endpoint, "{\"SessionToken\":\"\(tok)\",\"ExecuteStatement\":{\"TransactionId\":\"\(txn)\","
            + "\"Statement\":\"INSERT INTO T ?\",\"Parameters\":[{\"IonBinary\":\"4AEA6uiBg96Eh7KBYd6DiiEB\"}]}}")
        let exec = try XCTUnwrap(json["ExecuteStatement"] as? [String: Any], r.bodyText)
        let first = try XCTUnwrap(exec["FirstPage"] as? [String: Any])
        XCTAssertNil(first["NextPageToken"])
        let values = try XCTUnwrap(first["Values"] as? [[String: String]])
        XCTAssertEqual(values.count, 1)
        let bin = [UInt8](Data(base64Encoded: values[0]["IonBinary"]!)!)
        XCTAssertTrue(Ion.isBinary(bin))
        XCTAssertEqual(try Ion.read(bin), [.struct([("statement", .string("INSERT INTO T ?"))])])
        XCTAssertEqual(exec["ConsumedIOs"] as? [String: Int], ["ReadIOs": 1, "WriteIOs": 0])
        XCTAssertGreaterThanOrEqual((exec["TimingInformation"] as? [String: Int])?["ProcessingTimeMilliseconds"] ?? 0, 1)
        XCTAssertEqual(backend.transactions[0].executed[0].parameters, [.struct([("a", .int(1))])])

        let digest = clientDigest(txn, [("INSERT INTO T ?", [.struct([("a", .int(1))])])])
        (r, json) = wire(endpoint, "{\"SessionToken\":\"\(tok)\",\"CommitTransaction\":{\"TransactionId\":\"\(txn)\","
            + "\"CommitDigest\":\"\(b64(digest))\"}}")
        let commit = try XCTUnwrap(json["CommitTransaction"] as? [String: Any], r.bodyText)
        XCTAssertEqual(commit["TransactionId"] as? String, txn)
        XCTAssertEqual(commit["CommitDigest"] as? String, b64(digest))
        XCTAssertEqual(commit["ConsumedIOs"] as? [String: Int], ["ReadIOs": 0, "WriteIOs": 1])
        XCTAssertTrue(backend.transactions[0].committed)

        (r, json) = wire(endpoint, "{\"SessionToken\":\"\(tok)\",\"EndSession\":{}}")
        XCTAssertNotNil((json["EndSession"] as? [String: Any])?["TimingInformation"])
        (r, json) = wire(endpoint, "{\"SessionToken\":\"\(tok)\",\"StartTransaction\":{}}")
        XCTAssertEqual(json["__type"] as? String, "InvalidSessionException")
        XCTAssertEqual(json["Message"] as? String, "No such session")
        XCTAssertEqual(m.liveSessionCount(ledger: "test-ledger"), 0)
    }

    func testResponseBodiesAreExactlyShaped() {
        XCTAssertEqual(SessionResult.startTransaction(transactionID: "Txn0000000000000000002")
            .jsonBody(processingTimeMilliseconds: 3),
            "{\"StartTransaction\":{\"TransactionId\":\"Txn0000000000000000002\",\"TimingInformation\":{\"ProcessingTimeMilliseconds\":3}}}")
        XCTAssertEqual(SessionResult.executeStatement(firstPage: ResultPage(values: [[0xE0, 1, 0, 0xEA, 0x21, 1]], nextPageToken: "cGFnZTI="),
                                                      consumedIOs: IOUsage(readIOs: 1, writeIOs: 0))
            .jsonBody(processingTimeMilliseconds: 2),
            "{\"ExecuteStatement\":{\"FirstPage\":{\"Values\":[{\"IonBinary\":\"4AEA6iEB\"}],\"NextPageToken\":\"cGFnZTI=\"},"
            + "\"TimingInformation\":{\"ProcessingTimeMilliseconds\":2},\"ConsumedIOs\":{\"ReadIOs\":1,\"WriteIOs\":0}}}")
        XCTAssertEqual(SessionResult.abortTransaction.jsonBody(processingTimeMilliseconds: 1),
                       "{\"AbortTransaction\":{\"TimingInformation\":{\"ProcessingTimeMilliseconds\":1}}}")
        let e = ServiceError.occConflict("Transaction X has conflicts: \"quoted\"\n").response(requestID: "89gRzMUvooa1VodxP8RRRM")
        XCTAssertEqual(e.status, 400)
        XCTAssertEqual(e.bodyText, "{\"__type\":\"OccConflictException\",\"Message\":\"Transaction X has conflicts: \\\"quoted\\\"\\n\"}")
        XCTAssertEqual(e.header("x-amzn-ErrorType"), "OccConflictException")
        XCTAssertEqual(e.header("x-amzn-RequestId"), "89gRzMUvooa1VodxP8RRRM")
        XCTAssertEqual(ServiceError.capacityExceeded().status, 503)
    }

    func testTransactionAlreadyOpenAndNoOpenTransaction() throws {
        let m = manager()
        let tok = try XCTUnwrap(send(m, nil, .startSession(ledgerName: "test-ledger")).token)
        assertError(send(m, tok, .executeStatement(transactionID: "Txn0000000000000000009", statement: "S", parameters: [])),
                    "BadRequestException", "No open transaction")
        assertError(send(m, tok, .fetchPage(transactionID: "Txn0000000000000000009", nextPageToken: "abcd")),
                    "BadRequestException", "No open transaction")
        assertError(send(m, tok, .commitTransaction(transactionID: "Txn0000000000000000009", commitDigest: [])),
                    "BadRequestException", "No open transaction")
        let txn = try XCTUnwrap(send(m, tok, .startTransaction).transactionID)
        assertError(send(m, tok, .startTransaction), "BadRequestException", "Transaction already open")
        assertError(send(m, tok, .executeStatement(transactionID: "Txn0000000000000000009", statement: "S", parameters: [])),
                    "BadRequestException", "No open transaction with id Txn0000000000000000009")
        XCTAssertNil(send(m, tok, .executeStatement(transactionID: txn, statement: "S", parameters: [])).error)
        XCTAssertEqual(send(m, tok, .abortTransaction).value, .abortTransaction)
        XCTAssertEqual(backend.transactions[0].aborted, 1)
        // Abort with nothing open is fine (pyqldb sends it after most failures).
        XCTAssertEqual(send(m, tok, .abortTransaction).value, .abortTransaction)
        assertError(send(m, tok, .executeStatement(transactionID: txn, statement: "S", parameters: [])),
                    "BadRequestException", "No open transaction")
    }

    func testOccConflictPassesThroughAndSessionStaysUsable() throws {
        let m = manager()
        let (tok, txn) = try open(m)
        XCTAssertNil(send(m, tok, .executeStatement(transactionID: txn, statement: "UPDATE T SET a = 1", parameters: [])).error)
        backend.commitMode = .fail(.occConflict("Optimistic concurrency control failure: document changed"))
        let digest = clientDigest(txn, [("UPDATE T SET a = 1", [])])
        assertError(send(m, tok, .commitTransaction(transactionID: txn, commitDigest: digest)),
                    "OccConflictException", "Optimistic concurrency control failure: document changed")
        XCTAssertEqual(backend.transactions[0].commitCalls, 1)
        XCTAssertEqual(backend.transactions[0].aborted, 0)
        // pyqldb retries on the same session without sending AbortTransaction.
        backend.commitMode = .succeed
        let txn2 = try XCTUnwrap(send(m, tok, .startTransaction).transactionID)
        XCTAssertNotEqual(txn, txn2)
        XCTAssertNil(send(m, tok, .commitTransaction(transactionID: txn2, commitDigest: clientDigest(txn2, []))).error)
    }

    func testBackendErrorsPassThrough() throws {
        let m = manager()
        let (tok, txn) = try open(m)
        backend.results = { _, _ in throw ServiceError.badRequest("Semantic Error: at line 1, column 15: No such table") }
        assertError(send(m, tok, .executeStatement(transactionID: txn, statement: "SELECT * FROM Nope", parameters: [])),
                    "BadRequestException", "Semantic Error: at line 1, column 15: No such table")
        struct Boom: Error {}
        backend.results = { _, _ in throw Boom() }
        let r = send(m, tok, .executeStatement(transactionID: txn, statement: "S", parameters: []))
        XCTAssertEqual(r.error?.code, "InternalFailure")
        XCTAssertEqual(r.error?.status, 500)
        // Failed statements still count in the digest, as the driver counts them.
        backend.results = { _, _ in StatementResult(values: [], readIOs: 1) }
        let digest = clientDigest(txn, [("SELECT * FROM Nope", []), ("S", [])])
        XCTAssertNil(send(m, tok, .commitTransaction(transactionID: txn, commitDigest: digest)).error)
    }

    func testDigestMismatchAbortsTheTransaction() throws {
        let m = manager()
        let (tok, txn) = try open(m)
        XCTAssertNil(send(m, tok, .executeStatement(transactionID: txn, statement: "INSERT INTO T ?", parameters: [.int(1)])).error)
        let wrong = clientDigest(txn, [("INSERT INTO T ?", [.int(2)])])
        assertError(send(m, tok, .commitTransaction(transactionID: txn, commitDigest: wrong)),
                    "BadRequestException", "Digests don't match")
        XCTAssertEqual(backend.transactions[0].aborted, 1)
        XCTAssertEqual(backend.transactions[0].commitCalls, 0)
        assertError(send(m, tok, .executeStatement(transactionID: txn, statement: "S", parameters: [])),
                    "BadRequestException", "No open transaction")
        XCTAssertEqual(send(m, tok, .abortTransaction).value, .abortTransaction)
        XCTAssertNotNil(send(m, tok, .startTransaction).transactionID)
    }

    func testTransactionExpiry() throws {
        let m = manager()
        let (tok, txn) = try open(m)
        clock.advance(by: 29.9)
        XCTAssertNil(send(m, tok, .executeStatement(transactionID: txn, statement: "S", parameters: [])).error)
        clock.advance(by: 0.1)
        let r = send(m, tok, .executeStatement(transactionID: txn, statement: "S", parameters: []))
        assertError(r, "InvalidSessionException", "Transaction \(txn) has expired")
        // The drivers' regexes (pyqldb/Node and Java).
        let message = try XCTUnwrap(r.error?.message)
        XCTAssertNotNil(message.range(of: "Transaction .* has expired", options: .regularExpression))
        XCTAssertNotNil(message.range(of: "^Transaction.*has expired.*$", options: .regularExpression))
        XCTAssertEqual(backend.transactions[0].aborted, 1)
        // Later commands naming it say the same; commit too.
        assertError(send(m, tok, .commitTransaction(transactionID: txn, commitDigest: clientDigest(txn, [("S", [])]))),
                    "InvalidSessionException", "Transaction \(txn) has expired")
        // pyqldb then sends AbortTransaction, keeps the session and starts over.
        XCTAssertEqual(send(m, tok, .abortTransaction).value, .abortTransaction)
        let txn2 = try XCTUnwrap(send(m, tok, .startTransaction).transactionID)
        XCTAssertNil(send(m, tok, .commitTransaction(transactionID: txn2, commitDigest: clientDigest(txn2, []))).error)
        XCTAssertEqual(backend.transactions[0].aborted, 1)
    }

    func testExpiredTransactionIsReplacedByStartTransactionAndSwept() throws {
        let m = manager()
        let (tok, _) = try open(m)
        clock.advance(by: 31)
        XCTAssertNotNil(send(m, tok, .startTransaction).transactionID)
        XCTAssertEqual(backend.transactions[0].aborted, 1)
        clock.advance(by: 31)
        m.sweep()
        XCTAssertEqual(backend.transactions[1].aborted, 1)
    }

    func testSessionExpiryAndNoSuchSession() throws {
        let m = manager()
        let (tok, _) = try open(m, requestID: "SessionRequestId000001")
        clock.advance(by: 15 * 60 - 1)
        XCTAssertNotNil(send(m, tok, .abortTransaction).value)
        XCTAssertNotNil(send(m, tok, .startTransaction).transactionID)
        clock.advance(by: 1)
        assertError(send(m, tok, .startTransaction), "InvalidSessionException", "Session SessionRequestId000001 has expired")
        XCTAssertEqual(backend.transactions[1].aborted, 1, "the open transaction is released")
        XCTAssertEqual(m.liveSessionCount(ledger: "test-ledger"), 0)
        assertError(send(m, tok, .endSession), "InvalidSessionException", "Session SessionRequestId000001 has expired")
        clock.advance(by: 15 * 60)
        assertError(send(m, tok, .startTransaction), "InvalidSessionException", "No such session")
        assertError(send(m, "bm90LWEtdG9rZW4=", .startTransaction), "InvalidSessionException", "No such session")
    }

    func testSessionLimitPerLedger() throws {
        settings.maxSessionsPerLedger = 2
        let m = manager()
        let a = try XCTUnwrap(send(m, nil, .startSession(ledgerName: "test-ledger")).token)
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "test-ledger")).token)
        let r = send(m, nil, .startSession(ledgerName: "test-ledger"))
        XCTAssertEqual(r.error?.code, "LimitExceededException")
        XCTAssertEqual(r.error?.message, "Exceeded the session limit: ledger test-ledger already has 2 active sessions")
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "other-ledger")).token, "the limit is per ledger")
        XCTAssertNotNil(send(m, a, .endSession).value)
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "test-ledger")).token)
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "test-ledger")).error)
        clock.advance(by: 15 * 60)  // expired sessions do not count
        XCTAssertNotNil(send(m, nil, .startSession(ledgerName: "test-ledger")).token)
        XCTAssertEqual(m.liveSessionCount(ledger: "test-ledger"), 1)
    }

    func testUnknownOrInactiveLedger() {
        backend.ledgers["creating"] = .unavailable(state: "CREATING")
        let m = manager()
        assertError(send(m, nil, .startSession(ledgerName: "nope")), "BadRequestException", "Ledger nope does not exist")
        assertError(send(m, nil, .startSession(ledgerName: "creating")), "BadRequestException",
                    "Ledger creating is not active (state: CREATING)")
    }

    func testRateLimit() throws {
        settings.rateLimitPerSecond = 2
        settings.rateLimitBurst = 3
        let m = manager()
        let tok = try XCTUnwrap(send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "A").token)
        XCTAssertNil(send(m, tok, .abortTransaction, caller: "A").error)
        XCTAssertNil(send(m, tok, .abortTransaction, caller: "A").error)
        assertError(send(m, tok, .abortTransaction, caller: "A"), "RateExceededException", "Rate exceeded for A")
        let other = try XCTUnwrap(send(m, nil, .startSession(ledgerName: "test-ledger"), caller: "B").token)
        XCTAssertNil(send(m, other, .abortTransaction, caller: "B").error, "buckets are per caller")
        clock.advance(by: 0.5)
        XCTAssertNil(send(m, tok, .abortTransaction, caller: "A").error)
        XCTAssertNotNil(send(m, tok, .abortTransaction, caller: "A").error)
    }

    func testPagingAcrossFetchPage() throws {
        settings.pageSize = 2
        let m = manager()
        backend.results = { _, _ in StatementResult(values: (1...5).map { IonValue.int($0) }, readIOs: 5) }
        let (tok, txn) = try open(m)
        let first = try XCTUnwrap(send(m, tok, .executeStatement(transactionID: txn, statement: "SELECT", parameters: [])).page)
        XCTAssertEqual(first.values.map { try! Ion.read($0) }, [[.int(1)], [.int(2)]])
        var token = try XCTUnwrap(first.nextPageToken)
        XCTAssertNoThrow(try SendCommandRequest.checkToken(token, path: "t"))
        let second = send(m, tok, .fetchPage(transactionID: txn, nextPageToken: token))
        XCTAssertEqual(second.page?.values.map { try! Ion.read($0) }, [[.int(3)], [.int(4)]])
        if case .success(.fetchPage(_, let io)) = second { XCTAssertEqual(io, .zero) } else { XCTFail() }
        // A token is used once.
        assertError(send(m, tok, .fetchPage(transactionID: txn, nextPageToken: token)), "BadRequestException",
                    "NextPageToken is not valid in transaction \(txn)")
        token = try XCTUnwrap(second.page?.nextPageToken)
        let third = try XCTUnwrap(send(m, tok, .fetchPage(transactionID: txn, nextPageToken: token)).page)
        XCTAssertEqual(third.values.map { try! Ion.read($0) }, [[.int(5)]])
        XCTAssertNil(third.nextPageToken)

        // Tokens are valid only inside their transaction.
        let again = try XCTUnwrap(send(m, tok, .executeStatement(transactionID: txn, statement: "SELECT", parameters: [])).page)
        let leftover = try XCTUnwrap(again.nextPageToken)
        XCTAssertNil(send(m, tok, .commitTransaction(transactionID: txn, commitDigest: clientDigest(txn, [("SELECT", []), ("SELECT", [])]))).error)
        let txn2 = try XCTUnwrap(send(m, tok, .startTransaction).transactionID)
        assertError(send(m, tok, .fetchPage(transactionID: txn2, nextPageToken: leftover)), "BadRequestException",
                    "NextPageToken is not valid in transaction \(txn2)")
        // ... and not in another session either.
        let (tok2, txn3) = try open(m)
        let other = try XCTUnwrap(send(m, tok2, .executeStatement(transactionID: txn3, statement: "SELECT", parameters: [])).page)
        assertError(send(m, tok, .fetchPage(transactionID: txn2, nextPageToken: other.nextPageToken!)), "BadRequestException",
                    "NextPageToken is not valid in transaction \(txn2)")
    }

    func testPageByteLimitAndEmptyResults() throws {
        settings.pageBytes = 100
        let m = manager()
        backend.results = { _, _ in
            StatementResult(values: (0..<3).map { _ in IonValue.string(String(repeating: "x", count: 60)) }, readIOs: 3)
        }
        let (tok, txn) = try open(m)
        let first = try XCTUnwrap(send(m, tok, .executeStatement(transactionID: txn, statement: "S", parameters: [])).page)
        XCTAssertEqual(first.values.count, 1)
        XCTAssertNotNil(first.nextPageToken)
        backend.results = { _, _ in StatementResult(values: [], readIOs: 1) }
        let empty = try XCTUnwrap(send(m, tok, .executeStatement(transactionID: txn, statement: "S", parameters: [])).page)
        XCTAssertEqual(empty, ResultPage(values: [], nextPageToken: nil))
        XCTAssertEqual(Pager(maxValues: 200, maxBytes: 1000).paginate([]), [[]])
        XCTAssertEqual(Pager(maxValues: 2, maxBytes: 1000).paginate([[1], [2], [3]]), [[[1], [2]], [[3]]])
    }

    func testRequestsOfOneSessionAreSerialized() throws {
        backend.commitMode = .deferred
        let m = manager()
        let (tok, txn) = try open(m)
        var commitResult: Result<SessionResult, ServiceError>?
        m.send(SendCommandRequest(sessionToken: tok, command: .commitTransaction(
            transactionID: txn, commitDigest: clientDigest(txn, [])) ), caller: "AKID") { commitResult = $0 }
        XCTAssertNil(commitResult, "the commit waits for the backend")
        var queued: Result<SessionResult, ServiceError>?
        m.send(SendCommandRequest(sessionToken: tok, command: .startTransaction), caller: "AKID") { queued = $0 }
        XCTAssertNil(queued, "the next request of the session waits for the commit")
        // Another session is not blocked.
        let other = try XCTUnwrap(send(m, nil, .startSession(ledgerName: "test-ledger")).token)
        XCTAssertNotNil(send(m, other, .startTransaction).transactionID)

        let finish = try XCTUnwrap(backend.transactions[0].pendingCommit)
        let done = expectation(description: "commit")
        DispatchQueue.global().async {  // Raft completes on another thread
            finish(.success(CommitOutcome()))
            done.fulfill()
        }
        wait(for: [done], timeout: 5)
        XCTAssertEqual(commitResult?.value, .commitTransaction(transactionID: txn, commitDigest: clientDigest(txn, []),
                                                               consumedIOs: .zero))
        XCTAssertNotNil(queued?.transactionID)
    }

    func testConcurrentRequestsAcrossThreads() throws {
        settings.pageSize = 1
        backend.results = { _, _ in StatementResult(values: (1...50).map { IonValue.int($0) }, readIOs: 1) }
        let m = manager()
        let (tok, txn) = try open(m)
        let first = try XCTUnwrap(send(m, tok, .executeStatement(transactionID: txn, statement: "S", parameters: [])).page)
        // Simulate read-ahead: many FetchPage/ExecuteStatement racing on one session.
        final class Box: @unchecked Sendable { var seen: [Int] = []; var next: String? }
        let box = Box()
        var token = first.nextPageToken!
        let lock = NSLock()
        for _ in 0..<49 {
            let group = DispatchGroup()
            box.next = nil
            let current = token
            for i in 0..<4 {
                group.enter()
                DispatchQueue.global().async {
                    let cmd: SessionCommand
                    switch i {
                    case 0: cmd = .fetchPage(transactionID: txn, nextPageToken: current)
                    case 1: cmd = .executeStatement(transactionID: txn, statement: "S", parameters: [])
                    default: cmd = .fetchPage(transactionID: txn, nextPageToken: "ZmFrZQ==")
                    }
                    m.send(SendCommandRequest(sessionToken: tok, command: cmd), caller: "AKID") { r in
                        if i == 0, case .success(.fetchPage(let p, _)) = r {
                            lock.withLock {
                                box.seen.append(contentsOf: p.values.map { v in
                                    if case .int(let n) = try! Ion.read(v)[0].content { return Int(n.description)! }
                                    return -1
                                })
                                box.next = p.nextPageToken
                            }
                        }
                        group.leave()
                    }
                }
            }
            group.wait()
            guard let n = lock.withLock({ box.next }) else { break }
            token = n
        }
        XCTAssertEqual(box.seen, Array(2...50))
    }
}

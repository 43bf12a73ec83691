import Foundation
import Ion
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

/// An in-memory backend that records every call.
final class FakeBackend: SessionBackend, @unchecked Sendable {
    enum CommitMode { case succeed, fail(ServiceError), deferred }

    let lock = NSLock()
    var ledgers: [String: LedgerAvailability] = ["test-ledger": .active, "other-ledger": .active]
    var nextIDs: [String] = []
    var counter = 0
    var transactions: [FakeTransaction] = []
    var commitMode = CommitMode.succeed
    /// Result of each statement; default: one row `{statement: <text>}`.
    var results: (String, [IonValue]) throws -> StatementResult = { statement, _ in
        StatementResult(values: [.struct([("statement", .string(statement))])], readIOs: 1)
    }

    func ledgerAvailability(_ ledgerName: String) -> LedgerAvailability {
        lock.withLock { ledgers[ledgerName] ?? .notFound }
    }

    func beginTransaction(ledger: String) throws -> BackendTransaction {
        lock.withLock {
            counter += 1
            let id = nextIDs.isEmpty ? "Txn" + String(repeating: "0", count: 19 - String(counter).count) + String(counter)
                : nextIDs.removeFirst()
            let t = FakeTransaction(id: id, ledger: ledger, backend: self)
            transactions.append(t)
            return t
        }
    }

    var executedCount: Int { lock.withLock { transactions.reduce(0) { $0 + $1.executed.count } } }
}

final class FakeTransaction: BackendTransaction, @unchecked Sendable {
    let id: String
    let ledger: String
    unowned let backend: FakeBackend
    var executed: [(statement: String, parameters: [IonValue])] = []
    var committed = false
    var aborted = 0
    var commitCalls = 0
    var pendingCommit: ((Result<CommitOutcome, ServiceError>) -> Void)?

    init(id: String, ledger: String, backend: FakeBackend) {
        self.id = id
        self.ledger = ledger
        self.backend = backend
    }

    func execute(statement: String, parameters: [IonValue], digest: [UInt8], deadline: UInt64,
                 completion: @escaping (Result<StatementResult, ServiceError>) -> Void) {
        executed.append((statement, parameters))
        completion(Result { try backend.results(statement, parameters) }
            .mapError { $0 as? ServiceError ?? .internalFailure("\($0)") })
    }

    func commit(completion: @escaping (Result<CommitOutcome, ServiceError>) -> Void) {
        commitCalls += 1
        switch backend.commitMode {
        case .succeed:
            committed = true
            completion(.success(CommitOutcome(consumedIOs: IOUsage(readIOs: 0, writeIOs: Int64(executed.count)))))
        case .fail(let e):
            completion(.failure(e))
        case .deferred:
            pendingCommit = { [self] r in
                if case .success = r { committed = true }
                completion(r)
            }
        }
    }

    func abort() { aborted += 1 }
}

/// Runs a manager command and returns its (synchronous) result.
func send(_ m: SessionManager, _ token: String?, _ command: SessionCommand, caller: String = "AKID",
          requestID: String = Identifiers.requestID(), file: StaticString = #filePath, line: UInt = #line)
    -> Result<SessionResult, ServiceError> {
    var out: Result<SessionResult, ServiceError>?
    m.send(SendCommandRequest(sessionToken: token, command: command), caller: caller, requestID: requestID) { out = $0 }
    guard let r = out else {
        XCTFail("command did not complete synchronously", file: file, line: line)
        return .failure(.internalFailure("did not complete"))
    }
    return r
}

extension Result where Success == SessionResult, Failure == ServiceError {
    var error: ServiceError? { if case .failure(let e) = self { return e } else { return nil } }
    var value: SessionResult? { if case .success(let v) = self { return v } else { return nil } }
    var token: String? { if case .success(.startSession(let t)) = self { return t } else { return nil } }
    var transactionID: String? { if case .success(.startTransaction(let t)) = self { return t } else { return nil } }
    var page: ResultPage? {
        switch self {
        case .success(.executeStatement(let p, _)), .success(.fetchPage(let p, _)): return p
        default: return nil
        }
    }
}

/// Sends a wire body through a `SessionEndpoint` (auth none) and parses the reply.
func wire(_ endpoint: SessionEndpoint, _ body: String, caller: String = "AKID",
          file: StaticString = #filePath, line: UInt = #line) -> (response: ProtocolResponse, json: [String: Any]) {
    var out: ProtocolResponse?
    endpoint.handle(body: Array(body.utf8), caller: caller) { out = $0 }
    guard let r = out else {
        XCTFail("no response", file: file, line: line)
        return (ProtocolResponse(status: 0, headers: [], body: []), [:])
    }
    let json = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:]
    return (r, json)
}

func makeEndpoint(_ m: SessionManager) -> SessionEndpoint {
    SessionEndpoint(manager: m, authenticator: RequestAuthenticator(
        mode: .none, verifier: SigV4Verifier(credentials: StaticCredentialStore([]))))
}

func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

/// The digest a driver would send.
func clientDigest(_ txnID: String, _ statements: [(String, [IonValue])]) -> [UInt8] {
    QLDBHash.commitDigest(transactionID: txnID, statements: statements.map { (text: $0.0, parameters: $0.1) })
}

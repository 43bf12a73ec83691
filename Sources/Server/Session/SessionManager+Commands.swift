import Foundation
import Ion
import PartiQL
import QLDBWire

extension SessionManager {
    /// Runs one command inside the session's queue.
    func run(_ command: SessionCommand, in s: SessionState, statementDigest: [UInt8]? = nil,
             completion: @escaping (Result<SessionResult, ServiceError>) -> Void) {
        // The session may have ended or expired while this request waited.
        let now = clock.now()
        let gone: ServiceError? = lock.withLock {
            if s.ended { return .invalidSession("No such session") }
            if s.expiredAt != nil { return s.expiredError }
            if isPastLifetime(s, now) {
                tombstoneLocked(s, now)
                return s.expiredError
            }
            return nil
        }
        if let error = gone {
            expireIfNeeded(s)
            completion(.failure(error))
            return
        }
        switch command {
        case .startSession:
            completion(.failure(.badRequest("StartSession must not carry a SessionToken")))
        case .startTransaction:
            completion(Result { try startTransaction(s, now) }.mapServiceError())
        case .executeStatement(let id, let statement, let parameters):
            execute(s, id, statement, parameters, statementDigest, now, completion)
        case .fetchPage(let id, let token):
            fetchPage(s, id, token, now, completion)
        case .commitTransaction(let id, let digest):
            commit(s, id, digest, now, completion)
        case .abortTransaction:
            if let txn = s.transaction {
                s.transaction = nil
                txn.backend.abort()
            }
            completion(.success(.abortTransaction))
        case .endSession:
            if let txn = s.transaction {
                s.transaction = nil
                txn.backend.abort()
            }
            lock.withLock { endSessionLocked(s) }
            completion(.success(.endSession))
        }
    }

    /// The session's open transaction named `id`, or the error the client
    /// must see. An expired transaction is aborted here.
    func openTransaction(_ s: SessionState, _ id: String, _ now: Date) throws -> OpenTransaction {
        guard let txn = s.transaction, txn.id == id else {
            if id == s.lastExpiredTransactionID { throw ServiceError.invalidSession("Transaction \(id) has expired") }
            throw ServiceError.badRequest(s.transaction == nil
                ? "No open transaction" : "No open transaction with id \(id)")
        }
        if now.timeIntervalSince(txn.startedAt) >= settings.transactionTimeout {
            s.transaction = nil
            s.lastExpiredTransactionID = txn.id
            txn.backend.abort()
            throw ServiceError.invalidSession("Transaction \(txn.id) has expired")
        }
        return txn
    }

    func startTransaction(_ s: SessionState, _ now: Date) throws -> SessionResult {
        if let txn = s.transaction {
            guard now.timeIntervalSince(txn.startedAt) >= settings.transactionTimeout else {
                throw ServiceError.badRequest("Transaction already open")
            }
            s.transaction = nil
            s.lastExpiredTransactionID = txn.id
            txn.backend.abort()
        }
        let backendTxn = try backend.beginTransaction(ledger: s.ledger)
        let id = backendTxn.id
        guard id.utf8.count == SendCommandRequest.Limits.transactionIDLength,
              id.utf8.allSatisfy(SendCommandRequest.isAlphanumericOrDash) else {
            backendTxn.abort()
            throw ServiceError.internalFailure("Backend issued an invalid transaction id")
        }
        s.transaction = OpenTransaction(backend: backendTxn, startedAt: now)
        return .startTransaction(transactionID: id)
    }

    func execute(_ s: SessionState, _ id: String, _ statement: String, _ parameters: [IonValue], _ digest: [UInt8]?,
                 _ now: Date, _ completion: @escaping (Result<SessionResult, ServiceError>) -> Void) {
        let txn: OpenTransaction
        do {
            txn = try openTransaction(s, id, now)
        } catch {
            completion(.failure(error as? ServiceError ?? .internalFailure("\(error)")))
            return
        }
        // The client's digest covers every statement it sent, failed or not.
        assert(digest.map { $0 == QLDBHash.statementHash(statement, parameters: parameters) } ?? true,
               "a statement digest made for another statement")
        let statementDigest = digest ?? QLDBHash.statementHash(statement, parameters: parameters)
        txn.digest = QLDBHash.dot(txn.digest, statementDigest)
        // The statement must end when the transaction times out.
        let remaining = max(0, settings.transactionTimeout - now.timeIntervalSince(txn.startedAt))
        let deadline = StatementBudget.now &+ UInt64(remaining * 1e9)
        txn.backend.execute(statement: statement, parameters: parameters, digest: statementDigest,
                            deadline: deadline) { [self] outcome in
            switch outcome {
            case .success(let result) where result.stream != nil:
                nextPage(of: PendingResult(pages: [], stream: result.stream), in: txn, deadline: deadline) { page in
                    completion(page.map { .executeStatement(firstPage: $0.page, consumedIOs: $0.consumedIOs) })
                }
            case .success(let result):
                let pages = pager.paginate(result.values.map(\.ionBinary))
                let page = firstPage(of: PendingResult(pages: ArraySlice(pages), stream: nil), in: txn)
                completion(.success(.executeStatement(firstPage: page, consumedIOs: result.consumedIOs)))
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    func fetchPage(_ s: SessionState, _ id: String, _ token: String, _ now: Date,
                   _ completion: @escaping (Result<SessionResult, ServiceError>) -> Void) {
        let txn: OpenTransaction
        let pending: PendingResult
        do {
            txn = try openTransaction(s, id, now)
            guard let p = txn.cursors.removeValue(forKey: token) else {
                throw ServiceError.badRequest("NextPageToken is not valid in transaction \(id)")
            }
            pending = p
        } catch {
            completion(.failure(error as? ServiceError ?? .internalFailure("\(error)")))
            return
        }
        let remaining = max(0, settings.transactionTimeout - now.timeIntervalSince(txn.startedAt))
        nextPage(of: pending, in: txn, deadline: StatementBudget.now &+ UInt64(remaining * 1e9)) { page in
            completion(page.map { .fetchPage(page: $0.page, consumedIOs: $0.consumedIOs) })
        }
    }

    /// The next page of `pending`: one already made, or the stream's next.
    func nextPage(of pending: PendingResult, in txn: OpenTransaction, deadline: UInt64,
                  _ completion: @escaping (Result<(page: ResultPage, consumedIOs: IOUsage), ServiceError>) -> Void) {
        guard pending.pages.isEmpty, let stream = pending.stream else {
            completion(.success((firstPage(of: pending, in: txn), .zero)))
            return
        }
        stream.next(maxValues: pager.maxValues, deadline: deadline) { [self] outcome in
            completion(outcome.map { page in
                let pages = pager.paginate(page.values.map(\.ionBinary))
                let rest = PendingResult(pages: ArraySlice(pages), stream: page.isFinished ? nil : stream)
                return (firstPage(of: rest, in: txn), page.consumedIOs)
            })
        }
    }

    /// The first page of `pending` (empty if none is made yet); the rest is
    /// kept behind a new token.
    func firstPage(of pending: PendingResult, in txn: OpenTransaction) -> ResultPage {
        let rest = PendingResult(pages: pending.pages.dropFirst(), stream: pending.stream)
        var token: String?
        if !rest.pages.isEmpty || rest.stream != nil {
            var t = Identifiers.token(bytes: 18)
            while txn.cursors[t] != nil { t = Identifiers.token(bytes: 18) }
            txn.cursors[t] = rest
            token = t
        }
        return ResultPage(values: pending.pages.first ?? [], nextPageToken: token)
    }

    func commit(_ s: SessionState, _ id: String, _ clientDigest: [UInt8], _ now: Date,
                _ completion: @escaping (Result<SessionResult, ServiceError>) -> Void) {
        let txn: OpenTransaction
        do {
            txn = try openTransaction(s, id, now)
        } catch {
            completion(.failure(error as? ServiceError ?? .internalFailure("\(error)")))
            return
        }
        s.transaction = nil
        guard txn.digest == clientDigest else {
            txn.backend.abort()
            completion(.failure(.badRequest("Digests don't match")))
            return
        }
        let digest = txn.digest
        txn.backend.commit { outcome in
            switch outcome {
            case .success(let done):
                completion(.success(.commitTransaction(transactionID: id, commitDigest: digest,
                                                       consumedIOs: done.consumedIOs)))
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }
}

extension Result where Success == SessionResult, Failure == any Error {
    /// Backend errors that are not `ServiceError`s become 500 InternalFailure.
    func mapServiceError() -> Result<SessionResult, ServiceError> {
        mapError { $0 as? ServiceError ?? .internalFailure("Internal error: \($0)") }
    }
}

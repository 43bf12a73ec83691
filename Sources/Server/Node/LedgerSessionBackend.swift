import Ion
import Ledger
import PartiQL

/// What the session API needs from the node: its ledgers, and a way to get a
/// prepared transaction committed (replicated, applied, durable).
/// Called on the node's event-loop thread only.
public protocol LedgerDirectory: AnyObject {
    func availability(of ledgerName: String) -> LedgerAvailability
    func ledger(named ledgerName: String) -> Ledger?
    /// Replicates `proposal` and completes once this node has applied it and
    /// made it durable — the only point at which a commit may be acknowledged.
    func commit(ledgerName: String, proposal: BlockProposal, completion: @escaping (Result<Void, ServiceError>) -> Void)
    /// Read index: completes once this node is confirmed as the leader with
    /// everything committed applied, so a read-only commit is never stale.
    func confirmLeadership(completion: @escaping (Result<Void, ServiceError>) -> Void)
}

/// The session API's backend: PartiQL statements over `LedgerTransaction`s.
public final class LedgerSessionBackend: SessionBackend {
    private let directory: LedgerDirectory
    private let engine = PartiQLEngine()
    /// Told of every statement's read and write IOs (for metrics).
    private let recordIOs: (_ ledger: String, _ reads: Int64, _ writes: Int64) -> Void

    public init(directory: LedgerDirectory,
                recordIOs: @escaping (_ ledger: String, _ reads: Int64, _ writes: Int64) -> Void = { _, _, _ in }) {
        self.directory = directory
        self.recordIOs = recordIOs
    }

    public func ledgerAvailability(_ ledgerName: String) -> LedgerAvailability {
        directory.availability(of: ledgerName)
    }

    public func beginTransaction(ledger ledgerName: String) throws -> BackendTransaction {
        guard let ledger = directory.ledger(named: ledgerName) else {
            throw ServiceError.badRequest("Ledger \(ledgerName) does not exist or is not active")
        }
        return LedgerBackendTransaction(ledgerName: ledgerName, transaction: ledger.begin(), engine: engine,
                                        directory: directory, recordIOs: recordIOs)
    }
}

final class LedgerBackendTransaction: BackendTransaction {
    let ledgerName: String
    let transaction: LedgerTransaction
    let engine: PartiQLEngine
    weak var directory: LedgerDirectory?
    let recordIOs: (String, Int64, Int64) -> Void

    init(ledgerName: String, transaction: LedgerTransaction, engine: PartiQLEngine, directory: LedgerDirectory,
         recordIOs: @escaping (String, Int64, Int64) -> Void) {
        self.ledgerName = ledgerName
        self.transaction = transaction
        self.engine = engine
        self.directory = directory
        self.recordIOs = recordIOs
    }

    var id: String { transaction.transactionID }

    /// A statement either takes full effect within the transaction or none:
    /// on any error its writes are rolled back and the transaction stays usable.
    func execute(statement: String, parameters: [IonValue]) throws -> StatementResult {
        let savepoint = transaction.savepoint()
        do {
            try transaction.recordStatement(text: statement, parameters: parameters)
            let values = try engine.execute(statement: statement, parameters: parameters, catalog: transaction)
            let writes = Int64(values.count { $0[field: "documentId"] != nil || $0[field: "tableId"] != nil })
            let reads = Int64(max(1, values.count))
            recordIOs(ledgerName, reads, writes)
            return StatementResult(values: values, readIOs: reads, writeIOs: writes)
        } catch {
            transaction.rollback(to: savepoint)
            throw LedgerBackendTransaction.serviceError(error)
        }
    }

    func commit(commitDigest: [UInt8], completion: @escaping (Result<CommitOutcome, ServiceError>) -> Void) {
        let proposal: BlockProposal?
        do {
            proposal = try transaction.commit()
        } catch {
            transaction.abort()
            completion(.failure(LedgerBackendTransaction.serviceError(error)))
            return
        }
        guard let directory else {
            completion(.failure(.capacityExceeded("Node is shutting down")))
            return
        }
        guard let proposal else {
            // Read-only: nothing to journal, but a deposed leader must not
            // answer from stale state.
            directory.confirmLeadership { result in
                completion(result.map { CommitOutcome(consumedIOs: IOUsage(readIOs: 1, writeIOs: 0)) })
            }
            return
        }
        let writes = Int64(proposal.writes.count)
        directory.commit(ledgerName: ledgerName, proposal: proposal) { result in
            completion(result.map { CommitOutcome(consumedIOs: IOUsage(readIOs: 0, writeIOs: max(1, writes))) })
        }
    }

    func abort() {
        transaction.abort()
        directory?.ledger(named: ledgerName)?.abandon(transactionId: transaction.transactionID)
    }

    /// Maps engine and ledger errors to what the client sees.
    static func serviceError(_ error: Error) -> ServiceError {
        switch error {
        case let e as ServiceError: return e
        case let e as PartiQLError: return .badRequest(e.message)
        case let e as CatalogError: return .badRequest(e.message)
        case let e as OccConflict: return .occConflict(e.description)
        case let e as LimitExceeded: return .badRequest(e.message)
        case let e as TransactionClosed: return .badRequest(e.description)
        case let e as IonError: return .badRequest(e.description)
        default: return .internalFailure("\(error)")
        }
    }
}

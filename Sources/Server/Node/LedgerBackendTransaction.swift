import Ion
import Ledger
import PartiQL
import QLDBWire

/// One session transaction over a `LedgerTransaction`. A statement runs on
/// the loop for at most one slice; one that needs longer is undone and run
/// again on a statement thread against a snapshot of the committed state, so
/// no statement holds the loop, and every statement ends by the transaction
/// timeout or within its row and memory budget with a clear error.
final class LedgerBackendTransaction: BackendTransaction {
    let ledgerName: String
    let transaction: LedgerTransaction
    let engine: PartiQLEngine
    weak var directory: LedgerDirectory?
    let runner: StatementRunner
    let settings: StatementSettings
    let recordIOs: (String, Int64, Int64) -> Void
    /// Started after the last statement, which wrote nothing (`ReadConfirmation`); nil otherwise.
    private var readConfirmation: ReadConfirmation?

    init(ledgerName: String, transaction: LedgerTransaction, engine: PartiQLEngine, directory: LedgerDirectory,
         runner: StatementRunner, settings: StatementSettings, recordIOs: @escaping (String, Int64, Int64) -> Void) {
        self.ledgerName = ledgerName
        self.transaction = transaction
        self.engine = engine
        self.directory = directory
        self.runner = runner
        self.settings = settings
        self.recordIOs = recordIOs
    }

    var id: String { transaction.transactionID }

    /// A statement either takes full effect within the transaction or none:
    /// on any error its writes are rolled back and the transaction stays usable.
    func execute(statement: String, parameters: [IonValue], digest: [UInt8], deadline: UInt64,
                 completion: @escaping (Result<StatementResult, ServiceError>) -> Void) {
        forgetReadConfirmation()   // this statement's reads come after any round asked for so far
        let savepoint = transaction.savepoint()
        let sliceEnd = StatementBudget.now &+ UInt64(settings.loopSliceMilliseconds) * 1_000_000
        let slice = StatementBudget(limits: settings.limits, deadline: min(deadline, sliceEnd), isSlice: sliceEnd < deadline)
        do {
            try transaction.recordStatement(text: statement, parameters: parameters, digest: digest)
            switch try engine.open(statement: statement, parameters: parameters, catalog: transaction, budget: slice) {
            case .values(let values):
                confirmReadsAhead()
                completion(.success(result(values.map { .value($0) }, values)))
            case .stream(let stream):
                completion(.success(StatementResult(stream: LedgerStatementStream(stream, in: self, savepoint: savepoint))))
            }
            return
        } catch is StatementBudget.SliceExpired {
            transaction.rollback(to: savepoint)
        } catch {
            transaction.rollback(to: savepoint)
            completion(.failure(LedgerBackendTransaction.serviceError(error)))
            return
        }
        runOffLoop(statement: statement, parameters: parameters, digest: digest, deadline: deadline,
                   savepoint: savepoint, completion: completion)
    }

    private func runOffLoop(statement: String, parameters: [IonValue], digest: [UInt8], deadline: UInt64,
                            savepoint: LedgerTransaction.Savepoint,
                            completion: @escaping (Result<StatementResult, ServiceError>) -> Void) {
        do {
            try transaction.recordStatement(text: statement, parameters: parameters, digest: digest)
        } catch {
            transaction.rollback(to: savepoint)
            completion(.failure(LedgerBackendTransaction.serviceError(error)))
            return
        }
        transaction.beginStatement()
        let budget = StatementBudget(limits: settings.limits, deadline: deadline)
        let (engine, transaction) = (self.engine, self.transaction)
        runner.run(budget, {
            Result { () -> ([ResultValue], [IonValue]) in
                let values = try engine.execute(statement: statement, parameters: parameters, catalog: transaction,
                                                budget: budget)
                // Encode here too, so a large result costs the loop nothing.
                return (values.map { .binary(Ion.writeBinary([$0])) }, values)
            }
        }, then: { [self] outcome in
            transaction.endStatement()
            switch outcome {
            case .success(let (encoded, values)):
                confirmReadsAhead()
                completion(.success(result(encoded, values)))
            case .failure(let error):
                transaction.rollback(to: savepoint)
                completion(.failure(LedgerBackendTransaction.serviceError(error)))
            }
        })
    }

    /// Reads are about to happen that a round asked for so far would not cover.
    func forgetReadConfirmation() { readConfirmation = nil }

    /// After a statement that read and wrote nothing so far, the round its read-only commit needs
    /// starts now. A statement whose rows stream reads while pages are fetched: none for it.
    private func confirmReadsAhead() {
        guard transaction.hasWrittenNothing, let directory else { return }
        readConfirmation = ReadConfirmation(directory)
    }

    func result(_ encoded: [ResultValue], _ values: [IonValue]) -> StatementResult {
        let writes = Int64(values.count { $0[field: "documentId"] != nil || $0[field: "tableId"] != nil })
        let reads = Int64(max(1, values.count))
        recordIOs(ledgerName, reads, writes)
        return StatementResult(values: encoded, consumedIOs: IOUsage(readIOs: reads, writeIOs: writes))
    }

    func commit(completion: @escaping (Result<CommitOutcome, ServiceError>) -> Void) {
        guard let directory else {
            completion(.failure(CommitFailure.shuttingDown.serviceError))
            return
        }
        // A leader new to its term may not have applied every entry committed
        // before it: the OCC check waits for that (reads it missed would pass).
        directory.awaitSettledLeadership { [self] settled in
            switch settled {
            case .success: prepareAndPropose(completion: completion)
            case .failure(let failure):
                transaction.abort()
                completion(.failure(failure.serviceError))
            }
        }
    }

    private func prepareAndPropose(completion: @escaping (Result<CommitOutcome, ServiceError>) -> Void) {
        let proposal: BlockProposal?
        do {
            proposal = try transaction.commit()
        } catch {
            transaction.abort()
            completion(.failure(LedgerBackendTransaction.serviceError(error)))
            return
        }
        guard let directory else {
            completion(.failure(CommitFailure.shuttingDown.serviceError))
            return
        }
        guard let proposal else {
            // Read-only: nothing to journal, but a deposed leader must not
            // answer from stale state.
            let confirmed = { (result: Result<Void, CommitFailure>) in
                completion(result.map { CommitOutcome(consumedIOs: IOUsage(readIOs: 1, writeIOs: 0)) }.mapError(\.serviceError))
            }
            if let readConfirmation { return readConfirmation.wait(confirmed) }
            directory.confirmLeadership(completion: confirmed)
            return
        }
        let writes = Int64(proposal.writes.count)
        directory.commit(ledgerName: ledgerName, proposal: proposal) { result in
            completion(result.map { CommitOutcome(consumedIOs: IOUsage(readIOs: 0, writeIOs: max(1, writes))) }
                .mapError(\.serviceError))
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
        case let e as OccConflict: return CommitFailure.staleReads(e.description).serviceError
        case let e as LimitExceeded: return .badRequest(e.message)
        case let e as TransactionClosed: return .badRequest(e.description)
        case let e as IonError: return .badRequest(e.description)
        default: return .internalFailure("\(error)")
        }
    }
}

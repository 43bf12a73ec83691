import Ion
import Ledger
import PartiQL
import QLDBWire

/// A streamed query's pages (see `ResultStream`). A page starts on the loop
/// for one slice; if that does not fill it, the rest of the page is made on a
/// statement thread against a snapshot, for at most `offLoopPageSeconds` of
/// work (a page is short only when a sparse WHERE reads that long). If the
/// first page fails, the statement is undone as an `execute` that fails would be.
final class LedgerStatementStream: StatementStream, @unchecked Sendable {
    private let stream: ResultStream
    private let owner: LedgerBackendTransaction
    private var savepoint: LedgerTransaction.Savepoint?

    static let offLoopPageSeconds = 1.0

    init(_ stream: ResultStream, in owner: LedgerBackendTransaction, savepoint: LedgerTransaction.Savepoint) {
        self.stream = stream
        self.owner = owner
        self.savepoint = savepoint
    }

    func next(maxValues: Int, deadline: UInt64, completion: @escaping (Result<StatementPage, ServiceError>) -> Void) {
        owner.forgetReadConfirmation()   // this page's reads come after any round asked for so far
        let sliceEnd = StatementBudget.now &+ UInt64(owner.settings.loopSliceMilliseconds) * 1_000_000
        let slice = StatementBudget(limits: owner.settings.limits, deadline: min(deadline, sliceEnd), isSlice: sliceEnd < deadline)
        var first: [IonValue] = []
        do {
            first = try stream.next(maxValues: maxValues, budget: slice, softDeadline: sliceEnd)
            if first.count >= maxValues || stream.isFinished {
                completion(.success(page(first.map { .value($0) }, first)))
                return
            }
        } catch is StatementBudget.SliceExpired {
        } catch {
            completion(.failure(fail(error)))
            return
        }
        // The slice is up with the page not full: the rest of it on a statement thread.
        let transaction = owner.transaction
        transaction.beginStatement()
        let budget = StatementBudget(limits: owner.settings.limits, deadline: deadline)
        let soft = StatementBudget.now &+ UInt64(Self.offLoopPageSeconds * 1e9)
        let (stream, rest) = (self.stream, maxValues - first.count)
        owner.runner.run(budget, {
            Result { () -> ([ResultValue], [IonValue]) in
                let values = try stream.next(maxValues: rest, budget: budget, softDeadline: soft)
                return (values.map { .binary(Ion.writeBinary([$0])) }, values)
            }
        }, then: { [self] outcome in
            transaction.endStatement()
            switch outcome {
            case .success(let (encoded, values)):
                completion(.success(page(first.map { .value($0) } + encoded, first + values)))
            case .failure(let error):
                completion(.failure(fail(error)))
            }
        })
    }

    private func page(_ encoded: [ResultValue], _ values: [IonValue]) -> StatementPage {
        savepoint = nil
        let result = owner.result(encoded, values)
        return StatementPage(values: encoded, consumedIOs: result.consumedIOs, isFinished: stream.isFinished)
    }

    private func fail(_ error: Error) -> ServiceError {
        if let savepoint {
            owner.transaction.rollback(to: savepoint)
            self.savepoint = nil
        }
        return LedgerBackendTransaction.serviceError(error)
    }
}

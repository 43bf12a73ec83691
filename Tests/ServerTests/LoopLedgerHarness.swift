import Foundation
import Ion
import Ledger
import Net
import PartiQL
@testable import Server
@testable import QLDBWire

/// One ledger behind the session backend, on a real loop with the node's
/// pooled statement runner: what the statement-budget and read-confirmation
/// tests share. Commits apply at once; leadership is confirmed at once unless
/// a subclass says otherwise.
class LoopLedgerHarness: LedgerDirectory, @unchecked Sendable {
    let loop: EventLoop
    let ledger: Ledger
    let runner: PooledStatementRunner
    var backend: LedgerSessionBackend!
    /// Proposals committed through this directory (loop thread).
    var proposals = 0

    init(name: String, limits: LedgerLimits = LedgerLimits(), settings: StatementSettings = StatementSettings()) throws {
        loop = try EventLoop(name: name)
        loop.start()
        ledger = try Ledger.open(store: MemoryJournalStore(), options: Ledger.Options(limits: limits))
        runner = PooledStatementRunner(loop: loop, threads: 1)
        backend = LedgerSessionBackend(directory: self, runner: runner, settings: settings)
    }

    deinit {
        runner.stop()
        loop.shutdown()
    }

    func availability(of ledgerName: String) -> LedgerAvailability { .active }
    func ledger(named ledgerName: String) -> Ledger? { ledger }
    func commit(ledgerName: String, proposal: BlockProposal, completion: @escaping (Result<Void, CommitFailure>) -> Void) {
        proposals += 1
        completion(Result { _ = try ledger.apply(proposal) }.mapError { .storageFailed("\($0)") })
    }
    func confirmLeadership(completion: @escaping (Result<Void, CommitFailure>) -> Void) { completion(.success(())) }

    func begin() throws -> BackendTransaction {
        try loop.submit { try self.backend.beginTransaction(ledger: "l") }
    }

    /// Runs one statement in `tx` on the loop; waits for its outcome.
    func run(_ tx: BackendTransaction, _ statement: String, _ parameters: [IonValue] = [],
             timeout seconds: Double = 30) -> Result<StatementResult, ServiceError> {
        let done = DispatchSemaphore(value: 0)
        var outcome: Result<StatementResult, ServiceError>!
        let deadline = StatementBudget.now &+ UInt64(seconds * 1e9)
        loop.execute {
            tx.execute(statement: statement, parameters: parameters,
                       digest: QLDBHash.statementHash(statement, parameters: parameters), deadline: deadline) { r in
                outcome = r
                done.signal()
            }
        }
        done.wait()
        return outcome
    }
}

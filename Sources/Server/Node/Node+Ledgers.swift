import Replica
import Ledger

/// The session API's view of the node: ledgers from the state machine,
/// commits through Raft.
extension Node: LedgerDirectory {
    public func availability(of ledgerName: String) -> LedgerAvailability {
        guard let state = stateMachine.state(of: ledgerName) else { return .notFound }
        return state == .active ? .active : .unavailable(state: state.rawValue)
    }

    public func ledger(named ledgerName: String) -> Ledger? {
        stateMachine.state(of: ledgerName) == .active ? stateMachine.ledger(named: ledgerName) : nil
    }

    public func commit(ledgerName: String, proposal: BlockProposal,
                       completion: @escaping (Result<Void, CommitFailure>) -> Void) {
        let command = stateMachine.transactionCommand(ledger: ledgerName, proposal: proposal)
        driver.propose(command.encoded(), decoded: command) { result in
            completion(Node.commitOutcome(result))
        }
    }

    public func awaitSettledLeadership(completion: @escaping (Result<Void, CommitFailure>) -> Void) {
        driver.awaitSettledLeadership { result in
            completion(result.mapError(CommitFailure.init))
        }
    }

    public func confirmLeadership(completion: @escaping (Result<Void, CommitFailure>) -> Void) {
        driver.confirmLeadership { result in
            completion(result.mapError(CommitFailure.init))
        }
    }

    static func commitOutcome(_ result: Result<ApplyResult, ReplicationError>) -> Result<Void, CommitFailure> {
        switch result {
        case .success(.applied): return .success(())
        case .success(.rejected(let rejection)): return .failure(.rejected(rejection))
        case .failure(let error): return .failure(CommitFailure(error))
        }
    }
}

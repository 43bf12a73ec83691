import Ledger
import QLDBWire

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
                       completion: @escaping (Result<Void, ServiceError>) -> Void) {
        let command = stateMachine.transactionCommand(ledger: ledgerName, proposal: proposal)
        let started = ContinuousClock.now
        driver.propose(command.encoded()) { [weak self] result in
            let outcome = Node.commitOutcome(result)
            if let self, case .failure(let error) = outcome, error.code == "OccConflictException" {
                self.metrics.ledger(ledgerName).recordOCCConflict()
            }
            _ = started
            completion(outcome)
        }
    }

    public func confirmLeadership(completion: @escaping (Result<Void, ServiceError>) -> Void) {
        driver.confirmLeadership { result in
            completion(result.mapError(Node.serviceError))
        }
    }

    static func commitOutcome(_ result: Result<ApplyResult, ReplicationError>) -> Result<Void, ServiceError> {
        switch result {
        case .success(.applied):
            return .success(())
        case .success(.rejected(let code, let message)):
            return .failure(code == "OccConflictException" ? .occConflict(message) : .badRequest(message))
        case .failure(let error):
            return .failure(serviceError(error))
        }
    }

    /// Replication failures as the drivers should see them: no leader is
    /// retryable capacity (503); a leader lost mid-commit ends the session,
    /// so the driver starts a new one and retries the transaction from its
    /// reads (OCC makes that safe whether or not the lost commit landed).
    static func serviceError(_ error: ReplicationError) -> ServiceError {
        switch error {
        case .notLeader(let leader):
            return .capacityExceeded(leader == nil ? "No leader is elected; retry" : "This node is not the leader; retry")
        case .leadershipLost:
            return .invalidSession("The session's leader lost leadership; start a new session")
        case .shuttingDown:
            return .capacityExceeded("Node is shutting down; retry")
        case .storageFailed(let why):
            return .internalFailure("Storage failed: \(why)")
        }
    }
}

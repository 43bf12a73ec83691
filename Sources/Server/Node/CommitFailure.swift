import Replica
import QLDBWire

/// Why a commit, or a read-only commit's leadership check, did not happen,
/// as the node knows it. `serviceError` is the one place it becomes what a
/// QLDB driver sees.
public enum CommitFailure: Error, Equatable, Sendable {
    /// The transaction's reads are stale, found before proposing (`LedgerTransaction.commit`).
    case staleReads(String)
    /// Refused when applied, on every node alike.
    case rejected(ApplyRejection)
    /// This node is not the leader; `leaderID` is the leader it knows of, if any.
    case notLeader(leaderID: UInt64?)
    /// The entry may or may not commit: this node lost leadership before it applied it.
    case leadershipLost
    case shuttingDown
    /// The node's storage failed; it stops taking writes.
    case storageFailed(String)

    public init(_ error: ReplicationError) {
        switch error {
        case .notLeader(let leader): self = .notLeader(leaderID: leader)
        case .leadershipLost: self = .leadershipLost
        case .shuttingDown: self = .shuttingDown
        case .storageFailed(let why): self = .storageFailed(why)
        }
    }

    /// No leader is retryable capacity (503); a leader lost mid-commit ends the
    /// session, so the driver starts a new one and retries the transaction from
    /// its reads (OCC makes that safe whether or not the lost commit landed).
    public var serviceError: ServiceError {
        switch self {
        case .staleReads(let message), .rejected(.occConflict(let message)):
            return .occConflict(message)
        case .rejected(.storageFailed(let why)), .storageFailed(let why):
            return .internalFailure("Storage failed: \(why)")
        case .rejected(let rejection):
            return .badRequest(rejection.message)
        case .notLeader(let leader):
            return .capacityExceeded(leader == nil ? "No leader is elected; retry" : "This node is not the leader; retry")
        case .leadershipLost:
            return .invalidSession("The session's leader lost leadership; start a new session")
        case .shuttingDown:
            return .capacityExceeded("Node is shutting down; retry")
        }
    }
}

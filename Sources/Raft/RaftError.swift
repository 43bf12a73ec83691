/// Why a request made of the local node was refused. Refusals are normal in a
/// distributed system (leadership moves); callers retry elsewhere or later.
public enum RaftError: Error, Sendable, Hashable {
    /// Only the leader accepts this request. `leader` is the leader this node
    /// currently knows of (`noNode` if none), to redirect the client to.
    case notLeader(leader: NodeID)
    /// The leader is handing leadership over and accepts no proposals meanwhile.
    case leadershipTransferInProgress(to: NodeID)
    /// The request names a node that is not a voting member.
    case unknownNode(NodeID)
    /// A read-index context must be non-empty (it is the request's identity).
    case emptyReadContext
    /// A membership change is refused: another one is not committed yet, this
    /// leader has not committed an entry of its own term, or the change does
    /// not fit the configuration (the reason says which).
    case confChangeRefused(String)
}

/// Errors of a `RaftStorage`.
public enum StorageError: Error, Sendable, Hashable {
    /// The requested index is at or below the compaction point.
    case compacted
    /// The requested index is above the last index.
    case unavailable
    /// The snapshot is older than the one already stored.
    case snapshotOutOfDate
    /// The application cannot produce a snapshot right now; Raft retries later.
    case snapshotTemporarilyUnavailable
}

/// An invalid `Config`.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

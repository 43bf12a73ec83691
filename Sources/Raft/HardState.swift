/// The state a node must persist (fsync) before it sends the messages of the
/// same `Ready`: its current term, whom it voted for in that term, and the
/// highest index it knows to be committed.
public struct HardState: Sendable, Hashable {
    public var term: Term
    public var vote: NodeID
    public var commit: LogIndex

    public init(term: Term = 0, vote: NodeID = noNode, commit: LogIndex = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    public static let empty = HardState()
    public var isEmpty: Bool { self == .empty }
}

/// The role a node currently plays.
public enum Role: String, Sendable, Hashable {
    case follower
    /// Running a pre-vote (term not yet increased); see `Config.preVote`.
    case preCandidate
    case candidate
    case leader
}

/// Volatile state, reported in `Ready` when it changes; never persisted.
public struct SoftState: Sendable, Hashable {
    public var role: Role
    /// The leader this node currently follows (itself when leader), or `noNode`.
    public var leader: NodeID
    public var term: Term

    public init(role: Role, leader: NodeID, term: Term) {
        self.role = role
        self.leader = leader
        self.term = term
    }
}

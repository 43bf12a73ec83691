/// The replicated log as a node's request handling sees it.
///
/// Commands are opaque bytes (see `NodeCommand`). Every node applies committed
/// commands in log order to its `ReplicatedStateMachine`; no node takes a
/// hash or a result from another. A single-member configuration is a
/// complete database: its log commits once this node has it durable.
///
/// Threading: every method is called, and every completion runs, on the
/// node's event-loop thread.
public protocol Replicator: AnyObject {
    /// Appends `command` to the log. `completion` runs once this node has
    /// applied it (with what the state machine returned), or with an error
    /// if it will not be (not the leader, leadership lost, shutting down).
    /// A commit is acknowledged to a client only through this completion,
    /// so only after the entry is durable on a majority and applied here.
    ///
    /// `decoded` is what `command` decodes to, when the proposer has it: this
    /// node's state machine then applies it without decoding the bytes again
    /// (`ReplicatedStateMachine.apply(index:command:proposed:)`). Every other
    /// node decodes the bytes.
    func propose(_ command: [UInt8], decoded: (any Sendable)?,
                 completion: @escaping (Result<ApplyResult, ReplicationError>) -> Void)

    /// Read index: confirms this node is still the leader and that it has
    /// applied everything committed before the call.
    func confirmLeadership(completion: @escaping (Result<Void, ReplicationError>) -> Void)

    /// Completes once this node leads and has applied its term's first entry,
    /// so its state holds every entry committed before its term: a transaction
    /// must not be checked (OCC) against a leader's state before that.
    func awaitSettledLeadership(completion: @escaping (Result<Void, ReplicationError>) -> Void)

    /// Hands leadership to `nodeID` (planned failover).
    func transferLeadership(to nodeID: UInt64) throws

    var status: ReplicationStatus { get }

    /// Whether this node leads now: what `status.role` says, without building the status.
    var isLeader: Bool { get }
}

/// What every node runs committed commands through. Must be deterministic:
/// the same commands in the same order give the same state on every node.
public protocol ReplicatedStateMachine: AnyObject {
    /// Applies one committed command. A command the state machine refuses
    /// (e.g. a stale OCC proposal) returns `.rejected` and changes nothing;
    /// every node refuses it alike.
    func apply(index: UInt64, command: [UInt8]) -> ApplyResult

    /// `apply(index:command:)` for an entry this node proposed in the entry's
    /// own term: `proposed` is the `decoded` value it was proposed with, which
    /// `command` encodes. The default decodes `command` as for any other entry.
    func apply(index: UInt64, command: [UInt8], proposed: any Sendable) -> ApplyResult

    /// Makes everything applied so far durable (journal fsync). The driver
    /// calls it periodically and before compacting the log: acknowledgements
    /// rest on the Raft log's own fsync, and the log keeps every entry past
    /// `durableIndex`, so a crash replays what the journal had not synced.
    func sync() throws

    /// The index of the last command whose effects are durable in the state
    /// machine's own storage (the journal); the log may be compacted up to it.
    var durableIndex: UInt64 { get }

    /// Bracket the applies of one batch of committed entries (one Ready's).
    /// In between, the state machine may group their storage writes (one
    /// state-store commit per ledger instead of one per block); when
    /// `finishApplying` returns they are all written, or it says what failed
    /// (the node then stops, as after a failed apply). With `hold` (a
    /// follower) it may keep them grouped with the next batches' instead,
    /// written by a later call without `hold` or by `sync()`. Nothing else runs
    /// on the loop in between: the driver applies the batch in one call.
    func startApplying()
    func finishApplying(hold: Bool) -> String?

    /// This node became leader: what it prepared before may never be applied.
    func leadershipStarted()
    /// The leader applied its term's first entry: every entry of earlier terms
    /// is applied or gone, so what was prepared before can be forgotten.
    func leadershipSettled()
}

extension Replicator {
    public var isLeader: Bool { status.role == .leader }

    public func propose(_ command: [UInt8], completion: @escaping (Result<ApplyResult, ReplicationError>) -> Void) {
        propose(command, decoded: nil, completion: completion)
    }
}

extension ReplicatedStateMachine {
    public func apply(index: UInt64, command: [UInt8], proposed: any Sendable) -> ApplyResult {
        apply(index: index, command: command)
    }
    public func startApplying() {}
    public func finishApplying(hold: Bool) -> String? { nil }
    public func leadershipStarted() {}
    public func leadershipSettled() {}
}

public enum ApplyResult: Sendable, Equatable {
    /// Applied; `reply` is the state machine's answer (e.g. an encoded block summary).
    case applied(reply: [UInt8])
    /// Refused deterministically on every node.
    case rejected(ApplyRejection)
}

public enum ReplicationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// This node is not the leader; `leaderID` is the leader it knows of, if any.
    case notLeader(leaderID: UInt64?)
    /// The entry may or may not commit: this node lost leadership before it applied it.
    case leadershipLost
    case shuttingDown
    /// The node's storage failed; it stops taking writes.
    case storageFailed(String)

    public var description: String {
        switch self {
        case .notLeader(let id): return id.map { "not the leader (leader is node \($0))" } ?? "no leader"
        case .leadershipLost: return "leadership lost before the command was applied"
        case .shuttingDown: return "node is shutting down"
        case .storageFailed(let why): return "storage failed: \(why)"
        }
    }
}

public struct ReplicationStatus: Sendable, Equatable {
    public enum Role: String, Sendable { case follower, preCandidate = "pre-candidate", candidate, leader }

    public var nodeID: UInt64
    public var role: Role
    public var term: UInt64
    public var leaderID: UInt64?
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    /// Leader only: entries each peer is behind the leader's last index.
    public var peerLag: [UInt64: UInt64]
    public var leaderChanges: UInt64
    public var pendingProposals: Int
    /// Read-index rounds this node started as leader, and the linearizable reads
    /// (`confirmLeadership` calls) that joined them: reads ÷ rounds is the batching.
    public var readIndexRounds: UInt64
    public var linearizableReads: UInt64

    public init(nodeID: UInt64, role: Role, term: UInt64, leaderID: UInt64?, commitIndex: UInt64, appliedIndex: UInt64,
                peerLag: [UInt64: UInt64] = [:], leaderChanges: UInt64 = 0, pendingProposals: Int = 0,
                readIndexRounds: UInt64 = 0, linearizableReads: UInt64 = 0) {
        self.nodeID = nodeID
        self.role = role
        self.term = term
        self.leaderID = leaderID
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.peerLag = peerLag
        self.leaderChanges = leaderChanges
        self.pendingProposals = pendingProposals
        self.readIndexRounds = readIndexRounds
        self.linearizableReads = linearizableReads
    }
}

/// The kinds of message nodes exchange.
public enum MessageKind: UInt8, Sendable, Hashable {
    /// Leader → follower: `entries` follow the entry at (`index`, `logTerm`);
    /// `commit` is the leader's commit index. With no entries it is a probe.
    case append
    /// Follower → leader. Accepted: `index` is the follower's last matching index.
    /// Rejected (`reject`): `index` is the rejected `append.index`, and
    /// (`rejectHint`, `logTerm`) the follower's best guess at where the logs may
    /// still match, so the leader can skip a whole term per round trip.
    case appendResponse
    /// Candidate → voter: vote for me in `term`; my log ends at (`index`, `logTerm`).
    /// `leadershipTransfer` marks a campaign started by `timeoutNow`, which voters
    /// honour even inside a leader lease.
    case vote
    case voteResponse
    /// Pre-candidate → voter: would you vote for me in `term` (one more than the
    /// pre-candidate's current term)? Changes no state at the receiver.
    case preVote
    case preVoteResponse
    /// Leader → follower: I am alive; `commit` is min(commit, follower's match).
    /// `context` carries the newest pending read-index request.
    case heartbeat
    /// Follower → leader, echoing the heartbeat's `context`.
    case heartbeatResponse
    /// Leader → follower whose next entries are compacted: `snapshot` replaces
    /// the follower's log prefix. Answered with an `appendResponse`.
    case snapshot
    /// Leader → transfer target: start an election now (leadership transfer).
    case timeoutNow
    /// Follower → leader: a read-index request with `context` as its identity.
    case readIndex
    /// Leader → follower: the read index (`index`) for the request `context`.
    case readIndexResponse

    /// A leader's appends, heartbeats, snapshots and timeout-nows promise
    /// nothing about the sender's own storage, so they may leave before the
    /// `Ready` that holds them is durable (see `Ready.messagesBeforePersisting`).
    /// Every other kind (acknowledgements, votes, read-index traffic) waits.
    var mayPrecedePersisting: Bool {
        switch self {
        case .append, .heartbeat, .snapshot, .timeoutNow: true
        default: false
        }
    }
}

/// A message between two nodes. One flat struct, as in etcd's raftpb: which
/// fields are meaningful depends on `kind` (see `MessageKind`).
///
/// Messages come from the network and are not trusted to be well formed or
/// fresh: the core ignores stale or nonsensical ones instead of trapping.
public struct Message: Sendable, Hashable {
    public var kind: MessageKind
    public var from: NodeID
    public var to: NodeID
    /// The sender's term (for vote requests: the term campaigned for).
    /// Zero only for `readIndex`, which is not bound to a term.
    public var term: Term
    public var logTerm: Term
    public var index: LogIndex
    public var entries: [Entry]
    public var commit: LogIndex
    public var reject: Bool
    public var rejectHint: LogIndex
    public var snapshot: Snapshot?
    public var context: [UInt8]
    public var leadershipTransfer: Bool

    public init(
        kind: MessageKind, from: NodeID = noNode, to: NodeID = noNode, term: Term = 0,
        logTerm: Term = 0, index: LogIndex = 0, entries: [Entry] = [], commit: LogIndex = 0,
        reject: Bool = false, rejectHint: LogIndex = 0, snapshot: Snapshot? = nil,
        context: [UInt8] = [], leadershipTransfer: Bool = false
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.term = term
        self.logTerm = logTerm
        self.index = index
        self.entries = entries
        self.commit = commit
        self.reject = reject
        self.rejectHint = rejectHint
        self.snapshot = snapshot
        self.context = context
        self.leadershipTransfer = leadershipTransfer
    }
}

extension MessageKind {
    var isVoteRequest: Bool { self == .vote || self == .preVote }
    var isVoteKind: Bool { self == .vote || self == .preVote || self == .voteResponse || self == .preVoteResponse }
    var isResponse: Bool {
        switch self {
        case .appendResponse, .voteResponse, .preVoteResponse, .heartbeatResponse, .readIndexResponse: true
        default: false
        }
    }
    var voteResponse: MessageKind { self == .preVote ? .preVoteResponse : .voteResponse }
}

extension Message: CustomStringConvertible {
    public var description: String {
        var s = "\(kind) \(from)->\(to) t\(term)"
        switch kind {
        case .append:
            s += " prev=\(index)/t\(logTerm) n=\(entries.count) commit=\(commit)"
        case .appendResponse:
            s += reject ? " reject idx=\(index) hint=\(rejectHint)/t\(logTerm)" : " ok idx=\(index)"
        case .vote, .preVote:
            s += " last=\(index)/t\(logTerm)" + (leadershipTransfer ? " transfer" : "")
        case .voteResponse, .preVoteResponse:
            s += reject ? " reject" : " grant"
        case .heartbeat:
            s += " commit=\(commit)"
        case .snapshot:
            s += " snap=\(snapshot?.metadata.index ?? 0)/t\(snapshot?.metadata.term ?? 0)"
        case .readIndexResponse:
            s += " index=\(index)"
        default:
            break
        }
        return s
    }
}

/// The public face of one Raft node, shaped after etcd's `RawNode`.
///
/// Not thread-safe and not `Sendable`: one owner (Tally: the node's event-loop
/// thread) drives it. Nothing here blocks, does I/O, reads a clock or uses
/// randomness other than the generator seeded by `Config.randomSeed`.
///
/// The owner's loop:
/// ```
/// every tick:               node.tick()
/// on a message from a peer: node.step(message)
/// on a client write:        try node.propose(data)
/// then, while node.hasReady: let rd = node.ready(); handle rd (see `Ready`); node.advance(rd)
/// ```
public final class RawNode {
    var raft: Raft
    private var previousSoftState: SoftState
    private var previousHardState: HardState
    private var awaitingAdvance = false

    /// Creates the node from its storage (empty for a fresh node). On restart
    /// the hard state, log and configuration come from storage; set
    /// `config.applied` to the index the application state already reflects.
    public init(config: Config, storage: any RaftStorage) throws(ConfigError) {
        try config.validate()
        raft = Raft(config: config, storage: storage)
        previousSoftState = raft.softState
        previousHardState = raft.hardState
    }

    public var id: NodeID { raft.id }

    /// Advances logical time by one tick.
    public func tick() {
        raft.tick()
    }

    /// Starts an election now (with a pre-vote if configured), unless leader.
    public func campaign() {
        raft.hup(transfer: false)
    }

    /// Feeds a message received from a peer. Messages not addressed to this
    /// node or otherwise malformed are ignored. Messages from nodes outside the
    /// configuration are accepted (a node that has not yet appended the change
    /// adding a peer must still hear from it, and a new node knows nobody
    /// before its first append); the leader ignores responses from non-members.
    public func step(_ message: Message) {
        guard message.to == raft.id, message.from != raft.id, message.from != noNode else { return }
        // Only read-index requests travel without a term.
        if message.term == 0 && message.kind != .readIndex { return }
        raft.step(message)
    }

    /// Proposes `data` for the log. Only the leader accepts proposals (Tally's
    /// followers forward client requests to the leader instead). Returns the
    /// index the entry got; it may still be lost if leadership changes before
    /// it commits — watch `committedEntries` for it.
    @discardableResult
    public func propose(_ data: [UInt8]) throws(RaftError) -> LogIndex {
        try raft.propose([Entry(kind: .normal, data: data)])
    }

    /// Proposes several entries at once (one append, one fsync: group commit).
    /// Returns the index of the first.
    @discardableResult
    public func propose(batch: [[UInt8]]) throws(RaftError) -> LogIndex {
        try raft.propose(batch.map { Entry(kind: .normal, data: $0) })
    }

    /// Proposes a membership change (see `ConfChange`). It takes effect on
    /// each node when appended; the next one is accepted once it commits.
    /// Returns the entry's index.
    @discardableResult
    public func proposeConfChange(_ change: ConfChange) throws(RaftError) -> LogIndex {
        try raft.proposeConfChange(change)
    }

    /// The latest configuration in this node's log (committed or not).
    public var confState: ConfState { raft.tracker.confState }

    /// The configuration in effect at `index`: what a snapshot taken there records.
    public func confState(at index: LogIndex) -> ConfState { raft.membership.conf(at: index) }

    /// Whether the latest configuration change in the log is committed.
    public var confChangeCommitted: Bool { raft.membership.lastChangeIndex <= raft.log.committed }

    /// Hands leadership to `target`: the leader stops accepting proposals,
    /// brings the target's log up to date, then tells it to campaign at once.
    /// Abandoned if not done within an election timeout.
    public func transferLeadership(to target: NodeID) throws(RaftError) {
        try raft.transferLeadership(to: target)
    }

    /// Asks for a read index: once a `ReadState` with this `context` appears in
    /// a `Ready` and the application has applied up to its index, a read of the
    /// applied state is linearizable. `context` must be unique per request.
    /// On a follower the request is forwarded to the leader.
    public func readIndex(context: [UInt8]) throws(RaftError) {
        guard !context.isEmpty else { throw .emptyReadContext }
        switch raft.role {
        case .leader:
            break
        case .follower where raft.leader != noNode:
            break
        default:
            throw .notLeader(leader: raft.leader)
        }
        raft.step(Message(kind: .readIndex, from: raft.id, to: raft.id, context: context))
    }

    /// Reports the outcome of sending a snapshot to `peer` (the transport
    /// knows whether the stream was delivered). Until reported, the leader
    /// sends that peer nothing but heartbeats.
    public func reportSnapshot(to peer: NodeID, failed: Bool) {
        raft.reportSnapshot(to: peer, failed: failed)
    }

    /// Reports that the link to `peer` broke. If it is our leader, we stop
    /// honouring its lease and campaign within a few ticks (see `Raft.forgetLeader`).
    public func leaderLinkLost(_ peer: NodeID) {
        raft.forgetLeader(peer)
    }

    /// Reports that a message to `peer` could not be delivered.
    public func reportUnreachable(_ peer: NodeID) {
        raft.reportUnreachable(peer)
    }

    // MARK: Ready hand-off

    public var hasReady: Bool {
        if awaitingAdvance { return false }
        if raft.softState != previousSoftState { return true }
        if raft.hardState != previousHardState { return true }
        if raft.log.hasPendingSnapshot { return true }
        if !raft.messages.isEmpty || !raft.messagesBeforePersisting.isEmpty || !raft.log.unstableEntries.isEmpty
            || raft.log.hasNextEntriesToApply {
            return true
        }
        return !raft.readStates.isEmpty
    }

    /// Takes the pending work. Call `advance(_:)` after handling it, before the
    /// next `ready()`.
    public func ready() -> Ready {
        precondition(!awaitingAdvance, "ready() called again before advance()")
        let soft = raft.softState
        let hard = raft.hardState
        let entries = raft.log.unstableEntries
        let rd = Ready(
            softState: soft != previousSoftState ? soft : nil,
            hardState: hard != previousHardState ? hard : nil,
            entries: entries,
            snapshot: raft.log.unstable.snapshot,
            committedEntries: raft.log.nextEntriesToApply,
            messages: raft.messages,
            messagesBeforePersisting: raft.messagesBeforePersisting,
            readStates: raft.readStates,
            mustSync: !entries.isEmpty || hard.term != previousHardState.term || hard.vote != previousHardState.vote
        )
        raft.messages = []
        raft.messagesBeforePersisting = []
        raft.readStates = []
        previousSoftState = soft
        awaitingAdvance = true
        return rd
    }

    /// Acknowledges that `ready` was handled: its entries and hard state are
    /// durable and its committed entries applied. A leader counts the entries
    /// as its own copy only now, so this may commit them.
    public func advance(_ ready: Ready) {
        precondition(awaitingAdvance, "advance() without ready()")
        awaitingAdvance = false
        if let hs = ready.hardState { previousHardState = hs }
        if let last = ready.committedEntries.last {
            raft.log.appliedTo(last.index)
        } else if let snap = ready.snapshot {
            raft.log.appliedTo(snap.metadata.index)
        }
        if let last = ready.entries.last {
            raft.log.stableTo(index: last.index, term: last.term)
            raft.persisted(through: last.index, term: last.term)
        }
        if let snap = ready.snapshot {
            raft.log.stableSnapshotTo(index: snap.metadata.index)
        }
    }

    // MARK: Inspection

    public var status: Status {
        Status(
            id: raft.id,
            hardState: raft.hardState,
            softState: raft.softState,
            applied: raft.log.applied,
            firstIndex: raft.log.firstIndex,
            lastIndex: raft.log.lastIndex,
            voters: raft.tracker.voters,
            learners: raft.tracker.learners,
            leadTransferee: raft.leadTransferee,
            progress: zip(raft.tracker.members, raft.tracker.progress).map {
                Status.PeerProgress(id: $0, match: $1.match, next: $1.next, state: $1.state,
                                    recentActive: $1.recentActive)
            }
        )
    }

    /// The term of the entry at `index` in this node's log (stable or not), or
    /// nil if compacted or beyond the last index.
    public func term(at index: LogIndex) -> Term? {
        raft.log.term(at: index)
    }

    public var role: Role { raft.role }
    public var leader: NodeID { raft.leader }
    public var term: Term { raft.term }
    public var commitIndex: LogIndex { raft.log.committed }
    public var lastIndex: LogIndex { raft.log.lastIndex }
}

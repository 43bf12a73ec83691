/// Parameters of one Raft node. Times are in ticks: the caller decides how long
/// a tick is (Tally: 100 ms) and calls `RawNode.tick()` that often.
public struct Config: Sendable {
    /// This node's id; never `noNode`.
    public var id: NodeID
    /// All voting members, including `id`. Used when storage holds no
    /// configuration yet (a fresh node); otherwise the stored `ConfState` wins.
    public var peers: [NodeID]
    /// A follower that hears nothing from a leader for a randomized timeout in
    /// [electionTick, 2 * electionTick) starts an election.
    public var electionTick: Int
    /// A leader sends heartbeats every `heartbeatTick` ticks. Must be < electionTick.
    public var heartbeatTick: Int
    /// Run a pre-vote round before incrementing the term, so a node that was
    /// partitioned away cannot disrupt a healthy leader when it comes back.
    public var preVote: Bool
    /// A leader that has not heard from a quorum within an election timeout
    /// steps down; followers that heard from a leader within the election
    /// timeout ignore vote requests (the leader lease).
    public var checkQuorum: Bool
    /// Upper bound (bytes, approximate) of entries in one append message.
    public var maxSizePerMsg: Int
    /// At most this many append messages in flight per follower (pipelining).
    public var maxInflightMsgs: Int
    /// Upper bound (bytes) of committed entries handed out in one `Ready`.
    public var maxCommittedSizePerReady: Int
    /// The index the application has already applied (restored from a
    /// snapshot or its own state) when restarting; entries up to it are not
    /// handed out again.
    public var applied: LogIndex
    /// Seeds the node's generator for randomized election timeouts. Mixed with
    /// `id`, so nodes given the same seed still time out differently.
    public var randomSeed: UInt64
    /// A learner is promoted only while it is at most this many entries
    /// behind the leader's commit index (and streaming, not probing), so that
    /// the new voter does not stall commits while it catches up.
    public var maxPromotionLag: LogIndex

    public init(
        id: NodeID, peers: [NodeID], electionTick: Int = 10, heartbeatTick: Int = 1,
        preVote: Bool = true, checkQuorum: Bool = true, maxSizePerMsg: Int = 1 << 20,
        maxInflightMsgs: Int = 256, maxCommittedSizePerReady: Int = 16 << 20,
        applied: LogIndex = 0, randomSeed: UInt64 = 0, maxPromotionLag: LogIndex = 1000
    ) {
        self.id = id
        self.peers = peers
        self.electionTick = electionTick
        self.heartbeatTick = heartbeatTick
        self.preVote = preVote
        self.checkQuorum = checkQuorum
        self.maxSizePerMsg = maxSizePerMsg
        self.maxInflightMsgs = maxInflightMsgs
        self.maxCommittedSizePerReady = maxCommittedSizePerReady
        self.applied = applied
        self.randomSeed = randomSeed
        self.maxPromotionLag = maxPromotionLag
    }

    public func validate() throws(ConfigError) {
        if id == noNode { throw ConfigError("id must not be 0") }
        if heartbeatTick <= 0 { throw ConfigError("heartbeatTick must be > 0") }
        if electionTick <= heartbeatTick { throw ConfigError("electionTick must be > heartbeatTick") }
        if maxInflightMsgs <= 0 { throw ConfigError("maxInflightMsgs must be > 0") }
        if maxSizePerMsg <= 0 { throw ConfigError("maxSizePerMsg must be > 0") }
        if Set(peers).count != peers.count { throw ConfigError("duplicate peer ids") }
        if peers.contains(noNode) { throw ConfigError("peer id 0 is reserved") }
    }
}

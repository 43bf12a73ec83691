import Foundation
import Raft

/// Timing and sizing knobs of a `RaftDriver`.
public struct RaftDriverOptions: Sendable {
    /// One Raft tick.
    public var tickInterval: Duration = .milliseconds(100)
    /// Election timeout, randomized in [electionTicks, 2 × electionTicks).
    public var electionTicks = 10
    public var heartbeatTicks = 1
    public var preVote = true
    public var checkQuorum = true
    public var maxSizePerMessage = 1 << 20
    public var maxInflightMessages = 256
    /// Compact the log once it holds this many applied entries beyond the
    /// last snapshot point (only with a state machine that is a `CatchUpSource`).
    public var compactionThreshold: UInt64 = 10_000
    /// Leader: a peer being caught up that sends no chunk request for this
    /// long is reported as a failed snapshot (Raft retries).
    public var snapshotStallTimeout: Duration = .seconds(10)
    /// Follower: one catch-up chunk request.
    public var catchUpRequestTimeout: Duration = .seconds(10)
    /// `confirmLeadership` gives up (with `.leadershipLost`) after this long.
    public var readIndexTimeout: Duration = .seconds(5)
    public var segmentSize = 64 << 20
    /// How often the state machine's journal is fsynced (acknowledgements
    /// rest on the Raft log's fsync and do not wait for it).
    public var stateMachineSyncInterval: Duration = .milliseconds(200)
    /// nil: random per start.
    public var randomSeed: UInt64?
    /// A follower writes and fsyncs its Raft log on the loop; a leader always
    /// writes on the thread pool, so it keeps serving while its disk works.
    /// A follower's loop has little to do meanwhile, and the pool's two
    /// thread hand-offs delay its acknowledgement (≈ 0.1 ms on two cores).
    /// false: every node writes on the pool, and a follower applies entries
    /// committed earlier while it writes newer ones.
    public var followerLogWritesOnLoop = true
    /// A follower keeps its state-store batch open across batches of entries
    /// until it holds this many (or the next state-machine sync, or it becomes
    /// leader): one state-store commit for many rounds of entries. 1: a
    /// commit per round, as a leader does.
    public var followerHeldEntries = 1_000
    /// An fsync (Raft log or journal) taking at least this long is logged at warning level.
    public var slowFsyncThreshold: Duration = .milliseconds(100)
    /// A follower's catch-up logs its progress every this many chunks.
    public var catchUpLogEveryChunks = 16

    public init() {}
}

extension Duration {
    public var clusterSeconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}

/// Monotonic seconds, for stall and timeout bookkeeping.
public func clusterMonotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Knobs of one simulated run. Fault rates are drawn per seed from the ranges
/// below, so different seeds explore calm and hostile networks alike.
public struct SimulationOptions: Sendable {
    /// 3 or 5 voters (any n ≥ 1 works).
    public var nodeCount: Int
    /// Ticks of workload with faults injected.
    public var faultTicks: Int
    /// After the fault phase, the cluster must converge within this many ticks.
    public var maxHealTicks: Int
    /// Workload resolution: clients and faults act once per micro-step (a
    /// fraction of a tick), and the longest message delay is drawn in micro-steps.
    public var microStepsPerTick: Int
    public var electionTick: Int
    public var heartbeatTick: Int
    /// Record a readable event log (slow; use when replaying a failing seed).
    public var trace: Bool
    /// Add, promote and remove members during the run (`MembershipScenario`),
    /// with `spareNodes` extra nodes that can join.
    public var membershipChanges: Bool
    public var spareNodes: Int
    /// Followers write their Raft logs on their loops (`RaftDriverOptions.
    /// followerLogWritesOnLoop`); nil: `SimWorld.writesOnLoop(seed:)` decides.
    public var followerWritesOnLoop: Bool?

    public init(nodeCount: Int = 3, faultTicks: Int = 300, maxHealTicks: Int = 300,
                microStepsPerTick: Int = 4, electionTick: Int = 10, heartbeatTick: Int = 2,
                trace: Bool = false, membershipChanges: Bool = false, spareNodes: Int = 3,
                followerWritesOnLoop: Bool? = nil) {
        self.nodeCount = nodeCount
        self.faultTicks = faultTicks
        self.maxHealTicks = maxHealTicks
        self.microStepsPerTick = microStepsPerTick
        self.electionTick = electionTick
        self.heartbeatTick = heartbeatTick
        self.trace = trace
        self.membershipChanges = membershipChanges
        self.spareNodes = spareNodes
        self.followerWritesOnLoop = followerWritesOnLoop
    }
}

/// What happened in one run. `violations` empty means every check passed.
public struct SimulationReport: Sendable {
    public var seed: UInt64
    public var nodeCount: Int
    public var ticks = 0
    /// Distinct (term, leader) pairs observed.
    public var elections = 0
    /// Log entries committed (highest index applied anywhere).
    public var commits = 0
    /// Client proposals accepted by a leader, and how many of them committed.
    public var proposals = 0
    public var acknowledged = 0
    public var rejectedProposals = 0
    public var reads = 0
    public var readsConfirmed = 0
    public var transfers = 0
    public var crashes = 0
    /// Log writes a crash undid because their fsync had not completed.
    public var writesLost = 0
    public var partitions = 0
    /// Followers caught up by streaming the state from the leader (behind its snapshot).
    public var snapshotsSent = 0
    public var messagesDelivered = 0
    public var messagesDropped = 0
    /// Ticks the cluster needed to converge after faults stopped.
    public var healTicks = 0
    /// Membership changes proposed and committed.
    public var confChangesProposed = 0
    public var confChangesCommitted = 0
    public var violations: [String] = []
    /// The most recent events, when `SimulationOptions.trace` is set.
    public var trace: [String] = []

    public var passed: Bool { violations.isEmpty }
}

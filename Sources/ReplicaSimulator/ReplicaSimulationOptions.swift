/// The shape of one seeded run of real replicas.
public struct ReplicaSimulationOptions: Sendable {
    public var nodeCount = 3
    /// Virtual seconds of faults and client load.
    public var faultSeconds = 12.0
    /// Virtual seconds the healed cluster gets to converge (no new writes).
    public var healSeconds = 40.0
    /// Where node directories are made (tmpfs keeps fsync cheap).
    public var rootDirectory = "/dev/shm"
    /// Disk faults: power cuts (unsynced journal tails lost), torn tails, flipped bits.
    public var diskFaults = true
    public var trace = false
    /// Followers write their Raft logs on their loops (`RaftDriverOptions.
    /// followerLogWritesOnLoop`); nil: `SimWorld.writesOnLoop(seed:)` decides.
    public var followerWritesOnLoop: Bool?

    public init(nodeCount: Int = 3, faultSeconds: Double = 12, healSeconds: Double = 40, diskFaults: Bool = true,
                trace: Bool = false, followerWritesOnLoop: Bool? = nil) {
        self.nodeCount = nodeCount
        self.faultSeconds = faultSeconds
        self.healSeconds = healSeconds
        self.diskFaults = diskFaults
        self.trace = trace
        self.followerWritesOnLoop = followerWritesOnLoop
    }
}

public struct ReplicaSimulationReport: Sendable {
    public var seed: UInt64
    public var nodeCount: Int
    public var violations: [String] = []
    public var trace: [String] = []
    public var issued = 0
    public var acknowledged = 0
    public var rejected = 0
    public var unknown = 0
    public var blocks = 0
    public var crashes = 0
    public var powerCuts = 0
    public var tornTails = 0
    public var bitFlips = 0
    public var bitFlipsDetected = 0
    public var partitions = 0
    public var catchUps = 0
    public var lmdb = false
    public var convergedAfter: Double?

    public var passed: Bool { violations.isEmpty }
}

/// Totals over many seeds.
public struct ReplicaSimulationSummary: Sendable {
    public var runs = 0
    public var failed = 0
    public var acknowledged = 0
    public var blocks = 0
    public var crashes = 0
    public var powerCuts = 0
    public var tornTails = 0
    public var bitFlips = 0
    public var bitFlipsDetected = 0
    public var partitions = 0
    public var catchUps = 0
    public var lmdbRuns = 0

    public init() {}

    public mutating func add(_ r: ReplicaSimulationReport) {
        runs += 1
        if !r.passed { failed += 1 }
        acknowledged += r.acknowledged
        blocks += r.blocks
        crashes += r.crashes
        powerCuts += r.powerCuts
        tornTails += r.tornTails
        bitFlips += r.bitFlips
        bitFlipsDetected += r.bitFlipsDetected
        partitions += r.partitions
        catchUps += r.catchUps
        if r.lmdb { lmdbRuns += 1 }
    }

    public var line: String {
        "\(runs) seeds, \(failed) failed; \(acknowledged) acknowledged commits, \(blocks) blocks applied; "
            + "\(crashes) crashes, \(powerCuts) power cuts, \(tornTails) torn tails, \(bitFlips) flipped bits "
            + "(\(bitFlipsDetected) refused at open), \(partitions) partitions, \(catchUps) journal catch-ups; "
            + "\(lmdbRuns) runs on the LMDB state store"
    }
}

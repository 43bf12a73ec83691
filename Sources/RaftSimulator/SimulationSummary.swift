/// Totals over many seeds, for the one-line summary.
public struct SimulationSummary: Sendable {
    public var seeds = 0
    public var elections = 0
    public var commits = 0
    public var acknowledged = 0
    public var reads = 0
    public var transfers = 0
    public var crashes = 0
    public var writesLost = 0
    public var partitions = 0
    public var snapshots = 0
    public var confChanges = 0
    public var violations = 0
    public var failingSeeds: [UInt64] = []

    public init() {}

    public mutating func add(_ r: SimulationReport) {
        seeds += 1
        elections += r.elections
        commits += r.commits
        acknowledged += r.acknowledged
        reads += r.readsConfirmed
        transfers += r.transfers
        crashes += r.crashes
        writesLost += r.writesLost
        partitions += r.partitions
        snapshots += r.snapshotsSent
        confChanges += r.confChangesCommitted
        violations += r.violations.count
        if !r.passed { failingSeeds.append(r.seed) }
    }

    public var line: String {
        "raft simulator: \(seeds) seeds, \(elections) elections, \(commits) commits, \(acknowledged) client entries, "
            + "\(reads) reads, \(transfers) transfers, \(crashes) crashes, \(partitions) partitions, "
            + "\(snapshots) snapshots, \(confChanges) membership changes, \(violations) violations"
    }
}

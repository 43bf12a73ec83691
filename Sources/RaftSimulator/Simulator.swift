import Logging
import Raft
import Replica
import SimulationSupport

/// Runs one seeded simulation: `nodeCount` nodes, each the real `RaftDriver`
/// (the one Ready loop in the codebase) over an in-memory log and a toy hash
/// chain state machine, in virtual time over a hostile network, with crashes
/// (during and right after a log write too), restarts, partitions, client
/// proposals, reads, leadership transfers and forced elections, checking
/// safety after every event and liveness once the faults stop. The same seed
/// always replays the same run (across processes with
/// `SWIFT_DETERMINISTIC_HASHING=1`).
public final class Simulation {
    public let seed: UInt64
    public let options: SimulationOptions
    let world: SimWorld
    let network: SimNetwork
    var nodes: [SimNode] = []
    var checker = Checker()
    var report: SimulationReport
    var driverOptions = RaftDriverOptions()
    var faultsEnabled = true
    private var healPartitionAt: Double?
    var nextClientID: UInt64 = 1
    private var traceLog: [String] = []
    /// Membership changes and their checks (`MembershipScenario.swift`), if enabled.
    var membership: MembershipScenario?
    /// The liveness barrier: the term it was proposed in, and whether it committed.
    var barrier: (term: UInt64, committed: Bool)?

    // Per-seed fault profile.
    private let crashRate: Double
    private let saveCrashRate: Double
    private let partitionRate: Double
    let proposeRate: Double
    let readRate: Double
    let transferRate: Double
    private let diskMaxLatency: Double
    private let chunkRecords: Int

    /// One Raft tick in virtual seconds, and the workload's step (a fraction of it).
    var tick: Double { driverOptions.tickInterval.clusterSeconds }
    var step: Double { tick / Double(options.microStepsPerTick) }

    public init(seed: UInt64, options: SimulationOptions = SimulationOptions()) {
        // Thousands of elections a run: the driver's logs would drown the report.
        ReplicaLog.raft = Logger(label: "tally.raft", factory: { _ in SwiftLogNoOpLogHandler() })
        ReplicaLog.storage = Logger(label: "tally.storage", factory: { _ in SwiftLogNoOpLogHandler() })
        self.seed = seed
        self.options = options
        world = SimWorld(seed: seed)
        network = SimNetwork(world: world)
        report = SimulationReport(seed: seed, nodeCount: options.nodeCount)

        driverOptions.tickInterval = .milliseconds(100)
        driverOptions.electionTicks = options.electionTick
        driverOptions.heartbeatTicks = options.heartbeatTick
        driverOptions.preVote = world.chance(0.7)
        driverOptions.checkQuorum = driverOptions.preVote || world.chance(0.5)
        // Small messages and windows make partial replication (and so the
        // interesting interleavings) common.
        driverOptions.maxSizePerMessage = world.chance(0.5) ? 1 : 32 + world.int(below: 480)
        driverOptions.maxInflightMessages = driverOptions.maxSizePerMessage == 1 ? 4 + world.int(below: 13) : 1 + world.int(below: 8)
        // Compaction makes followers behind it catch up by streaming; sometimes never.
        driverOptions.compactionThreshold = world.chance(0.25) ? 1 << 40 : UInt64(4 + world.int(below: 37))
        driverOptions.stateMachineSyncInterval = .milliseconds(20 + world.int(below: 500))
        // Both ways a follower writes its log: on its loop, or on the pool (beside applies).
        driverOptions.followerLogWritesOnLoop = options.followerWritesOnLoop ?? SimWorld.writesOnLoop(seed: seed)
        driverOptions.snapshotStallTimeout = .seconds(2)
        driverOptions.catchUpRequestTimeout = .seconds(1)  // above the longest round trip (2 × 0.225 s)
        driverOptions.readIndexTimeout = .seconds(2)

        let calm = world.chance(0.2)
        network.dropRate = calm ? 0 : Double(world.int(below: 16)) / 100
        network.duplicateRate = calm ? 0 : Double(world.int(below: 6)) / 100
        network.minDelay = 0.0005
        network.maxDelay = 0.025 * Double(1 + world.int(below: 2 * options.microStepsPerTick))
        crashRate = calm ? 0 : Double(world.int(below: 8)) / 1000
        saveCrashRate = calm ? 0 : Double(world.int(below: 3)) / 1000
        partitionRate = calm ? 0 : Double(world.int(below: 4)) / 1000
        proposeRate = 0.05 + Double(world.int(below: 25)) / 100
        readRate = Double(world.int(below: 5)) / 100
        transferRate = Double(world.int(below: 3)) / 1000
        diskMaxLatency = world.uniform(0.0005, 0.03)
        chunkRecords = 8 + world.int(below: 57)

        let voters = (1...options.nodeCount).map { NodeID($0) }
        for (position, id) in voters.enumerated() {
            nodes.append(SimNode(id: id, position: position, voters: voters))
        }
        let spareCount = options.membershipChanges ? options.spareNodes : 0
        for position in voters.count..<(voters.count + spareCount) {
            nodes.append(SimNode(id: NodeID(position + 1), position: position, voters: []))
        }
        if options.membershipChanges {
            membership = MembershipScenario(voters: voters, spares: Array(voters.count..<nodes.count),
                                            rate: Double(2 + world.int(below: 9)) / 1000, maxVoters: 5)
        }
        for node in nodes { wireStore(node) }
        world.afterEvent = { [unowned self] in observe() }
    }

    // MARK: Running

    public func run() -> SimulationReport {
        for node in nodes.prefix(options.nodeCount) { start(node) }
        scheduleWorkload()
        let faultEnd = Double(options.faultTicks) * tick
        var t = 0.0
        while t < faultEnd && !checker.failed {
            t += tick
            world.run(until: t)
        }
        if checker.failed { return finish() }
        heal()
        // The bound: a fixed allowance for elections plus one tick per entry
        // of backlog (the slowest configuration replicates about that fast).
        let highest = nodes.map { $0.driver?.raftLastIndex ?? $0.store.lastIndex }.max() ?? 0
        let lowest = nodes.filter { membership?.mustConverge($0) ?? true }.map { $0.disk.index }.min() ?? 0
        let healBound = options.maxHealTicks + Int(highest - min(lowest, highest))
        for n in 0..<healBound {
            t += tick
            world.run(until: t)
            if checker.failed { return finish() }
            if healPhaseConverged() {
                report.healTicks = n + 1
                return finish()
            }
        }
        checker.fail("liveness: no convergence within \(healBound) ticks after healing; "
            + nodes.map { n in
                guard let d = n.driver else { return "\(n.id):down" }
                return "\(n.id):\(d.raftRole) t\(d.raftTerm) commit=\(d.raftCommitIndex) last=\(d.raftLastIndex) applied=\(d.appliedIndex)"
                    + (d.storageFailure.map { " HALTED: \($0)" } ?? "")
                    + (d.isCatchingUp ? " catching up" : "")
                    + (d.catchUpStats.failed > 0 ? " (\(d.catchUpStats.failed) catch-ups failed, last: \(d.catchUpStats.lastFailure ?? ""))" : "")
            }.joined(separator: ", "))
        return finish()
    }

    private func finish() -> SimulationReport {
        report.ticks = Int(world.now / tick)
        report.elections = checker.elections
        report.commits = checker.committedLog.count
        report.acknowledged = checker.acknowledged
        report.readsConfirmed = checker.readsConfirmed
        report.snapshotsSent = checker.catchUps
        report.messagesDelivered = network.delivered
        report.messagesDropped = network.dropped
        report.violations = checker.violations.map { "seed \(seed), tick \(Int(world.now / tick)): \($0)" }
        if options.trace {
            report.trace = traceLog + ["profile: catch-up chunks of \(chunkRecords) records, compaction every "
                + "\(driverOptions.compactionThreshold) entries, max delay \(network.maxDelay) s, disk up to \(diskMaxLatency) s"]
        }
        report.confChangesProposed = membership?.proposed ?? 0
        report.confChangesCommitted = membership?.committedChanges ?? 0
        return report
    }

    func trace(_ s: @autoclosure () -> String) {
        guard options.trace else { return }
        let millis = Int(world.now * 1000)
        traceLog.append("[\(millis / 1000).\(String(millis % 1000 + 1000).dropFirst())] \(s())")
        if traceLog.count > 400 { traceLog.removeFirst(100) }
    }

    /// After every event: each running node's role, term and commit index.
    private func observe() {
        for node in nodes {
            guard let driver = node.driver else { continue }
            checker.observe(node.id, driver)
            if let v = membership?.observe(node.id, driver) { checker.fail(v) }
        }
    }

    // MARK: Nodes

    /// The checker's hooks on a node's log store (it outlives incarnations).
    private func wireStore(_ node: SimNode) {
        node.store.onSave = { [unowned self] in
            guard faultsEnabled, world.chance(saveCrashRate) else { return nil }
            return world.chance(0.5) ? .crashDuringWrite : .crashAfterWrite
        }
        node.store.onSaved = { [unowned self, unowned node] hardState, entries, snapshot in
            let fresh = checker.saved(hardState: hardState, entries: entries, snapshot: snapshot, node: node.id,
                                      store: node.store)
            if let snapshot, !snapshot.isEmpty { trace("n\(node.id) installed snapshot \(snapshot.metadata.index)") }
            guard let membership else { return }
            for e in fresh { if let v = membership.committed(e) { checker.fail(v) } }
            if let driver = node.driver, let hs = hardState, hs.commit > 0 {
                if let v = membership.check(node, driver, committedIndex: hs.commit) { checker.fail(v) }
            }
        }
        node.store.onUndone = { [unowned self, unowned node] hardState in
            checker.undone(hardState: hardState, node: node.id)
            report.writesLost += 1
            trace("n\(node.id) lost its log write in flight")
        }
        node.store.onCrash = { [unowned self, unowned node] in
            crash(node, reason: "during or right after a log write")
        }
    }

    func start(_ node: SimNode) {
        let latency = diskMaxLatency
        do {
            try node.start(world: world, network: network, options: optionsForIncarnation(),
                           diskLatency: { [world] in world.uniform(0.0001, latency) }, chunkRecords: chunkRecords) { machine in
                machine.onApplied = { [unowned self] index, command, chain in
                    if let driver = node.driver {
                        let fresh = checker.committedInMemory(driver.raftCommitIndex, node: node.id, store: node.store)
                        if let membership { for e in fresh { if let v = membership.committed(e) { checker.fail(v) } } }
                    }
                    checker.applied(index: index, command: command, chain: chain, node: node.id)
                }
                machine.onCaughtUp = { [unowned self] index, chain in
                    checker.caughtUp(index: index, chain: chain, node: node.id)
                    trace("n\(node.id) caught up to \(index)")
                }
            }
            trace("n\(node.id) START log \(node.store.firstIndex)...\(node.store.lastIndex) applied=\(node.driver?.appliedIndex ?? 0)")
        } catch {
            checker.fail("node \(node.id) failed to start: \(error)")
        }
    }

    private func optionsForIncarnation() -> RaftDriverOptions {
        var o = driverOptions
        o.randomSeed = world.rng.next()
        return o
    }

    func crash(_ node: SimNode, reason: String) {
        guard node.isUp else { return }
        node.crash(at: world.now)
        // A dead process closes its connections: the others usually notice at once.
        for other in nodes where other !== node && world.chance(0.8) {
            world.after(0) { other.driver?.peerLinkLost(node.id) }
        }
        node.restartAt = world.now + tick * Double(2 + world.int(below: 6 * options.electionTick - 1))
        report.crashes += 1
        trace("n\(node.id) CRASH (\(reason))")
    }

    private func restartDueNodes() {
        for node in nodes where !node.isUp {
            if let at = node.restartAt, at <= world.now { start(node) }
        }
    }

    // MARK: Faults

    /// Every workload step: restarts, faults and client requests.
    private func scheduleWorkload() {
        func next() {
            guard !checker.failed else { return }
            restartDueNodes()
            if faultsEnabled {
                injectFaults()
                runWorkload()
            }
            world.after(step, next)
        }
        world.after(step, next)
    }

    private func injectFaults() {
        if world.chance(crashRate) {
            // Leaders are the interesting victims: half the crashes hit one.
            if world.chance(0.5), let leader = currentLeader() {
                crash(leader, reason: "leader")
            } else {
                let up = nodes.filter(\.isUp)
                if !up.isEmpty { crash(up[world.int(below: up.count)], reason: "random") }
            }
        }
        if let at = healPartitionAt, at <= world.now {
            network.sides = nil
            healPartitionAt = nil
            trace("partition healed")
        } else if healPartitionAt == nil && world.chance(partitionRate) {
            var sides: [UInt64: Int] = [:]
            if world.chance(0.5) {
                // Isolate one node, often the leader.
                let lonely = world.chance(0.5) ? (currentLeader()?.id ?? nodes[world.int(below: nodes.count)].id)
                                               : nodes[world.int(below: nodes.count)].id
                for n in nodes { sides[n.id] = n.id == lonely ? 1 : 0 }
            } else {
                for n in nodes { sides[n.id] = world.int(below: 2) }
            }
            network.sides = sides
            healPartitionAt = world.now + tick * Double(5 + world.int(below: 8 * options.electionTick - 4))
            report.partitions += 1
            trace("partition \(nodes.map { sides[$0.id] ?? 0 })")
        }
    }

    private func heal() {
        faultsEnabled = false
        network.sides = nil
        network.dropRate = 0
        network.duplicateRate = 0
        healPartitionAt = nil
        for node in nodes where !node.isUp && node.restartAt != nil { start(node) }
        trace("HEAL")
    }
}

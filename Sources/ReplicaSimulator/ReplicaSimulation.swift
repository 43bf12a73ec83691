import Foundation
import Ledger
import Logging
import Raft
import SimulationSupport
import Replica

/// One seeded run of real replicas (`RaftDriver` + `NodeStateMachine` +
/// `FileRaftStorage` + ledger journals on tmpfs) in virtual time: clients
/// commit through the leader while nodes crash, lose power (unsynced journal
/// tails), tear their last writes, flip a bit in a synced record, and the
/// network drops, duplicates, delays and partitions. Then everything heals,
/// writes stop, and the cluster must converge; the ledger and Raft invariants
/// are checked throughout and at the end. The same seed replays the same run
/// (with `SWIFT_DETERMINISTIC_HASHING=1` across processes).
public final class ReplicaSimulation {
    public let seed: UInt64
    public let options: ReplicaSimulationOptions
    let world: SimWorld
    let network: SimNetwork
    private(set) var nodes: [SimReplica] = []
    let clients: SimClients
    let checker = LedgerChecker()
    let durability = SimDurability()
    private var report: ReplicaSimulationReport
    private let root: String
    var driverOptions = RaftDriverOptions()
    private var registryOptions: LedgerRegistry.Options
    private var faultsOn = true
    private var quarantined: Set<UInt64> = []
    private var traceLog: [String] = []
    private var lastLeader: UInt64 = 0

    public init(seed: UInt64, options: ReplicaSimulationOptions = ReplicaSimulationOptions()) {
        // Thousands of elections a minute: the node's logs would drown the report.
        ReplicaLog.raft = Logger(label: "tally.raft", factory: { _ in SwiftLogNoOpLogHandler() })
        ReplicaLog.storage = Logger(label: "tally.storage", factory: { _ in SwiftLogNoOpLogHandler() })
        self.seed = seed
        self.options = options
        world = SimWorld(seed: seed)
        network = SimNetwork(world: world)
        clients = SimClients(world: world)
        report = ReplicaSimulationReport(seed: seed, nodeCount: options.nodeCount)
        root = "\(options.rootDirectory)/tally-replica-sim-\(getpid())-\(seed)"

        let calm = world.chance(0.2)
        network.dropRate = calm ? 0 : world.uniform(0, 0.1)
        network.duplicateRate = calm ? 0 : world.uniform(0, 0.05)
        network.maxDelay = world.uniform(0.002, 0.05)
        driverOptions.tickInterval = .milliseconds(100)
        driverOptions.compactionThreshold = UInt64(4 + world.int(below: 60))
        driverOptions.stateMachineSyncInterval = .milliseconds(20 + world.int(below: 400))
        // Both ways a follower writes its log: on its loop, or on the pool (beside applies).
        driverOptions.followerLogWritesOnLoop = options.followerWritesOnLoop ?? SimWorld.writesOnLoop(seed: seed)
        driverOptions.snapshotStallTimeout = .seconds(3)
        driverOptions.catchUpRequestTimeout = .seconds(1)
        driverOptions.readIndexTimeout = .seconds(2)
        if world.chance(0.5) { driverOptions.maxSizePerMessage = 1 }
        driverOptions.maxInflightMessages = 1 + world.int(below: 16)
        // Followers commit their state stores every round, or hold them open for a few entries to many.
        driverOptions.followerHeldEntries = world.chance(0.25) ? 1 : [2, 5, 50, 1_000][world.int(below: 4)]
        clients.maxInFlight = 1 + world.int(below: 4)
        let world = self.world
        let ids = IDGenerator(SeededGenerator(seed: world.rng.next()))
        registryOptions = LedgerRegistry.Options(
            dataDirectory: root, metadataInterval: UInt64(2 + world.int(below: 40)),
            ledgerOptions: Ledger.Options(ids: ids, clock: { 1_700_000_000_000 + Int64(world.now * 1000) },
                                          elapsedClock: { Int64(world.now * 1000) }))
        registryOptions.stateOnDisk = world.chance(0.3)
        report.lmdb = registryOptions.stateOnDisk
        for i in 1...options.nodeCount {
            let dir = "\(root)/node\(i)"
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            nodes.append(SimReplica(id: UInt64(i), directory: dir, world: world, network: network))
        }
    }

    var voters: [UInt64] { nodes.map(\.id) }

    // MARK: Running

    public func run() -> ReplicaSimulationReport {
        durability.install()
        defer { tearDown() }
        trace("seed \(seed): \(options.nodeCount) nodes, drop \(network.dropRate), compaction \(driverOptions.compactionThreshold), lmdb \(registryOptions.stateOnDisk)")
        clients.trace = { [unowned self] in trace($0) }
        for n in nodes { start(n) }
        scheduleClients()
        scheduleFaults()
        var t = 0.0
        while t < options.faultSeconds && !checker.failed {
            t += 0.05
            world.run(until: t)
            observe()
        }
        if !checker.failed { heal() }
        if !checker.failed { converge(until: t + options.healSeconds) }
        if !checker.failed { checker.checkFinal(nodes: nodes, clients: clients) }
        return finish()
    }

    func observe() {
        checker.sample(nodes)
        for n in nodes where n.isUp && n.corruptionInjected != nil {
            if let failure = n.machine?.storageFailure {
                report.bitFlipsDetected += 1
                trace("node \(n.id) found its damaged journal at replay: \(failure)")
                n.crash()
                quarantined.insert(n.id)
            } else if let ledger = n.ledger, ledger.blockCount > 0 {
                checker.fail("node \(n.id) serves a ledger whose synced journal record was damaged (\(n.corruptionInjected!))")
            }
        }
        if let leader = nodes.first(where: { $0.status?.role == .leader }), leader.id != lastLeader {
            lastLeader = leader.id
            trace("node \(leader.id) leads term \(leader.status!.term)")
        }
    }

    func start(_ n: SimReplica) {
        do {
            try n.start(voters: voters, options: driverOptions, registry: registryOptions) { [checker] id, ledger, block in
                checker.applied(node: id, ledger: ledger, block: block)
            }
            if let injected = n.corruptionInjected, n.ledger != nil {
                checker.fail("node \(n.id) opened although a synced record was damaged (\(injected))")
            } else if n.corruptionInjected != nil {
                // The damaged journal is not in the durable registry yet: replaying the
                // ledger's creation from the Raft log must find it (see observe()).
                trace("node \(n.id) opened; its damaged journal is not registered yet")
            }
            n.restarts += 1
            trace("node \(n.id) started: log \(n.driver.map { "\($0.logBounds.first)...\($0.logBounds.last)" } ?? "?"), applied \(n.status?.appliedIndex ?? 0), commit \(n.status?.commitIndex ?? 0), blocks \(n.ledger?.blockCount ?? -1)")
        } catch {
            if let injected = n.corruptionInjected {
                report.bitFlipsDetected += 1
                quarantined.insert(n.id)
                trace("node \(n.id) refused to open its damaged data (\(injected)): \(error)")
            } else {
                checker.fail("node \(n.id) failed to start: \(error)")
            }
        }
    }

    private func scheduleClients() {
        func tick() {
            guard faultsOn else { return }
            clients.issue(on: nodes)
            world.after(world.uniform(0.005, 0.08), tick)
        }
        world.after(0.01, tick)
    }

    private func scheduleFaults() {
        func next() {
            guard faultsOn else { return }
            injectFault()
            world.after(world.uniform(0.2, 1.5), next)
        }
        world.after(world.uniform(0.5, 2), next)
    }

    private func injectFault() {
        let up = nodes.filter(\.isUp)
        switch world.int(below: 10) {
        case 0..<5:
            guard let victim = up.isEmpty ? nil : up[world.int(below: up.count)] else { return }
            crash(victim)
            world.after(world.uniform(0.1, 3)) { [self] in
                if faultsOn, !victim.isUp, !quarantined.contains(victim.id) { start(victim) }
            }
        case 5..<7:
            var sides: [UInt64: Int] = [:]
            for n in nodes { sides[n.id] = world.int(below: 2) }
            network.sides = sides
            report.partitions += 1
            trace("partition \(sides.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " "))")
            world.after(world.uniform(0.3, 3)) { [self] in network.sides = nil; trace("partition healed") }
        case 7:
            if let leader = up.first(where: { $0.status?.role == .leader }), let to = up.filter({ $0.id != leader.id }).randomElement(using: &world.rng) {
                try? leader.driver?.transferLeadership(to: to.id)
                trace("transfer leadership \(leader.id) -> \(to.id)")
            }
        default:
            network.dropRate = world.chance(0.5) ? 0 : world.uniform(0, 0.15)
        }
    }

    func crash(_ n: SimReplica) {
        report.catchUps += n.driver?.catchUpStats.completed ?? 0
        let before = n.driver.map { "log \($0.logBounds.first)...\($0.logBounds.last), applied \($0.status.appliedIndex), durable \(n.machine?.durableIndex ?? 0)" } ?? "down"
        n.crash()
        report.crashes += 1
        var what = "crash"
        if options.diskFaults && world.chance(0.4) {
            let lost = durability.powerCut(n.directory)
            report.powerCuts += 1
            what = "power cut (\(lost) unsynced bytes lost: \(durability.lastCut.joined(separator: "; ")))"
            if world.chance(0.5) {
                SimDisk.tearTails(n.directory, world: world, zerosFrom: durability.zerosFrom)
                report.tornTails += 1
                what += ", torn tails"
            }
        }
        let maxDamaged = (options.nodeCount - 1) / 2
        if options.diskFaults && quarantined.count < maxDamaged && nodes.allSatisfy({ $0.corruptionInjected == nil })
            && world.chance(0.06), let flipped = SimDisk.flipSyncedBit(n.directory, world: world) {
            n.corruptionInjected = flipped
            report.bitFlips += 1
            what += ", flipped \(flipped)"
        }
        trace("node \(n.id) (\(before)): \(what)")
    }

    private func heal() {
        faultsOn = false
        network.sides = nil
        network.dropRate = 0
        network.duplicateRate = 0
        trace("heal: no more faults or writes")
        for n in nodes where !n.isUp && !quarantined.contains(n.id) { start(n) }
    }

    private func converge(until deadline: Double) {
        let started = world.now
        var t = world.now
        while t < deadline && !checker.failed {
            t += 0.1
            world.run(until: t)
            observe()
            if converged() {
                trace("converged: " + nodes.compactMap { n in n.status.map { "\(n.id): applied \($0.appliedIndex) blocks \(n.ledger?.blockCount ?? -1)" } }.joined(separator: ", "))
                report.convergedAfter = world.now - started
                return
            }
        }
        checker.fail("liveness: no convergence \(options.healSeconds) s after healing: " + nodes.map { n in
            guard let st = n.status else { return "\(n.id):\(quarantined.contains(n.id) ? "quarantined" : "down")" }
            let divergence = n.machine?.registry.entry(named: SimClients.ledgerName)?.info.divergence.map { " (\($0))" } ?? ""
            return "\(n.id):\(st.role) t\(st.term) commit=\(st.commitIndex) applied=\(st.appliedIndex) blocks=\(n.ledger?.blockCount ?? -1)\(divergence)"
        }.joined(separator: ", "))
    }

    func converged() -> Bool {
        let live = nodes.filter { !quarantined.contains($0.id) }
        guard live.allSatisfy(\.isUp), let leader = live.first(where: { $0.status?.role == .leader }),
              let lst = leader.status, lst.pendingProposals == 0,
              // Everything in the leader's log is committed (its term's first entry included), so
              // no acknowledged entry can still be waiting in a log for a leader to commit it.
              leader.driver?.logBounds.last == lst.commitIndex else { return false }
        let blocks = leader.ledger?.blockCount
        let digest = try? leader.ledger?.digest().digest
        return live.allSatisfy { n in
            guard let st = n.status, st.appliedIndex == lst.commitIndex, st.commitIndex == lst.commitIndex else { return false }
            return n.ledger?.blockCount == blocks && (try? n.ledger?.digest().digest) == digest
        }
    }

    private func finish() -> ReplicaSimulationReport {
        report.issued = clients.issued
        report.acknowledged = clients.acknowledged.count
        report.rejected = clients.rejected.count
        report.unknown = clients.unknown.count
        report.blocks = checker.blocksChecked
        for n in nodes { report.catchUps += n.driver?.catchUpStats.completed ?? 0 }
        report.violations = checker.violations.map { "seed \(seed), t=\(String(format: "%.2f", world.now)) s: \($0)" }
        report.trace = traceLog
        return report
    }

    func tearDown() {
        for n in nodes { n.crash() }
        durability.uninstall()
        try? FileManager.default.removeItem(atPath: root)
    }

    func trace(_ s: @autoclosure () -> String) {
        guard options.trace else { return }
        traceLog.append("[\(String(format: "%7.3f", world.now))] \(s())")
        if traceLog.count > 400 { traceLog.removeFirst(100) }
    }
}

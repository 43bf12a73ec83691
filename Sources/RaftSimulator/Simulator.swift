import Raft

/// Runs one seeded simulation: `nodeCount` Raft nodes in one process over a
/// hostile network, with crashes, restarts, partitions, client proposals,
/// reads and leadership transfers, checking safety after every step and
/// liveness once the faults stop. The same seed always replays the same run.
public final class Simulation {
    public let seed: UInt64
    public let options: SimulationOptions
    private var rng: SplitMix64
    private var nodes: [SimNode] = []
    private var network: SimNetwork
    private var checker = Checker()
    private var report: SimulationReport
    /// Current micro-step.
    private var now = 0
    private var faultsEnabled = true
    private var healPartitionAt: Int?
    private var nextClientID: UInt64 = 1

    // Per-seed fault profile.
    private let crashRate: Double
    private let crashAfterPersistRate: Double
    private let partitionRate: Double
    private let proposeRate: Double
    private let readRate: Double
    private let transferRate: Double

    private var traceLog: [String] = []
    /// Membership changes and their checks (`MembershipScenario.swift`), if enabled.
    private var membership: MembershipScenario?

    public init(seed: UInt64, options: SimulationOptions = SimulationOptions()) {
        self.seed = seed
        self.options = options
        rng = SplitMix64(seed: seed)
        let spareCount = options.membershipChanges ? options.spareNodes : 0
        network = SimNetwork(nodeCount: options.nodeCount + spareCount)
        report = SimulationReport(seed: seed, nodeCount: options.nodeCount)

        let calm = rng.chance(0.2)
        network.dropRate = calm ? 0 : Double(rng.int(below: 16)) / 100
        network.duplicateRate = calm ? 0 : Double(rng.int(below: 6)) / 100
        network.maxDelay = 1 + rng.int(below: 2 * options.microStepsPerTick)
        crashRate = calm ? 0 : Double(rng.int(below: 8)) / 1000
        crashAfterPersistRate = calm ? 0 : Double(rng.int(below: 3)) / 1000
        partitionRate = calm ? 0 : Double(rng.int(below: 4)) / 1000
        proposeRate = 0.05 + Double(rng.int(below: 25)) / 100
        readRate = Double(rng.int(below: 5)) / 100
        transferRate = Double(rng.int(below: 3)) / 1000

        let peers = (1...options.nodeCount).map { NodeID($0) }
        let snapshotInterval = rng.chance(0.25) ? 0 : rng.int(in: 4...40)
        // Small messages and windows make partial replication (and so the
        // interesting interleavings) common.
        let maxSizePerMsg = rng.chance(0.5) ? 1 : rng.int(in: 32...512)
        let maxInflight = maxSizePerMsg == 1 ? rng.int(in: 4...16) : rng.int(in: 1...8)
        for (position, id) in peers.enumerated() {
            nodes.append(SimNode(id: id, position: position, peers: peers, options: options, seed: rng.next(),
                                 snapshotInterval: snapshotInterval, keepEntries: rng.int(below: 8),
                                 maxSizePerMsg: maxSizePerMsg, maxInflight: maxInflight))
        }
        if options.membershipChanges {
            for position in peers.count..<(peers.count + spareCount) {
                nodes.append(SimNode(id: NodeID(position + 1), position: position, peers: [], options: options,
                                     seed: rng.next(), snapshotInterval: snapshotInterval,
                                     keepEntries: rng.int(below: 8), maxSizePerMsg: maxSizePerMsg,
                                     maxInflight: maxInflight, dormant: true))
            }
            membership = MembershipScenario(voters: peers, spares: Array(peers.count..<nodes.count),
                                            rate: Double(rng.int(in: 2...10)) / 1000, maxVoters: 5)
        }
    }

    // MARK: Running

    public func run() -> SimulationReport {
        for _ in 0..<options.faultTicks {
            runTick()
            if checker.failed { return finish() }
        }
        heal()
        // The bound: a fixed allowance for elections plus one tick per entry
        // of backlog (the slowest configuration replicates about that fast).
        let highest = nodes.map { $0.raw?.lastIndex ?? $0.storage.lastIndex }.max() ?? 0
        let lowest = nodes.map(\.applied).min() ?? 0
        let healBound = options.maxHealTicks + Int(highest - min(lowest, highest))
        var converged = false
        for t in 0..<healBound {
            runTick()
            if checker.failed { return finish() }
            if healPhaseConverged() {
                converged = true
                report.healTicks = t + 1
                break
            }
        }
        if !converged {
            checker.fail("liveness: no convergence within \(healBound) ticks after healing; "
                + nodes.map { n in
                    guard let r = n.raw else { return "\(n.id):down" }
                    return "\(n.id):\(r.role) t\(r.term) commit=\(r.commitIndex) last=\(r.lastIndex) applied=\(n.applied)"
                }.joined(separator: ", "))
        }
        return finish()
    }

    private func finish() -> SimulationReport {
        report.ticks = now / options.microStepsPerTick
        report.elections = checker.elections
        report.commits = checker.appliedLog.count
        report.acknowledged = checker.acknowledged
        report.readsConfirmed = checker.readsConfirmed
        report.violations = checker.violations.map { "seed \(seed), tick \(now / options.microStepsPerTick): \($0)" }
        report.trace = traceLog
        report.confChangesProposed = membership?.proposed ?? 0
        report.confChangesCommitted = membership?.committedChanges ?? 0
        return report
    }

    private func trace(_ s: @autoclosure () -> String) {
        guard options.trace else { return }
        traceLog.append("[\(now / options.microStepsPerTick).\(now % options.microStepsPerTick)] \(s())")
        if traceLog.count > 400 { traceLog.removeFirst(100) }
    }

    private func runTick() {
        for micro in 0..<options.microStepsPerTick {
            now += 1
            if micro == 0 {
                for node in shuffledNodes() where node.isUp {
                    node.raw!.tick()
                    afterStep(node)
                }
            }
            restartDueNodes()
            if faultsEnabled { injectFaults() }
            runWorkload()
            deliverMessages()
            for node in shuffledNodes() { processReady(node) }
            if checker.failed { return }
        }
    }

    private func shuffledNodes() -> [SimNode] {
        var order = nodes
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, rng.int(below: i + 1))
        }
        return order
    }

    /// Checks that run after every step of a node.
    private func afterStep(_ node: SimNode) {
        checker.observe(node)
        if let v = membership?.observe(node) { checker.fail(v) }
    }

    // MARK: Ready handling (the persist-before-send contract)

    private func processReady(_ node: SimNode) {
        guard let raw = node.raw, raw.hasReady else { return }
        let rd = raw.ready()
        if let snap = rd.snapshot {
            do {
                try node.storage.applySnapshot(snap)
            } catch {
                checker.fail("node \(node.id) could not install snapshot \(snap.metadata.index): \(error)")
                return
            }
            let (index, chain) = node.restoreStateMachine(from: snap)
            checker.restoredSnapshot(index: index, chain: chain, node: node.id)
            trace("n\(node.id) installed snapshot \(index)")
        }
        node.storage.append(rd.entries)
        checker.persistedEntries(rd.entries, node: node.id, storage: node.storage)
        if let hs = rd.hardState {
            checker.persistingHardState(hs, node: node.id)
            node.storage.setHardState(hs)
        }
        // Durable now. A crash here loses the messages and the applying, not the state.
        if faultsEnabled && rng.chance(crashAfterPersistRate) {
            crash(node, reason: "after persist, before send")
            return
        }
        for m in rd.messages { send(m) }
        for e in rd.committedEntries {
            guard node.apply(e) else {
                checker.fail("node \(node.id) got committed entry \(e.index) after applying \(node.applied)")
                return
            }
            checker.applied(e, chain: node.chain, node: node.id)
            if let v = membership?.applied(e, node: node) { checker.fail(v) }
        }
        for rs in rd.readStates { checker.readConfirmed(rs, node: node.id) }
        if let soft = rd.softState { trace("n\(node.id) \(soft.role) t\(soft.term) leader=\(soft.leader)") }
        raw.advance(rd)
        node.maybeCompact()
        afterStep(node)
    }

    private func send(_ m: Message) {
        if m.kind == .snapshot { report.snapshotsSent += 1 }
        if network.send(m, now: now, rng: &rng) {
            trace("send \(m)")
        } else {
            report.messagesDropped += 1
            trace("drop \(m)")
            if m.kind == .snapshot { nodes[Int(m.from) - 1].raw?.reportSnapshot(to: m.to, failed: true) }
        }
    }

    private func deliverMessages() {
        for m in network.takeDue(now: now) {
            let from = nodes[Int(m.from) - 1]
            let to = nodes[Int(m.to) - 1]
            guard to.isUp, network.connected(from.position, to.position) else {
                report.messagesDropped += 1
                if m.kind == .snapshot { from.raw?.reportSnapshot(to: m.to, failed: true) }
                if rng.chance(0.3) { from.raw?.reportUnreachable(m.to) }
                continue
            }
            report.messagesDelivered += 1
            trace("recv \(m)")
            to.raw!.step(m)
            if m.kind == .snapshot { from.raw?.reportSnapshot(to: m.to, failed: false) }
            afterStep(to)
            // Sometimes handle the Ready right away, sometimes batch several messages.
            if rng.chance(0.5) { processReady(to) }
            if checker.failed { return }
        }
    }

    // MARK: Faults

    private func crash(_ node: SimNode, reason: String) {
        node.crash()
        // A dead process closes its connections: the others usually notice at once.
        for other in nodes where other !== node && rng.chance(0.8) { other.raw?.leaderLinkLost(node.id) }
        node.restartAt = now + options.microStepsPerTick * rng.int(in: 2...(6 * options.electionTick))
        report.crashes += 1
        trace("n\(node.id) CRASH (\(reason))")
    }

    private func restartDueNodes() {
        for (i, node) in nodes.enumerated() where !node.isUp {
            if let at = node.restartAt, at <= now {
                node.start(incarnation: UInt64(now) &* 31 &+ UInt64(i))
                trace("n\(node.id) RESTART applied=\(node.applied) commit=\(node.raw!.commitIndex)")
                afterStep(node)
            }
        }
    }

    private func injectFaults() {
        if rng.chance(crashRate) {
            // Leaders are the interesting victims: half the crashes hit one.
            if rng.chance(0.5), let leader = currentLeader() {
                crash(leader, reason: "leader")
            } else {
                let up = nodes.filter(\.isUp)
                if !up.isEmpty { crash(up[rng.int(below: up.count)], reason: "random") }
            }
        }
        if let at = healPartitionAt, at <= now {
            network.heal()
            healPartitionAt = nil
            trace("partition healed")
        } else if healPartitionAt == nil && rng.chance(partitionRate) {
            let n = nodes.count
            if rng.chance(0.5) {
                // Isolate one node, often the leader.
                let lonely = rng.chance(0.5) ? (currentLeader()?.position ?? rng.int(below: n)) : rng.int(below: n)
                for i in 0..<n { network.group[i] = i == lonely ? 1 : 0 }
            } else {
                for i in 0..<n { network.group[i] = rng.int(below: 2) }
            }
            healPartitionAt = now + options.microStepsPerTick * rng.int(in: 5...(8 * options.electionTick))
            report.partitions += 1
            trace("partition \(network.group)")
        }
    }

    private func heal() {
        faultsEnabled = false
        network.heal()
        network.dropRate = 0
        network.duplicateRate = 0
        healPartitionAt = nil
        for node in nodes where !node.isUp { node.restartAt = now }
        trace("HEAL")
    }

    // MARK: Workload

    /// The node a client would talk to: the leader with the highest term.
    private func currentLeader() -> SimNode? {
        var best: SimNode?
        for node in nodes {
            guard let raw = node.raw, raw.role == .leader else { continue }
            if best == nil || raw.term > best!.raw!.term { best = node }
        }
        return best
    }

    private func runWorkload() {
        guard faultsEnabled else { return }
        if let m = membership,
           let line = m.act(nodes: nodes, leader: currentLeader(), rng: &rng, incarnation: UInt64(now)) {
            trace(line)
        }
        if rng.chance(proposeRate) {
            let target = rng.chance(0.85) ? (currentLeader() ?? nodes[rng.int(below: nodes.count)])
                                          : nodes[rng.int(below: nodes.count)]
            if let raw = target.raw {
                let batch = rng.chance(0.2) ? rng.int(in: 2...5) : 1
                var data: [[UInt8]] = []
                for _ in 0..<batch {
                    var bytes = Bytes.encode(nextClientID)
                    nextClientID += 1
                    for _ in 0..<rng.int(below: 24) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
                    data.append(bytes)
                }
                do {
                    let index = try raw.propose(batch: data)
                    report.proposals += batch
                    trace("n\(target.id) proposed \(batch) at \(index)")
                } catch {
                    report.rejectedProposals += batch
                }
                afterStep(target)
            }
        }
        if rng.chance(readRate) {
            let node = nodes[rng.int(below: nodes.count)]
            if let raw = node.raw {
                let context = Bytes.encode(seed, nextClientID)
                nextClientID += 1
                if (try? raw.readIndex(context: context)) != nil {
                    checker.issuedRead(context: context)
                    report.reads += 1
                    trace("n\(node.id) read index requested")
                }
                afterStep(node)
            }
        }
        if rng.chance(transferRate), let leader = currentLeader(), let raw = leader.raw {
            let target = NodeID(rng.int(below: nodes.count) + 1)
            if target != leader.id, (try? raw.transferLeadership(to: target)) != nil {
                report.transfers += 1
                trace("n\(leader.id) transfers leadership to n\(target)")
            }
            afterStep(leader)
        }
        if rng.chance(0.0005) {
            let node = nodes[rng.int(below: nodes.count)]
            node.raw?.campaign()
            afterStep(node)
        }
    }

    // MARK: Liveness

    private var barrier: (index: LogIndex, term: Term, content: UInt64)?

    /// After healing: a leader exists, a fresh entry of its term commits, and
    /// every node has applied everything ever committed.
    private func healPhaseConverged() -> Bool {
        guard let leader = currentLeader(), let raw = leader.raw else { return false }
        if barrier == nil || barrier!.term != raw.term {
            let data = Bytes.encode(UInt64.max, nextClientID)
            nextClientID += 1
            if let index = try? raw.propose(data) {
                barrier = (index, raw.term, FNV.content(Entry(kind: .normal, data: data)))
                trace("n\(leader.id) proposed barrier at \(index)")
            }
            afterStep(leader)
            return false
        }
        guard let b = barrier else { return false }
        let log = checker.appliedLog
        guard log.count >= Int(b.index) else { return false }
        let entry = log[Int(b.index) - 1]
        guard entry.term == b.term, entry.content == b.content else {
            barrier = nil  // lost to a leadership change: propose another
            return false
        }
        for node in nodes where membership?.mustConverge(node) ?? true {
            guard node.isUp, node.applied >= LogIndex(log.count), node.applied == raw.lastIndex else { return false }
        }
        return true
    }
}

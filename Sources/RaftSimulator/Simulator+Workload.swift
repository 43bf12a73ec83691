import Raft
import Replica
import SimulationSupport

/// What clients and operators do to the simulated cluster, through the
/// driver's own API: proposals, read-index reads, leadership transfers,
/// forced elections and membership changes; and the liveness check.
extension Simulation {
    /// The node a client would talk to: the leader with the highest term.
    func currentLeader() -> SimNode? {
        var best: (node: SimNode, term: UInt64)?
        for node in nodes {
            guard let d = node.driver, d.raftRole == .leader else { continue }
            if best == nil || d.raftTerm > best!.term { best = (node, d.raftTerm) }
        }
        return best?.node
    }

    func runWorkload() {
        if let m = membership,
           let line = m.act(nodes: nodes, leader: currentLeader(), world: world, join: { [unowned self] in start($0) },
                            trace: { [unowned self] in trace($0) }) {
            trace(line)
        }
        if world.chance(proposeRate) { propose() }
        if world.chance(readRate) { read() }
        if world.chance(transferRate), let leader = currentLeader(), let driver = leader.driver {
            let target = NodeID(world.int(below: nodes.count) + 1)
            if target != leader.id, (try? driver.transferLeadership(to: target)) != nil {
                report.transfers += 1
                trace("n\(leader.id) transfers leadership to n\(target)")
            }
        }
        if world.chance(0.0005), let node = nodes.filter(\.isUp).randomElement(using: &world.rng) {
            node.driver?.campaign()
            trace("n\(node.id) campaigns")
        }
    }

    /// A batch of commands, mostly to the leader (group commit batches them).
    private func propose() {
        let target = world.chance(0.85) ? (currentLeader() ?? nodes[world.int(below: nodes.count)])
                                        : nodes[world.int(below: nodes.count)]
        guard let driver = target.driver else { return }
        let batch = world.chance(0.2) ? 2 + world.int(below: 4) : 1
        for _ in 0..<batch {
            var command = Bytes.encode(nextClientID)
            nextClientID += 1
            for _ in 0..<world.int(below: 24) { command.append(UInt8(truncatingIfNeeded: world.rng.next())) }
            report.proposals += 1
            driver.propose(command) { [unowned self] result in
                switch result {
                case .success(.applied(let reply)):
                    checker.acknowledged(command: command, reply: reply, node: target.id)
                case .success(.rejected(let why)):
                    checker.fail("the toy state machine rejected a command: \(why)")
                case .failure:
                    report.rejectedProposals += 1
                }
            }
        }
        trace("n\(target.id) proposed \(batch)")
    }

    /// A read-index read: once confirmed it must reflect every commit known
    /// anywhere when it was issued.
    private func read() {
        let node = nodes[world.int(below: nodes.count)]
        guard let driver = node.driver else { return }
        let watermark = checker.maxCommitObserved
        report.reads += 1
        driver.confirmLeadership { [unowned self, weak driver] result in
            guard case .success = result, let driver else { return }
            checker.readConfirmed(applied: driver.appliedIndex, watermark: watermark, node: node.id)
            trace("n\(node.id) read confirmed at \(driver.appliedIndex) (watermark \(watermark))")
        }
    }

    // MARK: Liveness

    /// After healing: a leader exists, a fresh command of its term commits,
    /// and every member has applied everything ever committed.
    func healPhaseConverged() -> Bool {
        guard let leader = currentLeader(), let driver = leader.driver else { return false }
        if barrier == nil || barrier!.term != driver.raftTerm {
            let command = Bytes.encode(UInt64.max, nextClientID)
            nextClientID += 1
            let term = driver.raftTerm
            barrier = (term, false)
            driver.propose(command) { [unowned self] result in
                guard barrier?.term == term else { return }
                if case .success(.applied(let reply)) = result {
                    checker.acknowledged(command: command, reply: reply, node: leader.id)
                    barrier?.committed = true
                } else {
                    barrier = nil  // lost to a leadership change: propose another
                }
            }
            trace("n\(leader.id) proposed a barrier in term \(term)")
            return false
        }
        guard barrier!.committed else { return false }
        let committed = LogIndex(checker.committedLog.count)
        for node in nodes where membership?.mustConverge(node) ?? true {
            guard let d = node.driver, d.appliedIndex >= committed, d.appliedIndex == driver.raftLastIndex else { return false }
        }
        return true
    }
}

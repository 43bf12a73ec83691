import Foundation
import Replica

/// Hand-written scenarios on the same machinery as the seeded runs: the
/// caller starts nodes, runs clients, crashes, wipes and restarts nodes, and
/// advances virtual time, then checks what it needs.
extension ReplicaSimulation {
    public func startAll() {
        durability.install()
        for n in nodes where !n.isUp { start(n) }
    }

    /// Advances virtual time by `seconds`, checking the invariants as it goes.
    public func advance(_ seconds: Double, clients: Bool = false, sampling: (() -> Void)? = nil) {
        let end = world.now + seconds
        while world.now < end {
            if clients { self.clients.issue(on: nodes) }
            world.run(until: min(end, world.now + 0.02))
            observe()
            sampling?()
        }
    }

    public func node(_ id: UInt64) -> Scenario.Node { Scenario.Node(replica: nodes[Int(id) - 1]) }
    public var leaderID: UInt64? { nodes.first { $0.status?.role == .leader }?.id }
    public var acknowledgedCount: Int { clients.acknowledged.count }
    public var violations: [String] { checker.violations }
    public var isConverged: Bool { converged() }

    public func crash(node id: UInt64, powerCut: Bool = false) {
        let n = nodes[Int(id) - 1]
        n.crash()
        if powerCut { durability.powerCut(n.directory) }
    }

    public func wipe(node id: UInt64) {
        let n = nodes[Int(id) - 1]
        n.wipe()
        durability.forget(n.directory)
    }

    public func restart(node id: UInt64) { start(nodes[Int(id) - 1]) }

    public func checkFinal() { checker.checkFinal(nodes: nodes, clients: clients) }

    public func finishScenario() { tearDown() }

    public func setCompactionThreshold(_ entries: UInt64) { driverOptions.compactionThreshold = entries }
}

public enum Scenario {
    /// A read-only view of one simulated node.
    public struct Node {
        let replica: SimReplica
        public var isUp: Bool { replica.isUp }
        public var status: ReplicationStatus? { replica.status }
        public var blockCount: Int? { replica.ledger?.blockCount }
        public var digest: [UInt8]? { try? replica.ledger?.digest().digest }
        public var catchUpsCompleted: Int { replica.driver?.catchUpStats.completed ?? 0 }
        public var logFirstIndex: UInt64? { replica.driver?.logBounds.first }
    }
}

import Foundation
import Raft
import XCTest
@testable import Replica
@testable import Server

/// Membership changes through real drivers over mutual TLS on loopback: a
/// fourth node joins (learner, catch-up, promotion), the leader removes itself
/// and hands over, and the joined node restarts with the membership from its log.
final class ClusterMembershipTests: XCTestCase {
    private func configuration(_ h: ClusterHarness, _ name: String, joining: Bool) throws -> RaftDriverConfiguration {
        let founders = ["node1", "node2", "node3"]
        let peers = try founders.map { try ClusterPeer(name: $0, host: "127.0.0.1", port: h.ports[$0]!) }
        var c = try RaftDriverConfiguration(nodeName: name, listenHost: "127.0.0.1", listenPort: h.ports[name]!,
                                            peers: peers, raftDirectory: "\(h.base)/\(name)/raft",
                                            tls: h.certs.files(name), options: h.options)
        c.joining = joining
        return c
    }

    private func start(_ h: ClusterHarness, _ name: String, joining: Bool = false) throws -> ClusterTestNode {
        try FileManager.default.createDirectory(atPath: "\(h.base)/\(name)", withIntermediateDirectories: true)
        let n = try ClusterTestNode(name: name, config: try configuration(h, name, joining: joining), dataDir: "\(h.base)/\(name)")
        // What `Node.wireMembership` does, minus the member file.
        try n.on {
            n.driver.onMembershipChange = { record in
                if let a = MemberAddress(context: record.change.context), let p = try? a.peer() { n.driver.transport.addPeer(p) }
            }
        }
        h.nodes[name] = n
        return n
    }

    private func change(_ node: ClusterTestNode, _ c: ConfChange) -> Result<Void, Error>? {
        let slot = ClusterResultSlot<Result<Void, Error>>()
        node.loop.execute { node.driver.proposeMembershipChange(c) { slot.set($0) } }
        return slot.wait(10)
    }

    private func membership(_ node: ClusterTestNode) -> ConfState? { try? node.on { node.driver.membership } }

    func testJoinPromoteRemoveTheLeaderAndRestart() throws {
        let h = try ClusterHarness(count: 4, tag: "membership")
        for n in ["node1", "node2", "node3"] { _ = try start(h, n) }
        let node4 = try start(h, "node4", joining: true)
        guard let leader = h.waitLeader(among: ["node1", "node2", "node3"]) else { return XCTFail("no leader") }
        for i in 0..<20 { guard case .success = leader.propose([UInt8(i)]) else { return XCTFail("propose \(i)") } }
        XCTAssertNil(node4.status?.leaderID, "a joining node knows nobody until it is added")
        XCTAssertEqual(membership(node4), ConfState())

        let context = MemberAddress(name: "node4", host: "127.0.0.1", port: h.ports["node4"]!).context
        guard case .success = change(leader, ConfChange(.addLearner, node: 4, context: context)) else {
            return XCTFail("add learner")
        }
        XCTAssertTrue(h.waitConverged(count: 20), "the learner catches up")
        XCTAssertEqual(membership(node4), ConfState(voters: [1, 2, 3], learners: [4]))
        var promoted = false
        _ = clusterWait(10) {
            if case .success = change(leader, ConfChange(.promote, node: 4)) { promoted = true }
            return promoted
        }
        XCTAssertTrue(promoted)
        // Committed on a majority; a follower outside it appends the change a moment later.
        _ = clusterWait(10) { h.nodes.values.allSatisfy { membership($0) == ConfState(voters: [1, 2, 3, 4]) } }
        for n in h.nodes.values { XCTAssertEqual(membership(n), ConfState(voters: [1, 2, 3, 4]), n.name) }

        // The leader removes itself: the change completes, it hands over and steps down.
        let old = leader.name
        let oldID = try XCTUnwrap(ClusterNodeID.numeric(old))
        guard case .success = change(leader, ConfChange(.remove, node: oldID)) else { return XCTFail("remove leader") }
        let rest = h.names.filter { $0 != old }
        guard let next = h.waitLeader(5, among: rest) else { return XCTFail("no leader after the removal") }
        XCTAssertNotEqual(next.name, old)
        XCTAssertNotEqual(leader.status?.role, .leader)
        guard case .success = next.propose([99]) else { return XCTFail("propose after removal") }
        h.stop(old)
        XCTAssertTrue(h.waitConverged(count: 21))

        // node4 restarts: its membership comes from its log, not from its (joining) configuration.
        h.stop("node4")
        let again = try start(h, "node4", joining: true)
        let expected = ConfState(voters: [1, 2, 3, 4].filter { $0 != oldID })
        XCTAssertTrue(clusterWait(10) { self.membership(again) == expected && again.status?.leaderID != nil })
        guard case .success = h.waitLeader(10, among: rest)?.propose([100]) else { return XCTFail("propose after restart") }
        XCTAssertTrue(h.waitConverged(count: 22))
    }
}

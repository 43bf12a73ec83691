import Foundation
import Raft
import XCTest
@testable import Replica
@testable import Server

/// Three `RaftDriver`s in one process, each on its own event loop, over real
/// mutual TLS on 127.0.0.1, replicating a toy SHA-256 chain. Every wait is bounded.
final class ClusterTests: XCTestCase {
    private func commands(_ range: Range<Int>, _ tag: String) -> [[UInt8]] {
        range.map { Array("\(tag)-\($0)".utf8) }
    }

    private func assertAllApplied(_ results: [Result<ApplyResult, ReplicationError>?], file: StaticString = #filePath, line: UInt = #line) {
        for (i, r) in results.enumerated() {
            guard case .success(.applied)? = r else {
                return XCTFail("proposal \(i): \(String(describing: r))", file: file, line: line)
            }
        }
    }

    func testThreeNodeReplicationFailoverRestartTransferAndCrashConsistency() throws {
        let h = try ClusterHarness(tag: "main")
        defer { h.stopAll() }
        for n in h.names { try h.start(n) }
        guard let leader = h.waitLeader() else { return XCTFail("no leader elected") }

        // 200 proposals → applied identically everywhere.
        assertAllApplied(leader.proposeAll(commands(0..<200, "a")))
        XCTAssertTrue(h.waitConverged(count: 200), "chains did not converge")
        var acknowledged = 200

        // A follower refuses proposals and names the leader.
        let follower = h.nodes.values.first { $0 !== leader }!
        let leaderID = try ClusterNodeID.require(leader.name)
        XCTAssertEqual(follower.propose([1])?.clusterFailure, .notLeader(leaderID: leaderID))
        // Read index on the leader.
        let read = ClusterResultSlot<Result<Void, ReplicationError>>()
        leader.loop.execute { leader.driver.confirmLeadership { read.set($0) } }
        XCTAssertNotNil(try read.wait(10)?.get())

        // Planned transfer to a follower.
        let target = try ClusterNodeID.require(follower.name)
        try leader.on { try leader.driver.transferLeadership(to: target) }
        XCTAssertTrue(clusterWait(10) { h.leader()?.name == follower.name }, "transfer did not complete")
        let l2 = h.leader()!
        assertAllApplied(l2.proposeAll(commands(0..<20, "b")))
        acknowledged += 20
        XCTAssertTrue(h.waitConverged(count: acknowledged))

        // Kill (stop) the leader: a new one within a bounded time, writes go on.
        let dead = l2.name
        let killedAt = Date()
        h.stop(dead)
        guard let l3 = h.waitLeader(10) else { return XCTFail("no new leader after stopping \(dead)") }
        XCTAssertNotEqual(l3.name, dead)
        let failover = Date().timeIntervalSince(killedAt)
        XCTAssertLessThan(failover, 10)
        assertAllApplied(l3.proposeAll(commands(0..<30, "c")))
        acknowledged += 30
        XCTAssertTrue(h.waitConverged(count: acknowledged))

        // Restart the old node from its disk: it catches up.
        try h.start(dead)
        XCTAssertTrue(h.waitConverged(count: acknowledged), "restarted node did not catch up")
        XCTAssertGreaterThanOrEqual(h.leader().flatMap { $0.status }?.leaderChanges ?? 0, 1)

        // Crash consistency: stop everything, restart from disk, nothing acknowledged is lost.
        let hashBefore = h.nodes[dead]!.chainState!.hash
        h.stopAll()
        for n in h.names { try h.start(n) }
        XCTAssertTrue(h.waitConverged(count: acknowledged), "state lost across a full restart")
        XCTAssertEqual(h.nodes[dead]!.chainState?.hash, hashBefore)
        guard let l4 = h.waitLeader() else { return XCTFail("no leader after full restart") }
        assertAllApplied(l4.proposeAll(commands(0..<10, "d")))
        XCTAssertTrue(h.waitConverged(count: acknowledged + 10))
        print("cluster test: failover took \(String(format: "%.2f", failover)) s")
    }

    func testCompactedFollowerCatchesUpByStreaming() throws {
        let h = try ClusterHarness(tag: "stream")
        h.options.compactionThreshold = 40
        defer { h.stopAll() }
        for n in h.names { try h.start(n) }
        guard let leader = h.waitLeader() else { return XCTFail("no leader elected") }
        assertAllApplied(leader.proposeAll(commands(0..<10, "x")))
        XCTAssertTrue(h.waitConverged(count: 10))
        let lagger = h.names.first { $0 != leader.name }!
        h.stop(lagger)
        // Far more than the compaction threshold while the lagger is away.
        for round in 0..<4 { assertAllApplied(leader.proposeAll(commands(0..<50, "y\(round)"))) }
        try leader.on { leader.driver.compactNow() }
        let first = try leader.on { leader.driver.logBounds.first }
        XCTAssertGreaterThan(first, 100, "leader log was not compacted")
        let node = try h.start(lagger)
        XCTAssertTrue(h.waitConverged(count: 210, 30), "lagging node did not catch up")
        let stats = try node.on { node.driver.catchUpStats }
        XCTAssertGreaterThanOrEqual(stats.completed, 1, "catch-up did not go through streaming: \(stats)")
        XCTAssertGreaterThan(stats.chunksReceived, 1)
        // It keeps replicating normally afterwards, and survives a restart.
        let l = h.waitLeader()!
        assertAllApplied(l.proposeAll(commands(0..<5, "z")))
        XCTAssertTrue(h.waitConverged(count: 215))
        h.stop(lagger)
        try h.start(lagger)
        XCTAssertTrue(h.waitConverged(count: 215))
    }

    /// The issue: a wiped follower restarted in an idle cluster stayed empty
    /// while the leader reported it 0 entries behind, until the next write.
    func testWipedFollowerCatchesUpWithoutNewWrites() throws {
        let h = try ClusterHarness(tag: "wiped-idle")
        h.options.compactionThreshold = 40
        defer { h.stopAll() }
        for n in h.names { try h.start(n) }
        guard let leader = h.waitLeader() else { return XCTFail("no leader elected") }
        for round in 0..<4 { assertAllApplied(leader.proposeAll(commands(0..<50, "w\(round)"))) }
        XCTAssertTrue(h.waitConverged(count: 200))
        try leader.on { leader.driver.compactNow() }
        XCTAssertGreaterThan(try leader.on { leader.driver.logBounds.first }, 100, "leader log was not compacted")

        let wiped = h.names.first { $0 != leader.name }!
        let wipedID = try ClusterNodeID.require(wiped)
        h.stop(wiped)
        try FileManager.default.removeItem(atPath: "\(h.base)/\(wiped)")
        // Hold the wiped node behind: the leader refuses to serve the journal.
        try leader.on {
            leader.driver.transport.setHandler(.catchUp) { _, _, respond in respond(.failure(.remote("held back by the test"))) }
        }
        let node = try h.start(wiped)
        // No write from here on.
        let last = try leader.on { leader.driver.logBounds.last }
        XCTAssertTrue(clusterWait(10) { leader.status?.peerLag[wipedID] == last },
                      "the leader must report the wiped node a whole log behind: \(String(describing: leader.status))")
        XCTAssertEqual(node.chainState?.count, 0)
        try leader.on {
            leader.driver.transport.setHandler(.catchUp) { [weak d = leader.driver] from, payload, respond in
                d?.serveCatchUp(from: from, payload: payload, respond: respond)
            }
        }
        XCTAssertTrue(h.waitConverged(count: 200, 15),
                      "wiped node did not catch up in an idle cluster: \(String(describing: node.chainState))")
        XCTAssertTrue(clusterWait(5) { leader.status?.peerLag[wipedID] == 0 })
        let stats = try node.on { node.driver.catchUpStats }
        XCTAssertGreaterThanOrEqual(stats.completed, 1, "catch-up did not go through streaming: \(stats)")
    }

    func testRogueCertificatesCannotJoin() throws {
        let h = try ClusterHarness(tag: "rogue")
        defer { h.stopAll() }
        try h.start("node1")
        try h.start("node2")
        // node3 presents a certificate from another CA.
        let rogue = try h.start("node3", tls: h.certs.files("rogue3", ca: "rogue-ca"))
        guard let leader = h.waitLeader(among: ["node1", "node2"]) else { return XCTFail("no leader among the genuine nodes") }
        XCTAssertNotEqual(leader.name, "node3")
        assertAllApplied(leader.proposeAll(commands(0..<5, "r")))
        XCTAssertTrue(clusterWait(10) { (h.nodes["node1"]?.chainState?.count ?? 0) == 5 && (h.nodes["node2"]?.chainState?.count ?? 0) == 5 })
        XCTAssertEqual(rogue.chainState?.count, 0)
        XCTAssertNotEqual(rogue.status?.role, .leader)
        XCTAssertTrue(clusterWait(5) { ((try? h.nodes["node1"]!.on { h.nodes["node1"]!.driver.transport.rejectedConnections }) ?? 0) > 0 })
        h.stop("node3")
        // A certificate from the right CA but for another node id (node4 posing as node3).
        let impostor = try h.start("node3", tls: h.certs.files("node4"))
        assertAllApplied(leader.proposeAll(commands(5..<8, "r")))
        usleep(500_000)
        XCTAssertEqual(impostor.chainState?.count, 0)
    }

    func testSingleMemberClusterCommitsAlone() throws {
        let h = try ClusterHarness(count: 1, tag: "single")
        defer { h.stopAll() }
        let n = try h.start("node1")
        XCTAssertTrue(clusterWait(5) { n.status?.role == .leader })
        assertAllApplied(n.proposeAll(commands(0..<50, "s")))
        XCTAssertEqual(n.chainState?.count, 50)
        h.stop("node1")
        let again = try h.start("node1")
        XCTAssertTrue(clusterWait(5) { again.chainState?.count == 50 && again.status?.role == .leader })
    }
}

extension Result {
    var clusterFailure: Failure? { if case .failure(let e) = self { return e } else { return nil } }
}

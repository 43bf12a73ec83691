import Raft
import XCTest

/// Planned failover: the leader hands over to a chosen follower.
final class LeadershipTransferTests: XCTestCase {
    func testTransferToAnUpToDateFollower() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        try! c.node(1).transferLeadership(to: 3)
        c.stabilize()
        XCTAssertEqual(c.leaders, [3])
        XCTAssertEqual(c.node(3).term, 2, "the target campaigned at once, skipping pre-vote")
        XCTAssertEqual(c.node(1).leader, 3)
    }

    func testTransferCatchesUpALaggingTargetAndRejectsProposalsMeanwhile() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        c.isolate(3)
        for i in 1...5 { try! c.node(1).propose(bytes("tx\(i)")) }
        c.stabilize()
        XCTAssertEqual(c.node(3).lastIndex, 1, "node 3 missed everything")

        c.recover()
        c.dropKinds = [.append]  // hold the catch-up back for a moment
        try! c.node(1).transferLeadership(to: 3)
        XCTAssertThrowsError(try c.node(1).propose(bytes("late"))) { error in
            XCTAssertEqual(error as? RaftError, .leadershipTransferInProgress(to: 3))
        }
        c.stabilize()
        XCTAssertEqual(c.leaders, [1], "no timeout-now before the target has caught up")

        c.dropKinds = []
        c.tick(1)  // heartbeat response from 3 triggers the catch-up append
        XCTAssertEqual(c.leaders, [3])
        XCTAssertEqual(c.appliedData(3), ["tx1", "tx2", "tx3", "tx4", "tx5"])
        try! c.node(3).propose(bytes("after"))
        c.stabilize()
        XCTAssertEqual(c.appliedData(1).last, "after")
    }

    func testTransferIsAbandonedAfterAnElectionTimeout() {
        let c = TestCluster(size: 3, electionTick: 10)
        c.campaign(1)
        c.isolate(3)
        try! c.node(1).transferLeadership(to: 3)
        XCTAssertThrowsError(try c.node(1).propose(bytes("x")))
        c.tick(1, times: 10)
        XCTAssertEqual(c.leaders, [1])
        XCTAssertNoThrow(try c.node(1).propose(bytes("x")), "transfer abandoned, proposals accepted again")
    }

    func testTransferRequiresLeaderAndKnownTarget() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        XCTAssertThrowsError(try c.node(2).transferLeadership(to: 3))
        XCTAssertThrowsError(try c.node(1).transferLeadership(to: 9)) { error in
            XCTAssertEqual(error as? RaftError, .unknownNode(9))
        }
    }
}

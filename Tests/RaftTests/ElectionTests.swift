import Raft
import XCTest

/// Leader election, pre-vote and check-quorum, told as small scenarios.
final class ElectionTests: XCTestCase {
    func testCampaignElectsASingleLeader() {
        let c = TestCluster(size: 3)
        c.campaign(1)

        XCTAssertEqual(c.leaders, [1])
        for id in c.ids {
            XCTAssertEqual(c.node(id).term, 1, "pre-vote does not burn a term; the real vote uses term 1")
            XCTAssertEqual(c.node(id).leader, 1)
        }
        // The new leader's empty entry commits everywhere.
        for id in c.ids { XCTAssertEqual(c.node(id).commitIndex, 1) }
    }

    func testElectionTimeoutsElectExactlyOneLeader() {
        let c = TestCluster(size: 5)
        var ticks = 0
        while c.leaders.isEmpty && ticks < 100 {
            c.tickAll()
            ticks += 1
        }
        XCTAssertEqual(c.leaders.count, 1, "one leader after \(ticks) ticks")
        let leader = c.leaders[0]
        for id in c.ids { XCTAssertEqual(c.node(id).leader, leader) }
    }

    func testVoteRequiresAnUpToDateLog() {
        // Node 3 misses an entry; it cannot win an election against 1 and 2.
        let c = TestCluster(size: 3)
        c.campaign(1)
        c.isolate(3)
        try! c.node(1).propose(bytes("x"))
        c.stabilize()
        c.recover()
        c.isolate(1)  // the leader disappears
        c.campaign(3)
        XCTAssertNotEqual(c.node(3).role, .leader, "2 has a longer log and refuses")
        c.campaign(2)
        XCTAssertEqual(c.node(2).role, .leader)
    }

    func testPreVoteKeepsAPartitionedNodeFromDisruptingTheCluster() {
        let c = TestCluster(size: 3, preVote: true)
        c.campaign(1)
        c.isolate(3)
        // Alone, node 3 keeps timing out, but a pre-vote never raises its term.
        c.tick(3, times: 50)
        XCTAssertEqual(c.node(3).term, 1)
        XCTAssertEqual(c.node(3).role, .preCandidate)

        c.recover()
        c.tick(1, times: 2)  // heartbeats reach node 3 again
        XCTAssertEqual(c.leaders, [1])
        XCTAssertEqual(c.node(1).term, 1, "the leader was not disturbed")
        XCTAssertEqual(c.node(3).role, .follower)
        XCTAssertEqual(c.node(3).leader, 1)
    }

    func testWithoutPreVoteAPartitionedNodeDisruptsTheLeader() {
        // The counterpart: why pre-vote exists.
        let c = TestCluster(size: 3, preVote: false, checkQuorum: false)
        c.campaign(1)
        c.isolate(3)
        c.tick(3, times: 50)
        XCTAssertGreaterThan(c.node(3).term, 1, "each timeout raised node 3's term")
        c.recover()
        let before = c.node(3).term
        c.tick(3, times: 20)  // its next campaign reaches the others
        XCTAssertGreaterThan(c.node(1).term, before, "the healthy leader was forced into a new election")
        XCTAssertEqual(c.leaders.count, 1)
    }

    func testCheckQuorumLeaderStepsDownWhenCutOff() {
        let c = TestCluster(size: 3, checkQuorum: true, electionTick: 10)
        c.campaign(1)
        c.isolate(1)
        c.tick(1, times: 9)
        XCTAssertEqual(c.node(1).role, .leader, "within one election timeout it still leads")
        c.tick(1, times: 11)
        XCTAssertEqual(c.node(1).role, .follower, "no quorum heard within an election timeout")
        XCTAssertEqual(c.node(1).leader, noNode)
    }

    func testFollowerWithARecentLeaderIgnoresVoteRequests() {
        // The leader lease: a follower that heard from the leader within the
        // election timeout neither votes nor adopts a higher term.
        let c = TestCluster(size: 3, checkQuorum: true)
        c.campaign(1)
        let node2 = c.node(2)
        node2.step(Message(kind: .vote, from: 3, to: 2, term: 7, logTerm: 1, index: 1))
        XCTAssertEqual(node2.term, 1)
        XCTAssertTrue(node2.ready().messages.isEmpty, "no vote response at all")
    }

    func testStaleMessagesAreIgnored() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        c.node(2).step(Message(kind: .append, from: 3, to: 2, term: 0, index: 99, entries: [Entry(term: 0, index: 100)]))
        c.node(2).step(Message(kind: .heartbeat, from: noNode, to: 2, term: 5))  // no sender
        c.node(2).step(Message(kind: .heartbeat, from: 1, to: 3, term: 5))  // not addressed to node 2
        c.node(2).step(Message(kind: .append, from: 1, to: 2, term: 1, logTerm: 1, index: 1, commit: 1_000))
        c.stabilize()
        XCTAssertEqual(c.node(2).term, 1)
        XCTAssertEqual(c.node(2).commitIndex, 1, "commit never runs past the follower's own log")
        XCTAssertEqual(c.leaders, [1])
    }
}

/// A follower whose link to the leader broke campaigns within a few ticks,
/// and the survivors do not split the vote; a live leader is not disturbed.
final class LeaderLinkLostTests: XCTestCase {
    func testSurvivorsElectANewLeaderWithinTicksWithoutSplittingTheVote() {
        for size in [3, 5] {
            let c = TestCluster(size: size)
            c.campaign(1)
            c.isolate(1)
            for id in c.ids where id != 1 { c.node(id).leaderLinkLost(1) }
            var ticks = 0
            while !c.leaders.contains(where: { $0 != 1 }) && ticks < 10 {
                for id in c.ids where id != 1 { c.node(id).tick() }
                c.stabilize()
                ticks += 1
            }
            XCTAssertEqual(c.leaders.filter { $0 != 1 }, [2], "size \(size)")
            XCTAssertLessThanOrEqual(ticks, 2, "size \(size): far less than an election timeout (10 ticks)")
            XCTAssertEqual(c.node(2).term, 2, "size \(size): one election, no split vote")
        }
    }

    func testALiveLeaderKeepsItsLeadershipWhenOneLinkBreaks() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        c.node(2).leaderLinkLost(1)
        c.node(3).leaderLinkLost(2)  // not its leader: ignored
        c.tickAll(times: 5)
        XCTAssertEqual(c.leaders, [1])
        XCTAssertEqual(c.node(1).term, 1, "the pre-vote was refused by the follower still in the lease")
    }
}

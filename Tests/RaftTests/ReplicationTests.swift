import Raft
import XCTest

/// Log replication: proposals, conflict repair, and the commitment rule.
final class ReplicationTests: XCTestCase {
    func testProposalsReplicateAndApplyInOrder() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        for i in 1...5 { try! c.node(1).propose(bytes("tx\(i)")) }
        c.stabilize()
        for id in c.ids {
            XCTAssertEqual(c.appliedData(id), ["tx1", "tx2", "tx3", "tx4", "tx5"])
            XCTAssertEqual(c.node(id).commitIndex, 6)
        }
    }

    func testBatchedProposalIsOneAppendPerFollower() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        let before = c.delivered.count
        try! c.node(1).propose(batch: (1...10).map { bytes("tx\($0)") })
        c.stabilize()
        let appends = c.delivered[before...].filter { $0.kind == .append && !$0.entries.isEmpty }
        XCTAssertEqual(appends.filter { $0.entries.count == 10 }.count, 2, "one append of 10 entries to each follower")
        XCTAssertEqual(c.appliedData(3).count, 10)
    }

    func testProposalOnAFollowerIsRejectedWithTheLeaderHint() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        XCTAssertThrowsError(try c.node(2).propose(bytes("x"))) { error in
            XCTAssertEqual(error as? RaftError, .notLeader(leader: 1))
        }
    }

    func testLeaderRepairsConflictingFollowerLogs() {
        // Term of each entry (index = position + 1). Node 1 has the most
        // up-to-date log; node 2 has an uncommitted suffix from term 2 that
        // never committed; node 3 is simply behind.
        let voters: [NodeID] = [1, 2, 3]
        let storages: [NodeID: MemoryStorage] = [
            1: storageWithLog(terms: [1, 1, 2, 3, 3], voters: voters, hardState: HardState(term: 3, commit: 2)),
            2: storageWithLog(terms: [1, 1, 2, 2, 2, 2], voters: voters, hardState: HardState(term: 3, commit: 2)),
            3: storageWithLog(terms: [1], voters: voters, hardState: HardState(term: 3, commit: 1)),
        ]
        let c = TestCluster(size: 3, storages: storages)
        c.campaign(1)
        XCTAssertEqual(c.leaders, [1])
        XCTAssertEqual(c.node(1).term, 4)

        let leaderLog = c.log(1)
        XCTAssertEqual(leaderLog.map(\.term), [1, 1, 2, 3, 3, 4])
        XCTAssertEqual(c.log(2), leaderLog, "node 2's term-2 suffix was replaced")
        XCTAssertEqual(c.log(3), leaderLog)
        for id in c.ids { XCTAssertEqual(c.node(id).commitIndex, 6) }
    }

    func testLeaderCommitsOnlyEntriesOfItsOwnTermByCounting() {
        // Figure 8 of the Raft paper. Node 1 carries an entry from term 2 at
        // index 2 that was never committed. It becomes leader in term 3 and
        // learns that node 2 also holds index 2: a majority of 3 holds it, but
        // an entry of an older term may still be overwritten by another leader
        // (one elected with a term-2+ entry there), so it must not commit by
        // counting. It commits only once its own term-3 entry (index 3) is on
        // a majority, which commits index 2 with it.
        let voters: [NodeID] = [1, 2, 3]
        let storage = storageWithLog(terms: [1, 2], voters: voters, hardState: HardState(term: 2, commit: 1))
        let leader = try! RawNode(config: Config(id: 1, peers: voters, applied: 1), storage: storage)
        leader.campaign()
        leader.step(Message(kind: .preVoteResponse, from: 2, to: 1, term: 3))
        leader.step(Message(kind: .voteResponse, from: 2, to: 1, term: 3))
        XCTAssertEqual(leader.role, .leader)
        XCTAssertEqual(leader.term, 3)
        XCTAssertEqual(leader.lastIndex, 3, "the new leader appended its empty entry at index 3")

        leader.step(Message(kind: .appendResponse, from: 2, to: 1, term: 3, index: 2))
        XCTAssertEqual(leader.commitIndex, 1, "index 2 (term 2) is on a majority but must not commit")

        leader.step(Message(kind: .appendResponse, from: 2, to: 1, term: 3, index: 3))
        XCTAssertEqual(leader.commitIndex, 3, "index 3 (term 3) on a majority commits 2 and 3")
    }

    func testSmallMessagesPipelineManyAppends() {
        let c = TestCluster(size: 3, maxSizePerMsg: 1)  // one entry per message
        c.campaign(1)
        for i in 1...20 { try! c.node(1).propose(bytes("tx\(i)")) }
        c.stabilize()
        for id in c.ids { XCTAssertEqual(c.appliedData(id).count, 20) }
    }
}

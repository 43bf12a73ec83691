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
        XCTAssertEqual(leader.commitIndex, 1, "the leader's own copy of index 3 is not durable yet")

        persist(leader, into: storage)
        XCTAssertEqual(leader.commitIndex, 3, "index 3 (term 3) on a majority commits 2 and 3")
    }

    /// Thesis §10.2.1: the leader sends its entries while it writes them, and
    /// counts its own copy only once durable, so a commit never rests on a copy
    /// a crash could lose; followers alone may make a majority.
    func testLeaderCountsItsOwnCopyOnlyOnceDurable() {
        let voters: [NodeID] = [1, 2, 3]
        let storage = MemoryStorage(voters: voters)
        let leader = try! RawNode(config: Config(id: 1, peers: voters), storage: storage)
        leader.campaign()
        persist(leader, into: storage)
        leader.step(Message(kind: .preVoteResponse, from: 2, to: 1, term: 1))
        leader.step(Message(kind: .voteResponse, from: 2, to: 1, term: 1))
        XCTAssertEqual(leader.role, .leader)
        let appended = leader.ready()
        XCTAssertEqual(appended.entries.map(\.index), [1])
        XCTAssertEqual(appended.messagesBeforePersisting.filter { $0.kind == .append }.map(\.to), [2, 3],
                       "the appends may leave before the leader's own write")
        XCTAssertFalse(appended.messages.contains { $0.kind == .append })

        leader.step(Message(kind: .appendResponse, from: 2, to: 1, term: 1, index: 1))
        XCTAssertEqual(leader.commitIndex, 0, "one follower and an unsynced leader copy are not a majority")
        storage.append(appended.entries)
        leader.advance(appended)
        XCTAssertEqual(leader.commitIndex, 1, "one follower and the durable leader copy are")

        try! leader.propose(bytes("tx"))
        let second = leader.ready()
        XCTAssertEqual(second.entries.map(\.index), [2])
        leader.step(Message(kind: .appendResponse, from: 2, to: 1, term: 1, index: 2))
        leader.step(Message(kind: .appendResponse, from: 3, to: 1, term: 1, index: 2))
        XCTAssertEqual(leader.commitIndex, 2, "two followers commit without the leader's copy")
        storage.append(second.entries)
        leader.advance(second)
        XCTAssertEqual(leader.commitIndex, 2)
    }

    func testASingleNodeCommitsWhenItsWriteIsDurable() {
        let storage = MemoryStorage(voters: [1])
        let node = try! RawNode(config: Config(id: 1, peers: [1]), storage: storage)
        node.campaign()
        XCTAssertEqual(node.role, .leader)
        let rd = node.ready()
        XCTAssertEqual(rd.entries.map(\.index), [1])
        XCTAssertTrue(rd.committedEntries.isEmpty, "nothing commits before the write is durable")
        XCTAssertEqual(node.commitIndex, 0)
        storage.append(rd.entries)
        if let hs = rd.hardState { storage.setHardState(hs) }
        node.advance(rd)
        XCTAssertEqual(node.commitIndex, 1)
        XCTAssertEqual(node.ready().committedEntries.map(\.index), [1])
    }

    /// Handles one Ready as the contract says, synchronously.
    private func persist(_ node: RawNode, into storage: MemoryStorage) {
        guard node.hasReady else { return }
        let rd = node.ready()
        storage.append(rd.entries)
        if let hs = rd.hardState { storage.setHardState(hs) }
        node.advance(rd)
    }

    func testSmallMessagesPipelineManyAppends() {
        let c = TestCluster(size: 3, maxSizePerMsg: 1)  // one entry per message
        c.campaign(1)
        for i in 1...20 { try! c.node(1).propose(bytes("tx\(i)")) }
        c.stabilize()
        for id in c.ids { XCTAssertEqual(c.appliedData(id).count, 20) }
    }
}

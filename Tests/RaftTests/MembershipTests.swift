import Raft
import XCTest

/// Single-server membership changes (Raft thesis §4): learners, promotion,
/// removal, replacement, and the rules that keep them safe.
final class MembershipTests: XCTestCase {
    /// A three-node cluster led by 1 with a few committed entries.
    private func cluster() -> TestCluster {
        let c = TestCluster(size: 3)
        c.campaign(1)
        for i in 1...3 { try! c.node(1).propose(bytes("tx\(i)")) }
        c.stabilize()
        return c
    }

    private func change(_ c: TestCluster, _ leader: NodeID, _ kind: ConfChange.Kind, _ node: NodeID) {
        XCTAssertNoThrow(try c.node(leader).proposeConfChange(ConfChange(kind, node: node)))
        c.stabilize()
    }

    private func refusal(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch RaftError.confChangeRefused(let why) {
            return why
        } catch {
            return "\(error)"
        }
    }

    func testConfChangeRecordRoundTripsAndRejectsMalformed() {
        let cc = ConfChange(.promote, node: 0x0102_0304_0506_0708, context: bytes("node4 127.0.0.1:7004"))
        let record = ConfChangeRecord(change: cc, conf: ConfState(voters: [1, 2, 0x0102_0304_0506_0708], learners: [9]))
        XCTAssertEqual(ConfChangeRecord(encoded: record.encoded), record)
        let empty = ConfChangeRecord(change: ConfChange(.remove, node: 3), conf: ConfState(voters: [1]))
        XCTAssertEqual(ConfChangeRecord(encoded: empty.encoded), empty)
        XCTAssertNil(ConfChangeRecord(encoded: [2, 0, 0]))
        XCTAssertNil(ConfChangeRecord(encoded: [9] + [UInt8](repeating: 1, count: 8) + [0, 0, 0, 0]), "unknown kind")
        XCTAssertNil(ConfChangeRecord(encoded: [1] + [UInt8](repeating: 0, count: 8) + [0, 0, 0, 0]), "node 0 is nobody")
        XCTAssertNil(ConfChangeRecord(encoded: [1] + [UInt8](repeating: 1, count: 8) + [0, 5]), "voters cut short")
        let overlap = ConfChangeRecord(change: cc, conf: ConfState(voters: [1, 2], learners: [2])).encoded
        XCTAssertNil(ConfChangeRecord(encoded: overlap), "a node is a voter or a learner, not both")
    }

    func testConfStateApplyingChecksMembership() {
        let conf = ConfState(voters: [1, 2, 3], learners: [4])
        XCTAssertNotNil(try? conf.applying(ConfChange(.addLearner, node: 5)).get())
        XCTAssertNil(try? conf.applying(ConfChange(.addLearner, node: 2)).get())
        XCTAssertNil(try? conf.applying(ConfChange(.promote, node: 3)).get())
        XCTAssertEqual(try? conf.applying(ConfChange(.promote, node: 4)).get(), ConfState(voters: [1, 2, 3, 4]))
        XCTAssertNil(try? conf.applying(ConfChange(.remove, node: 9)).get())
        XCTAssertNil(try? ConfState(voters: [1]).applying(ConfChange(.remove, node: 1)).get())
    }

    func testLearnerReceivesTheLogButIsNotCountedAndNeverCampaigns() {
        let c = cluster()
        c.join(4)
        change(c, 1, .addLearner, 4)
        for id in c.ids {
            XCTAssertEqual(c.node(id).confState, ConfState(voters: [1, 2, 3], learners: [4]), "node \(id)")
        }
        XCTAssertEqual(c.appliedData(4), ["tx1", "tx2", "tx3"])

        // With both other voters gone, the learner's acknowledgement must not commit.
        c.isolate(2)
        c.isolate(3)
        let commit = c.node(1).commitIndex
        try! c.node(1).propose(bytes("not committed"))
        c.stabilize()
        XCTAssertEqual(c.node(4).lastIndex, c.node(1).lastIndex, "the learner has the entry")
        XCTAssertEqual(c.node(1).commitIndex, commit, "a learner is not part of any quorum")

        // A learner cut off from everyone never starts an election.
        c.recover()
        c.isolate(4)
        let term = c.node(4).term
        c.tick(4, times: 100)
        XCTAssertEqual(c.node(4).role, .follower)
        XCTAssertEqual(c.node(4).term, term)
    }

    func testPromotedLearnerCountsInTheQuorum() {
        let c = cluster()
        c.join(4)
        change(c, 1, .addLearner, 4)
        change(c, 1, .promote, 4)
        XCTAssertEqual(c.node(3).confState, ConfState(voters: [1, 2, 3, 4]))
        // Four voters: the quorum is three. Leader + 4 is not enough…
        c.isolate(2)
        c.isolate(3)
        let commit = c.node(1).commitIndex
        try! c.node(1).propose(bytes("needs three"))
        c.stabilize()
        XCTAssertEqual(c.node(1).commitIndex, commit)
        // …leader + 4 + 2 is.
        c.recover()
        c.isolate(3)
        c.tick(1, times: 2)
        XCTAssertGreaterThan(c.node(1).commitIndex, commit)
        XCTAssertEqual(c.appliedData(4).last, "needs three")
    }

    func testPromotionIsRefusedWhileTheLearnerIsBehind() {
        let c = cluster()
        c.join(4)
        c.isolate(4)
        XCTAssertNoThrow(try c.node(1).proposeConfChange(ConfChange(.addLearner, node: 4)))
        c.stabilize()
        let why = refusal { try c.node(1).proposeConfChange(ConfChange(.promote, node: 4)) }
        XCTAssertNotNil(why)
        XCTAssertTrue(why?.contains("has not caught up") ?? false, why ?? "")
        c.recover()
        c.tick(1, times: 3)
        XCTAssertNil(refusal { try c.node(1).proposeConfChange(ConfChange(.promote, node: 4)) })
    }

    func testOnlyOneUncommittedChangeAtATime() {
        let c = cluster()
        c.join(4)
        c.join(5)
        c.isolate(1)
        XCTAssertNoThrow(try c.node(1).proposeConfChange(ConfChange(.addLearner, node: 4)))
        c.stabilize()
        XCTAssertEqual(c.node(1).confState.learners, [4], "a change takes effect when appended")
        XCTAssertFalse(c.node(1).confChangeCommitted)
        let why = refusal { try c.node(1).proposeConfChange(ConfChange(.addLearner, node: 5)) }
        XCTAssertTrue(why?.contains("not committed yet") ?? false, why ?? "nil")
        c.recover()
        c.tick(1, times: 2)
        XCTAssertTrue(c.node(1).confChangeCommitted)
        XCTAssertNil(refusal { try c.node(1).proposeConfChange(ConfChange(.addLearner, node: 5)) })
    }

    func testANewLeaderCommitsAnEntryOfItsTermBeforeAnyChange() {
        let c = cluster()
        c.join(4)
        c.dropKinds = [.appendResponse]
        try! c.node(1).transferLeadership(to: 2)
        c.stabilize()
        XCTAssertEqual(c.node(2).role, .leader)
        let why = refusal { try c.node(2).proposeConfChange(ConfChange(.addLearner, node: 4)) }
        XCTAssertTrue(why?.contains("has not committed an entry of its term") ?? false, why ?? "nil")
        c.recover()
        c.tick(2, times: 2)
        XCTAssertNil(refusal { try c.node(2).proposeConfChange(ConfChange(.addLearner, node: 4)) })
    }

    func testRemovedFollowerIsNoLongerReplicatedTo() {
        let c = cluster()
        change(c, 1, .remove, 3)
        XCTAssertEqual(c.node(2).confState, ConfState(voters: [1, 2]))
        let last3 = c.node(3).lastIndex
        try! c.node(1).propose(bytes("after removal"))
        c.stabilize()
        XCTAssertEqual(c.appliedData(2).last, "after removal")
        XCTAssertEqual(c.node(3).lastIndex, last3)
        // Two voters: both are needed.
        c.isolate(2)
        let commit = c.node(1).commitIndex
        try! c.node(1).propose(bytes("needs both"))
        c.stabilize()
        XCTAssertEqual(c.node(1).commitIndex, commit)
    }

    func testRemovedLeaderStepsDownAfterCommittingAndHandsOver() {
        let c = cluster()
        change(c, 1, .remove, 1)
        XCTAssertNotEqual(c.node(1).role, .leader, "a removed leader steps down once its removal commits")
        let leaders = c.leaders
        XCTAssertEqual(leaders.count, 1)
        XCTAssertTrue(leaders.allSatisfy { [2, 3].contains($0) }, "handed over without waiting for a timeout")
        try! c.node(leaders[0]).propose(bytes("new leader"))
        c.stabilize()
        XCTAssertEqual(c.appliedData(2).last, "new leader")
        XCTAssertEqual(c.appliedData(3).last, "new leader")
        // The removed node, alone, never campaigns.
        let term = c.node(1).term
        c.tick(1, times: 50)
        XCTAssertEqual(c.node(1).term, term)
    }

    func testReplaceADeadNodeThenSurviveLosingAnother() {
        let c = cluster()
        c.isolate(3)  // node 3 is dead for good
        c.join(4)
        change(c, 1, .addLearner, 4)
        change(c, 1, .promote, 4)
        change(c, 1, .remove, 3)
        XCTAssertEqual(c.node(4).confState, ConfState(voters: [1, 2, 4]))
        // Lose node 2 as well: 1 and 4 are a majority of {1, 2, 4}.
        c.isolate(2)
        c.isolate(3)
        try! c.node(1).propose(bytes("after replacement"))
        c.stabilize()
        XCTAssertEqual(c.appliedData(4).last, "after replacement")
        // Lose the leader instead: 2 and 4 elect one of themselves.
        c.recover()
        c.isolate(3)
        c.tick(1, times: 2)
        c.isolate(1)
        c.isolate(3)
        for _ in 0..<40 where c.leaders.allSatisfy({ $0 == 1 }) { c.tickAll() }
        let leader = c.leaders.first { $0 != 1 }
        XCTAssertNotNil(leader)
        try! c.node(leader!).propose(bytes("without 1"))
        c.stabilize()
        XCTAssertEqual(c.appliedData(2).last, "without 1")
        XCTAssertEqual(c.appliedData(4).last, "without 1")
    }

    func testAnUncommittedChangeIsUndoneWhenItsEntryIsTruncated() {
        let c = cluster()
        c.join(4)
        c.isolate(1)
        XCTAssertNoThrow(try c.node(1).proposeConfChange(ConfChange(.addLearner, node: 4)))
        c.stabilize()
        XCTAssertEqual(c.node(1).confState.learners, [4])
        // 2 and 3 elect a leader and commit past the stale entry.
        for _ in 0..<40 where !c.leaders.contains(where: { $0 != 1 }) { c.tickAll() }
        let leader = c.leaders.first { $0 != 1 }!
        try! c.node(leader).propose(bytes("other branch"))
        c.stabilize()
        c.recover()
        c.tick(leader, times: 2)
        XCTAssertEqual(c.node(1).confState, ConfState(voters: [1, 2, 3]),
                       "the node fell back to the configuration before the truncated entry")
        XCTAssertEqual(c.appliedData(1).last, "other branch")
    }

    func testConfigurationSurvivesRestartFromLogAndFromSnapshot() {
        let c = cluster()
        c.join(4)
        change(c, 1, .addLearner, 4)
        change(c, 1, .promote, 4)
        change(c, 1, .remove, 2)
        let conf = ConfState(voters: [1, 3, 4])
        c.restart(3, bootstrapPeers: [1, 2, 3])
        XCTAssertEqual(c.node(3).confState, conf, "rebuilt from the log, not the bootstrap peers")

        let at = c.node(3).commitIndex
        let storage = c.storage(3)
        try! storage.createSnapshot(at: at, confState: c.node(3).confState(at: at), data: [])
        try! storage.compact(upTo: at)
        c.restart(3, bootstrapPeers: [1, 2, 3])
        XCTAssertEqual(c.node(3).confState, conf, "taken from the snapshot")
        XCTAssertEqual(c.node(3).confState(at: 1), conf)
        XCTAssertEqual(c.node(1).confState(at: 1), ConfState(voters: [1, 2, 3]), "history before the change")
    }

    func testNewNodeCatchesUpFromASnapshotTakenBeforeItWasAdded() {
        let c = cluster()
        let at = c.node(1).commitIndex
        for id in [NodeID(1), 2, 3] {
            try! c.storage(id).createSnapshot(at: at, confState: c.node(id).confState(at: at), data: bytes("s"))
            try! c.storage(id).compact(upTo: at)
        }
        c.join(4)
        change(c, 1, .addLearner, 4)
        XCTAssertEqual(c.installedSnapshots[4]!.map(\.metadata.index), [at])
        XCTAssertEqual(c.node(4).confState, ConfState(voters: [1, 2, 3], learners: [4]))
        XCTAssertEqual(c.node(4).lastIndex, c.node(1).lastIndex)
    }

    func testFiveNodeClusterToleratesTwoFailures() {
        let c = cluster()
        for id in [NodeID(4), 5] {
            c.join(id)
            change(c, 1, .addLearner, id)
            change(c, 1, .promote, id)
        }
        XCTAssertEqual(c.node(5).confState, ConfState(voters: [1, 2, 3, 4, 5]))
        c.isolate(2)
        c.isolate(3)
        try! c.node(1).propose(bytes("three of five"))
        c.stabilize()
        XCTAssertEqual(c.appliedData(5).last, "three of five")
        c.isolate(4)
        let commit = c.node(1).commitIndex
        try! c.node(1).propose(bytes("two of five"))
        c.stabilize()
        XCTAssertEqual(c.node(1).commitIndex, commit)
    }

    /// A voter that missed the changes adding a node still follows that node
    /// once it leads: messages from outside a node's configuration are taken.
    func testALaggingVoterFollowsALeaderItDoesNotKnowYet() {
        let c = TestCluster(size: 5)
        c.campaign(1)
        c.stabilize()
        c.isolate(5)
        c.join(6)
        change(c, 1, .addLearner, 6)
        change(c, 1, .promote, 6)
        XCTAssertEqual(c.node(5).confState, ConfState(voters: [1, 2, 3, 4, 5]), "5 missed both changes")
        c.recover()
        c.isolate(5)
        try! c.node(1).transferLeadership(to: 6)
        c.stabilize()
        XCTAssertEqual(c.leaders, [6])
        c.recover()
        c.tick(6, times: 3)
        XCTAssertEqual(c.node(5).leader, 6)
        XCTAssertEqual(c.node(5).confState, ConfState(voters: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(c.node(5).lastIndex, c.node(6).lastIndex)
    }
}

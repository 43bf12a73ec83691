import Raft
import XCTest

/// Linearizable reads without writing to the log: the read index.
final class ReadIndexTests: XCTestCase {
    func testLeaderReleasesAReadOnlyAfterAHeartbeatQuorum() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        try! c.node(1).propose(bytes("tx1"))
        c.stabilize()

        try! c.node(1).readIndex(context: bytes("read-1"))
        let rd = c.node(1).ready()
        XCTAssertTrue(rd.readStates.isEmpty, "not before leadership is confirmed")
        XCTAssertEqual(rd.messagesBeforePersisting.filter { $0.kind == .heartbeat && $0.context == bytes("read-1") }.count, 2)
        c.node(1).advance(rd)
        for m in rd.messagesBeforePersisting + rd.messages { c.node(m.to).step(m) }
        c.stabilize()
        XCTAssertEqual(c.readStates[1], [ReadState(index: 2, context: bytes("read-1"))])
    }

    func testFollowerReadIsForwardedToTheLeader() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        try! c.node(1).propose(bytes("tx1"))
        c.stabilize()
        try! c.node(2).readIndex(context: bytes("read-2"))
        c.stabilize()
        XCTAssertEqual(c.readStates[2], [ReadState(index: 2, context: bytes("read-2"))])
    }

    func testCutOffLeaderCannotConfirmARead() {
        // A deposed leader might not know about newer commits: it must not answer.
        let c = TestCluster(size: 3)
        c.campaign(1)
        c.isolate(1)
        try! c.node(1).readIndex(context: bytes("stale?"))
        c.stabilize()
        c.tick(1, times: 5)
        XCTAssertEqual(c.readStates[1], [])
    }

    func testNewLeaderWaitsForAnEntryOfItsTermBeforeAnswering() {
        let c = TestCluster(size: 3)
        c.campaign(1)
        c.dropKinds = [.append]  // the next leader's empty entry cannot commit yet
        try! c.node(1).transferLeadership(to: 2)
        c.stabilize()
        XCTAssertEqual(c.leaders, [2])
        try! c.node(2).readIndex(context: bytes("r"))
        c.stabilize()
        XCTAssertEqual(c.readStates[2], [], "its commit index may be stale until its term commits")
        c.dropKinds = []
        c.tick(2)
        XCTAssertEqual(c.readStates[2], [ReadState(index: 2, context: bytes("r"))])
    }

    func testReadWithoutLeaderIsRejected() {
        let c = TestCluster(size: 3)
        XCTAssertThrowsError(try c.node(1).readIndex(context: bytes("r"))) { error in
            XCTAssertEqual(error as? RaftError, .notLeader(leader: noNode))
        }
        XCTAssertThrowsError(try c.node(1).readIndex(context: []))
    }
}

import Raft
import XCTest

/// A node that lost its whole log (data directory deleted, same id) must be
/// caught up by the leader without waiting for a new write.
final class WipedNodeTests: XCTestCase {
    private func compactedIdleCluster() -> TestCluster {
        let c = TestCluster(size: 3)
        c.campaign(1)
        for i in 1...10 { try! c.node(1).propose(bytes("tx\(i)")) }
        c.stabilize()
        XCTAssertEqual(c.node(3).commitIndex, 11)
        for id in c.ids {
            try! c.storage(id).createSnapshot(at: 11, confState: ConfState(voters: c.ids), data: bytes("journal up to 11"))
            try! c.storage(id).compact(upTo: 11)
        }
        return c
    }

    private func lag(of peer: NodeID, on leader: RawNode) -> LogIndex {
        let st = leader.status
        return st.lastIndex - st.progress.first { $0.id == peer }!.match
    }

    func testWipedFollowerCatchesUpInAnIdleCluster() {
        let c = compactedIdleCluster()
        c.wipe(3)
        XCTAssertEqual(c.node(3).lastIndex, 0)

        // No proposals: only heartbeats. A few heartbeat rounds must be enough.
        c.tick(1, times: 3)
        XCTAssertEqual(c.node(3).role, .follower)
        XCTAssertEqual(c.installedSnapshots[3]!.map(\.metadata.index), [11],
                       "the leader must notice the wiped log and send a snapshot")
        XCTAssertEqual(c.node(3).commitIndex, 11)
        XCTAssertEqual(lag(of: 3, on: c.node(1)), 0)

        try! c.node(1).propose(bytes("tx11"))
        c.stabilize()
        XCTAssertEqual(c.appliedData(3), ["tx11"])
    }

    func testLeaderReportsLagForAWipedFollower() {
        let c = compactedIdleCluster()
        c.wipe(3)
        c.dropKinds = [.snapshot]  // keep it behind: the leader must still see it
        c.tick(1, times: 2)
        XCTAssertEqual(c.node(3).lastIndex, 0)
        XCTAssertEqual(lag(of: 3, on: c.node(1)), c.node(1).lastIndex,
                       "a follower with an empty log lags by the leader's whole log")
    }
}

import Raft
@testable import RaftSimulator
import Replica
import SimulationSupport
import XCTest

/// A Ready that only moves the commit index is written on the loop, not on
/// the pool: it needs no fsync, and on the pool it would hold `persisting`
/// (and with it the next proposal's write) for two thread hand-offs. `SimLoop`
/// charges every pool job the disk latency, so when the next proposal commits
/// tells which path the commit index took.
final class CommitIndexWriteTests: XCTestCase {
    func testTheNextProposalDoesNotWaitForTheCommitIndexWrite() throws {
        let store = SimLogStore(voters: [1])
        let leader = try SingleMemberLeader(seed: 5, store: store, machine: RecordingMachine(), diskLatency: 0.05)
        let (world, driver) = (leader.world, leader.driver)
        XCTAssertEqual(driver.status.role, .leader)
        let proposed = world.now
        var firstAt: Double?
        var secondAt: Double?
        driver.propose([1], completion: { result in
            guard case .success = result else { return }
            firstAt = world.now
            driver.propose([2], completion: { result in
                if case .success = result { secondAt = world.now }
            })
        })
        world.run(until: proposed + 1)
        let first = try XCTUnwrap(firstAt) - proposed
        let second = try XCTUnwrap(secondAt) - proposed
        XCTAssertEqual(first, 0.05, accuracy: 0.01, "one log write")
        XCTAssertEqual(second, 0.10, accuracy: 0.01, "the second write starts as the first commits")
        XCTAssertEqual(store.memory.hardStateValue.commit, store.lastIndex, "the commit index was written")
        driver.stop()
    }
}

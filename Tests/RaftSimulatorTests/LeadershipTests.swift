import Raft
@testable import RaftSimulator
import Replica
import SimulationSupport
import XCTest

/// `RaftDriver.leadership`, which every client request reads instead of
/// building the whole `status`, must say what `status` says.
final class LeadershipTests: XCTestCase {
    func testALeaderKnowsItLeads() throws {
        let leader = try SingleMemberLeader(seed: 11, machine: RecordingMachine(), diskLatency: 0.001)
        let (isLeader, leaderID) = leader.driver.leadership
        XCTAssertTrue(isLeader)
        XCTAssertEqual(leader.driver.status.role, .leader)
        XCTAssertEqual(leaderID, leader.driver.status.leaderID)
        XCTAssertEqual(leaderID, leader.driver.status.nodeID)
        leader.driver.stop()
    }

    func testAFollowerNamesNoLeaderUntilItHearsFromOneThenNamesIt() throws {
        let follower = try ScriptedFollower(store: SimLogStore(voters: [1, 2, 3]), machine: RecordingMachine(),
                                            diskLatency: 0.001, options: RaftDriverOptions())
        let (world, driver, leader) = (follower.world, follower.driver, follower.leader)
        XCTAssertFalse(driver.leadership.isLeader)
        XCTAssertNil(driver.leadership.leaderID)
        XCTAssertNil(driver.status.leaderID)

        try leader.start()
        let entry = Entry(term: 1, index: 1, data: [1])
        _ = leader.send(Message(kind: .append, from: 1, to: 2, term: 1, logTerm: 0, index: 0, entries: [entry], commit: 0))
        world.run(until: 0.1)
        XCTAssertFalse(driver.leadership.isLeader)
        XCTAssertEqual(driver.leadership.leaderID, 1)
        XCTAssertEqual(driver.status.leaderID, 1)
        XCTAssertEqual(driver.status.role, .follower)
        driver.stop()
    }
}

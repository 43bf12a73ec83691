import Raft
@testable import RaftSimulator
import Replica
import SimulationSupport
import XCTest

/// A follower writes its Raft log on its loop by default (the pool's thread
/// hand-offs delay its acknowledgement); `followerLogWritesOnLoop = false`
/// sends the write to the pool, as a leader's always goes. `SimLoop` runs the
/// pool's completion after the disk latency and the loop's work at once, so
/// when an acknowledgement leaves tells which path the write took.
final class FollowerWritesOnLoopTests: XCTestCase {
    private func ackTime(onLoop: Bool) throws -> (written: Double, applied: [UInt64]) {
        var options = RaftDriverOptions()
        options.followerLogWritesOnLoop = onLoop
        let machine = RecordingMachine()
        let follower = try ScriptedFollower(store: SimLogStore(voters: [1, 2, 3]), machine: machine,
                                            diskLatency: 0.05, options: options)
        let (world, driver, leader) = (follower.world, follower.driver, follower.leader)
        var ackedAt: Double?
        leader.onRaftMessage = { m in
            if m.kind == .appendResponse, !m.reject, m.index == 2, ackedAt == nil { ackedAt = world.now }
        }
        try leader.start()
        let entries = (1...2).map { Entry(term: 1, index: LogIndex($0), data: [UInt8($0)]) }
        _ = leader.send(Message(kind: .append, from: 1, to: 2, term: 1, logTerm: 0, index: 0, entries: entries, commit: 0))
        world.run(until: 0.2)
        _ = leader.send(Message(kind: .append, from: 1, to: 2, term: 1, logTerm: 1, index: 2, entries: [], commit: 2))
        world.run(until: 0.4)
        driver.stop()
        return (try XCTUnwrap(ackedAt), machine.applied)
    }

    func testAFollowerAcknowledgesWithoutWaitingForThePool() throws {
        let (written, applied) = try ackTime(onLoop: true)
        XCTAssertLessThan(written, 0.01, "two 1 ms hops, and the write on the loop")
        XCTAssertEqual(applied, [1, 2])
    }

    func testWithTheOptionOffAFollowerWritesOnThePool() throws {
        let (written, applied) = try ackTime(onLoop: false)
        XCTAssertGreaterThan(written, 0.049, "the pool's write takes the disk latency")
        XCTAssertEqual(applied, [1, 2])
    }

    /// A single-member leader still writes on the pool: its proposal commits
    /// only after the disk latency.
    func testALeaderWritesOnThePool() throws {
        let leader = try SingleMemberLeader(seed: 3, machine: RecordingMachine(), diskLatency: 0.05)
        let (world, driver) = (leader.world, leader.driver)
        XCTAssertEqual(driver.status.role, .leader)
        let proposed = world.now
        var committedAt: Double?
        driver.propose([42], completion: { result in
            if case .success = result { committedAt = world.now }
        })
        world.run(until: proposed + 1)
        driver.stop()
        XCTAssertGreaterThan(try XCTUnwrap(committedAt) - proposed, 0.049)
    }
}

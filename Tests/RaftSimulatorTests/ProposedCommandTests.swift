import Raft
@testable import RaftSimulator
import Replica
import SimulationSupport
import XCTest

/// A leader applies what it proposed with the value it was proposed with
/// (`propose(_:decoded:)`), not by decoding the bytes again; entries it did
/// not propose in their own term, and every follower's entries, are decoded.
final class ProposedCommandTests: XCTestCase {
    func testTheLeaderAppliesWhatItProposedWithTheDecodedValue() throws {
        let machine = RecordingMachine()
        let leader = try SingleMemberLeader(seed: 5, machine: machine, diskLatency: 0.001)
        let (world, driver) = (leader.world, leader.driver)
        XCTAssertEqual(driver.status.role, .leader)
        var results: [Bool] = []
        driver.propose([1], decoded: "one") { results.append((try? $0.get()) != nil) }
        driver.propose([2]) { results.append((try? $0.get()) != nil) }
        driver.propose([3], decoded: "three") { results.append((try? $0.get()) != nil) }
        world.run(until: world.now + 1)
        driver.stop()
        XCTAssertEqual(results, [true, true, true])
        let first = try XCTUnwrap(machine.applied.suffix(3).first)
        XCTAssertEqual(machine.applied.suffix(3), [first, first + 1, first + 2])
        XCTAssertEqual(machine.proposed, [first: "one", first + 2: "three"], "the middle entry had no decoded value")
    }

    func testAFollowerDecodesEveryEntry() throws {
        let machine = RecordingMachine()
        let follower = try ScriptedFollower(store: SimLogStore(voters: [1, 2, 3]), machine: machine)
        try follower.leader.start()
        let entries = (1...2).map { Entry(term: 1, index: LogIndex($0), data: [UInt8($0)]) }
        _ = follower.leader.send(Message(kind: .append, from: 1, to: 2, term: 1, logTerm: 0, index: 0, entries: entries, commit: 2))
        follower.world.run(until: 0.2)
        follower.driver.stop()
        XCTAssertEqual(machine.applied, [1, 2])
        XCTAssertEqual(machine.proposed, [:])
    }
}

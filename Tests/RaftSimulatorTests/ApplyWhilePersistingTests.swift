import Raft
@testable import RaftSimulator
import Replica
import SimulationSupport
import XCTest

/// `RaftDriver` applies the committed entries of a Ready while that Ready's
/// new entries are being written on the pool, when earlier Readies wrote them
/// all; an entry of the Ready in flight is never applied before its write
/// completes. (A follower writes on its loop by default; this is the pool's path.)
final class ApplyWhilePersistingTests: XCTestCase {
    func testCommittedEntriesWrittenEarlierApplyWhileTheNextWriteRunsButNotItsOwn() throws {
        let store = SimLogStore(voters: [1, 2, 3])
        let machine = RecordingMachine()
        // Every log write takes 50 ms of virtual time, on the pool.
        var options = RaftDriverOptions()
        options.followerLogWritesOnLoop = false
        let follower = try ScriptedFollower(store: store, machine: machine, diskLatency: 0.05, options: options)
        let (world, driver, leader) = (follower.world, follower.driver, follower.leader)
        var acks: [LogIndex] = []
        leader.onRaftMessage = { if $0.kind == .appendResponse, !$0.reject { acks.append($0.index) } }
        try leader.start()
        func entries(_ r: ClosedRange<Int>) -> [Entry] { r.map { Entry(term: 1, index: LogIndex($0), data: [UInt8($0)]) } }

        _ = leader.send(Message(kind: .append, from: 1, to: 2, term: 1, logTerm: 0, index: 0, entries: entries(1...3), commit: 0))
        world.run(until: 0.1)
        XCTAssertEqual(acks.last, 3, "1…3 written")
        XCTAssertEqual(machine.applied, [])

        // 1…3 are committed now, with 4…5 to write: 1…3 apply while 4…5 are written.
        _ = leader.send(Message(kind: .append, from: 1, to: 2, term: 1, logTerm: 1, index: 3, entries: entries(4...5), commit: 3))
        world.run(until: 0.12)
        XCTAssertEqual(machine.applied, [1, 2, 3], "applied before the write of 4…5 completed")
        XCTAssertEqual(acks.last, 3, "4…5 not written yet")
        world.run(until: 0.2)
        XCTAssertEqual(acks.last, 5)

        // 6…7 arrive already committed, with 4…5: 4…5 were written before, so they apply
        // now; 6…7 are in the write in flight and wait for it.
        _ = leader.send(Message(kind: .append, from: 1, to: 2, term: 1, logTerm: 1, index: 5, entries: entries(6...7), commit: 7))
        world.run(until: 0.22)
        XCTAssertEqual(machine.applied, [1, 2, 3, 4, 5], "no entry of the Ready in flight applies before its write")
        world.run(until: 0.3)
        XCTAssertEqual(machine.applied, Array(1...7))
        driver.stop()
    }
}

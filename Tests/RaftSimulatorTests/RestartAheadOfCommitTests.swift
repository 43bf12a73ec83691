import Raft
@testable import RaftSimulator
import Replica
import SimulationSupport
import XCTest

/// A node whose state machine is durable past its Raft log's stored commit
/// index, scripted through the real `RaftDriver`.
final class RestartAheadOfCommitTests: XCTestCase {
    /// A follower streamed the leader's state up to index 8 (catch-up) and
    /// crashed before the snapshot marker reached its Raft log, which still
    /// holds an old leader's uncommitted entries 6…10 of term 1 (stored commit
    /// 5). The state is right (a catch-up stream carries committed state
    /// only); those log entries are not. Raising the stored commit to 8 at
    /// start-up claimed them committed, and the new leader's entries 6…10
    /// were then refused as conflicting with committed entries, silently and
    /// for ever: the follower could never catch up again.
    func testAFollowerRestartedAheadOfItsStoredCommitTakesTheNewLeadersEntries() throws {
        let store = SimLogStore(voters: [1, 2, 3])
        store.memory.append((1...10).map { Entry(term: 1, index: LogIndex($0), data: [UInt8($0)]) })
        store.memory.setHardState(HardState(term: 1, vote: 1, commit: 5))
        let machine = RecordingMachine(durableIndex: 8)
        let follower = try ScriptedFollower(store: store, machine: machine)
        let (world, driver, leader) = (follower.world, follower.driver, follower.leader)
        var responses: [Message] = []
        leader.onRaftMessage = { responses.append($0) }
        try leader.start()

        // The new leader of term 2 holds the committed prefix 1…5 and its own 6…10, committed.
        let entries = (6...10).map { Entry(term: 2, index: LogIndex($0), data: [0xF0 | UInt8($0)]) }
        _ = leader.send(Message(kind: .append, from: 1, to: 2, term: 2, logTerm: 1, index: 5, entries: entries, commit: 10))
        world.run(until: 0.2)   // well before an election timeout

        let reply = try XCTUnwrap(responses.last { $0.kind == .appendResponse }, "the follower never answered the append")
        XCTAssertFalse(reply.reject)
        XCTAssertEqual(reply.index, 10)
        XCTAssertEqual(try store.memory.term(at: 6), 2)
        XCTAssertEqual(try store.memory.term(at: 10), 2)
        XCTAssertEqual(machine.applied, [9, 10], "entries the state already holds (up to 8) are not applied again")
        driver.stop()
    }
}

import Raft
@testable import RaftSimulator
import Replica
import SimulationSupport
import XCTest

/// A node whose state machine is durable past its Raft log's stored commit
/// index, scripted through the real `RaftDriver`.
final class RestartAheadOfCommitTests: XCTestCase {
    private final class Machine: ReplicatedStateMachine {
        let durableIndex: UInt64
        var applied: [UInt64] = []
        init(durableIndex: UInt64) { self.durableIndex = durableIndex }
        func apply(index: UInt64, command: [UInt8]) -> ApplyResult {
            applied.append(index)
            return .applied(reply: [])
        }
        func sync() throws {}
    }

    /// A follower streamed the leader's state up to index 8 (catch-up) and
    /// crashed before the snapshot marker reached its Raft log, which still
    /// holds an old leader's uncommitted entries 6…10 of term 1 (stored commit
    /// 5). The state is right (a catch-up stream carries committed state
    /// only); those log entries are not. Raising the stored commit to 8 at
    /// start-up claimed them committed, and the new leader's entries 6…10
    /// were then refused as conflicting with committed entries, silently and
    /// for ever: the follower could never catch up again.
    func testAFollowerRestartedAheadOfItsStoredCommitTakesTheNewLeadersEntries() throws {
        let world = SimWorld(seed: 1)
        let network = SimNetwork(world: world)
        network.minDelay = 0.001
        network.maxDelay = 0.001
        let store = SimLogStore(voters: [1, 2, 3])
        store.memory.append((1...10).map { Entry(term: 1, index: LogIndex($0), data: [UInt8($0)]) })
        store.memory.setHardState(HardState(term: 1, vote: 1, commit: 5))
        let machine = Machine(durableIndex: 8)
        let driver = try RaftDriver(configuration: ReplicaConfiguration(nodeName: "n2", nodeID: 2, voters: [1, 2, 3]),
                                    loop: SimLoop(world: world, alive: { true }, diskLatency: { 0.0001 }),
                                    link: SimLink(id: 2, network: network, alive: { true }),
                                    storage: store, stateMachine: machine)
        try driver.start()
        let leader = SimLink(id: 1, network: network, alive: { true })
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

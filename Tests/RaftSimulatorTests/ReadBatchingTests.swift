import Raft
@testable import RaftSimulator
import Replica
import SimulationSupport
import XCTest

/// `RaftDriver.confirmLeadership` batches reads into read-index rounds: reads
/// that arrive together share one round; a read that arrives while a round is
/// unconfirmed waits for the next one and is never answered by the earlier one.
final class ReadBatchingTests: XCTestCase {
    /// Node 1 of [1, 2, 3] on the real driver in virtual time; nodes 2 and 3
    /// are scripted followers that grant votes, acknowledge appends, and answer
    /// heartbeats (or hold their answers while `holding`).
    final class Harness {
        let world = SimWorld(seed: 7)
        let driver: RaftDriver
        var peers: [SimLink] = []
        var holding = false
        var held: [(SimLink, Message)] = []
        /// The read contexts of every heartbeat the leader sent.
        var contexts: [[UInt8]] = []

        init() throws {
            let network = SimNetwork(world: world)
            network.minDelay = 0.001
            network.maxDelay = 0.001
            driver = try RaftDriver(configuration: ReplicaConfiguration(nodeName: "n1", nodeID: 1, voters: [1, 2, 3]),
                                    loop: SimLoop(world: world, alive: { true }, diskLatency: { 0.0001 }),
                                    link: SimLink(id: 1, network: network, alive: { true }),
                                    storage: SimLogStore(voters: [1, 2, 3]), stateMachine: RecordingMachine())
            for id: UInt64 in [2, 3] {
                let peer = SimLink(id: id, network: network, alive: { true })
                peer.onRaftMessage = { [unowned self, unowned peer] m in self.answer(m, from: peer) }
                try peer.start()
                peers.append(peer)
            }
            try driver.start()
            world.run(until: 5)
            XCTAssertEqual(driver.status.role, .leader)
            XCTAssertEqual(driver.status.appliedIndex, driver.status.commitIndex)
        }

        private func answer(_ m: Message, from peer: SimLink) {
            switch m.kind {
            case .preVote, .vote:
                peer.send(Message(kind: m.kind == .vote ? .voteResponse : .preVoteResponse, from: peer.id, to: m.from, term: m.term))
            case .append:
                peer.send(Message(kind: .appendResponse, from: peer.id, to: m.from, term: m.term, index: m.index + UInt64(m.entries.count)))
            case .heartbeat:
                if !m.context.isEmpty { contexts.append(m.context) }
                let response = Message(kind: .heartbeatResponse, from: peer.id, to: m.from, term: m.term, context: m.context)
                if holding { held.append((peer, response)) } else { peer.send(response) }
            default:
                break
            }
        }

        func release() {
            holding = false
            let h = held
            held = []
            for (peer, m) in h { peer.send(m) }
        }

        var distinctContexts: Int { Set(contexts).count }
    }

    /// Read 0 starts a round whose answers are held; read 1 arrives while it is out.
    private func readBehindAHeldRound() throws -> (Harness, Outcomes) {
        let h = try Harness()
        let outcomes = Outcomes()
        h.holding = true
        outcomes.read(h.driver, 0)
        h.world.run(until: h.world.now + 0.005)
        XCTAssertEqual(h.distinctContexts, 1)
        outcomes.read(h.driver, 1)
        return (h, outcomes)
    }

    final class Outcomes {
        var results: [Int: Result<Void, ReplicationError>] = [:]
        func read(_ driver: RaftDriver, _ n: Int) { driver.confirmLeadership { self.results[n] = $0 } }
        func succeeded(_ n: Int) -> Bool { if case .success = results[n] { true } else { false } }
    }

    func testReadsThatArriveTogetherShareOneRound() throws {
        let h = try Harness()
        let outcomes = Outcomes()
        for n in 0..<64 { outcomes.read(h.driver, n) }
        h.world.run(until: h.world.now + 0.05)
        XCTAssertEqual(outcomes.results.count, 64)
        XCTAssertTrue((0..<64).allSatisfy(outcomes.succeeded))
        XCTAssertEqual(h.distinctContexts, 1, "64 reads, one read-index round")
        XCTAssertEqual(h.driver.status.readIndexRounds, 1, "the status counts the round")
        XCTAssertEqual(h.driver.status.linearizableReads, 64)
        h.driver.stop()
    }

    func testAReadArrivingDuringARoundWaitsForTheNextOne() throws {
        // Reads 1 and 2 are asked while round 1 is out: they must not be answered by it.
        let (h, outcomes) = try readBehindAHeldRound()
        outcomes.read(h.driver, 2)
        h.world.run(until: h.world.now + 0.005)
        XCTAssertEqual(h.distinctContexts, 1, "no second round while the first is unconfirmed")
        XCTAssertTrue(outcomes.results.isEmpty)

        // Round 1 is confirmed; round 2 starts for reads 1 and 2, and is held.
        h.release()
        h.holding = true
        h.world.run(until: h.world.now + 0.01)
        XCTAssertTrue(outcomes.succeeded(0))
        XCTAssertNil(outcomes.results[1], "answered only by a round that started after it arrived")
        XCTAssertNil(outcomes.results[2])
        XCTAssertEqual(h.distinctContexts, 2)

        h.release()
        h.world.run(until: h.world.now + 0.01)
        XCTAssertTrue(outcomes.succeeded(1) && outcomes.succeeded(2))
        XCTAssertEqual(h.distinctContexts, 2, "reads 1 and 2 shared round 2")
        XCTAssertEqual(h.driver.status.readIndexRounds, 2)
        XCTAssertEqual(h.driver.status.linearizableReads, 3)
        h.driver.stop()
    }

    func testWaitingReadsFailWithTheirRoundWhenLeadershipIsLost() throws {
        let (h, outcomes) = try readBehindAHeldRound()
        // A newer term deposes the leader before either round is confirmed.
        h.peers[0].send(Message(kind: .heartbeat, from: 2, to: 1, term: h.driver.status.term + 1))
        h.world.run(until: h.world.now + 0.01)
        for n in 0...1 {
            guard case .failure(.leadershipLost) = outcomes.results[n] else { return XCTFail("read \(n): \(String(describing: outcomes.results[n]))") }
        }
        h.driver.stop()
    }

    func testAWaitingReadGetsItsOwnRoundWhenTheOneAheadIsNeverConfirmed() throws {
        let (h, outcomes) = try readBehindAHeldRound()
        h.held = []  // round 1's answers are lost
        h.holding = false
        h.world.run(until: h.world.now + 0.5)
        XCTAssertTrue(outcomes.succeeded(1), "a new round within two ticks")
        XCTAssertEqual(h.distinctContexts, 2)
        h.driver.stop()
    }
}

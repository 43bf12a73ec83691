import Foundation
import XCTest
@testable import ReplicaSimulator

/// Seeded runs of real replicas (Replica's driver, state machine, Raft log and
/// journals) under crashes, power cuts, torn tails, flipped bits and a hostile
/// network. `scripts/test` also runs `replica-sim` over 1,000 seeds.
final class ReplicaSimulationTests: XCTestCase {
    func testSeedsKeepEveryInvariant() {
        let count = UInt64(ProcessInfo.processInfo.environment["TALLY_REPLICA_SIM_SEEDS"].flatMap(Int.init) ?? 40)
        var summary = ReplicaSimulationSummary()
        for seed in 1...count {
            let report = ReplicaSimulation(seed: 10_000 + seed, options: ReplicaSimulationOptions(nodeCount: seed % 4 == 0 ? 5 : 3)).run()
            summary.add(report)
            XCTAssertTrue(report.passed, report.violations.joined(separator: "\n"))
            if !report.passed { break }
        }
        print(summary.line)
        // The runs must exercise what they claim to.
        XCTAssertGreaterThan(summary.acknowledged, Int(count) * 20)
        XCTAssertGreaterThan(summary.powerCuts, 0)
        XCTAssertGreaterThan(summary.catchUps, 0)
    }

    /// Found by the long run: the check ended when every node had applied the
    /// leader's commit index, before a new leader had committed its term's
    /// entry, so an acknowledged entry still waiting in the only surviving
    /// copy of the log looked lost. Convergence now means the leader's whole
    /// log is committed. (Since the leader sends its entries while it writes
    /// them, this seed's schedule differs from the one that found the bug; it
    /// stays as one more seed that must pass.)
    func testSeed100197WaitsForTheNewLeaderToCommit() {
        let report = ReplicaSimulation(seed: 100_197, options: ReplicaSimulationOptions(nodeCount: 3)).run()
        XCTAssertTrue(report.passed, report.violations.joined(separator: "\n"))
        XCTAssertGreaterThan(report.acknowledged, 0)
    }

    /// Found by scripts/test: a bit flipped in a journal whose ledger was not yet
    /// in the node's durable registry is found when the ledger's creation is
    /// replayed from the Raft log (a storage failure), not at open; the node
    /// must never serve that ledger.
    func testSeed940FindsDamageInAnUnregisteredJournalAtReplay() {
        let report = ReplicaSimulation(seed: 940, options: ReplicaSimulationOptions(nodeCount: 5)).run()
        XCTAssertTrue(report.passed, report.violations.joined(separator: "\n"))
        XCTAssertEqual(report.bitFlips, report.bitFlipsDetected)
    }

    /// Found by the 1,000-seed run: a follower streamed the journal to index
    /// 104, but a new term had begun meanwhile, so Raft refused the stream's
    /// marker and the follower's Raft log stayed behind its state machine. The
    /// next leader's snapshot at 103 was then streamed *backwards* over it: the
    /// block of entry 104 became a replay tail no later entry could claim, and
    /// the ledger refused every transaction from then on (applied index
    /// advancing, blocks not). A stream whose term passed is now abandoned
    /// (its blocks kept as a replay tail), and a snapshot the state machine
    /// already covers is never streamed (`RaftDriver+CatchUp.swift`).
    func testSeed100784NeverStreamsTheStateMachineBackwards() {
        let report = ReplicaSimulation(seed: 100_784, options: ReplicaSimulationOptions(nodeCount: 5, followerWritesOnLoop: false)).run()
        XCTAssertTrue(report.passed, report.violations.joined(separator: "\n"))
        XCTAssertGreaterThan(report.catchUps, 0)
    }

    func testTheSameSeedReplaysTheSameRun() {
        let options = ReplicaSimulationOptions(nodeCount: 3, faultSeconds: 6, trace: true)
        let a = ReplicaSimulation(seed: 4242, options: options).run()
        let b = ReplicaSimulation(seed: 4242, options: options).run()
        XCTAssertTrue(a.passed, a.violations.joined(separator: "\n"))
        XCTAssertEqual(a.acknowledged, b.acknowledged)
        XCTAssertEqual(a.blocks, b.blocks)
        XCTAssertEqual(a.crashes, b.crashes)
        XCTAssertEqual(a.trace, b.trace)
        XCTAssertGreaterThan(a.acknowledged, 0)
    }

    /// The issue-15 case: a follower whose data directory was deleted comes
    /// back in an idle cluster (no new writes) and catches up by streaming the
    /// journal, and the leader reports its lag meanwhile.
    func testWipedFollowerCatchesUpWithNoNewWrites() throws {
        let sim = ReplicaSimulation(seed: 7, options: ReplicaSimulationOptions(nodeCount: 3, diskFaults: false))
        defer { sim.finishScenario() }
        sim.setCompactionThreshold(8)
        sim.startAll()
        sim.advance(30, clients: true)
        XCTAssertGreaterThan(sim.acknowledgedCount, 30)
        let leader = try XCTUnwrap(sim.leaderID)
        let follower: UInt64 = leader == 1 ? 2 : 1
        sim.advance(2)
        XCTAssertGreaterThan(try XCTUnwrap(sim.node(leader).logFirstIndex), 1, "the leader compacted its log")
        let blocks = try XCTUnwrap(sim.node(leader).blockCount)

        sim.crash(node: follower)
        sim.wipe(node: follower)
        sim.restart(node: follower)
        var lagSeen: UInt64 = 0
        sim.advance(15) {
            if let id = sim.leaderID, let lag = sim.node(id).status?.peerLag[follower] { lagSeen = max(lagSeen, lag) }
        }
        XCTAssertGreaterThan(lagSeen, 0, "the leader reported the wiped follower's lag")
        XCTAssertEqual(sim.node(follower).blockCount, blocks)
        XCTAssertEqual(sim.node(follower).digest, sim.node(leader).digest)
        XCTAssertGreaterThan(sim.node(follower).catchUpsCompleted, 0, "it caught up by streaming the journal")
        XCTAssertTrue(sim.isConverged)
        sim.checkFinal()
        XCTAssertEqual(sim.violations, [])
    }

    /// Kill -9 and power cuts of every node in turn lose nothing acknowledged.
    func testPowerCutsOfEveryNodeLoseNothingAcknowledged() {
        let sim = ReplicaSimulation(seed: 11, options: ReplicaSimulationOptions(nodeCount: 3, diskFaults: false))
        defer { sim.finishScenario() }
        sim.startAll()
        for id in UInt64(1)...3 {
            sim.advance(4, clients: true)
            sim.crash(node: id, powerCut: true)
            sim.advance(1, clients: true)
            sim.restart(node: id)
        }
        sim.advance(20)
        XCTAssertTrue(sim.isConverged)
        XCTAssertGreaterThan(sim.acknowledgedCount, 20)
        sim.checkFinal()
        XCTAssertEqual(sim.violations, [])
    }
}

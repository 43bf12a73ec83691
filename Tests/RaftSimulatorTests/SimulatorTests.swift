import Raft
import RaftSimulator
import XCTest

/// The deterministic simulator over many seeds (real `RaftDriver`s over
/// in-memory logs): safety after every event, liveness after the faults stop. A failing seed replays exactly with
/// `scripts/simulate --seeds 1 --start SEED --nodes N --trace`.
final class SimulatorTests: XCTestCase {
    /// Seeds 1…`seeds`, alternating 3 and 5 nodes.
    private func run(seeds: UInt64, membership: Bool = false) -> (SimulationSummary, [String]) {
        var summary = SimulationSummary()
        var failures: [String] = []
        for seed in UInt64(1)...seeds {
            let options = SimulationOptions(nodeCount: seed % 2 == 0 ? 5 : 3, faultTicks: 200,
                                            membershipChanges: membership)
            let report = Simulation(seed: seed, options: options).run()
            summary.add(report)
            failures += report.violations
        }
        print(summary.line)
        return (summary, failures)
    }

    func testThousandSeedsKeepEverySafetyPropertyAndConverge() {
        let (summary, failures) = run(seeds: 1000)
        XCTAssertEqual(summary.violations, 0, failures.prefix(5).joined(separator: "\n"))
        XCTAssertGreaterThan(summary.elections, 1000)
        XCTAssertGreaterThan(summary.commits, 10_000)
        XCTAssertGreaterThan(summary.snapshots, 0)
        XCTAssertGreaterThan(summary.transfers, 0)
        XCTAssertGreaterThan(summary.reads, 0)
        XCTAssertGreaterThan(summary.writesLost, 0)
    }

    /// Members join as learners, are promoted and removed (leaders included)
    /// under the same faults; the configuration invariants are checked too.
    func testMembershipChangesUnderFaultsKeepEverySafetyPropertyAndConverge() {
        let (summary, failures) = run(seeds: 300, membership: true)
        XCTAssertEqual(summary.violations, 0, failures.prefix(5).joined(separator: "\n"))
        XCTAssertGreaterThan(summary.confChanges, 300)
        XCTAssertGreaterThan(summary.commits, 3000)
        XCTAssertGreaterThan(summary.snapshots, 0)
    }

    func testASeedReplaysExactly() {
        for membership in [false, true] {
            let options = SimulationOptions(nodeCount: 5, faultTicks: 200, membershipChanges: membership)
            let a = Simulation(seed: 77, options: options).run()
            let b = Simulation(seed: 77, options: options).run()
            XCTAssertEqual(a.commits, b.commits)
            XCTAssertEqual(a.elections, b.elections)
            XCTAssertEqual(a.messagesDelivered, b.messagesDelivered)
            XCTAssertEqual(a.messagesDropped, b.messagesDropped)
            XCTAssertEqual(a.ticks, b.ticks)
            XCTAssertEqual(a.crashes, b.crashes)
            XCTAssertEqual(a.acknowledged, b.acknowledged)
            XCTAssertEqual(a.snapshotsSent, b.snapshotsSent)
            XCTAssertEqual(a.confChangesCommitted, b.confChangesCommitted)
            XCTAssertTrue(a.passed, a.violations.joined(separator: "\n"))
            XCTAssertGreaterThan(a.messagesDelivered, 1000)
        }
    }

    // MARK: Regression seeds (bugs the simulator found in `RaftDriver`)

    /// A follower crashed after its catch-up stream made the state durable at
    /// the snapshot's index but before the snapshot marker was written to its
    /// Raft log; it then refused to start ("the state machine is at index 74
    /// but the Raft log ends at 73").
    func testSeed46AFollowerCrashedBetweenCatchUpAndSnapshotMarkerRestarts() {
        let report = Simulation(seed: 46, options: SimulationOptions(nodeCount: 5, followerWritesOnLoop: false)).run()
        XCTAssertTrue(report.passed, report.violations.joined(separator: "\n"))
        XCTAssertGreaterThan(report.snapshotsSent, 0)
    }
}

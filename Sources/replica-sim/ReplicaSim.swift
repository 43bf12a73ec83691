// replica-sim: runs real replicas (Replica's RaftDriver, NodeStateMachine, Raft
// log and ledger journals on tmpfs) in virtual time over a range of seeds.
// Exits non-zero after printing the first failing seed and how to replay it.
import ArgumentParser
import ReplicaSimulator

@main
struct ReplicaSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replica-sim",
        abstract: "Seeded simulation of real Tally replicas with disk and network faults (Docs/raft.md).")

    @Option(help: "How many seeds to run.") var seeds = 100
    @Option(help: "The first seed.") var start: UInt64 = 1
    @Option(help: "3, 5, or mixed (5 nodes every fourth seed).") var nodes = "mixed"
    @Option(help: "Virtual seconds of faults and load per seed.") var seconds = 12
    @Flag(help: "No power cuts, torn tails or flipped bits.") var noDiskFaults = false
    @Flag(help: "Print the last events of a failing seed.") var trace = false

    func validate() throws {
        guard ["3", "5", "mixed"].contains(nodes) else { throw ValidationError("--nodes must be 3, 5 or mixed") }
    }

    func run() throws {
        var summary = ReplicaSimulationSummary()
        for seed in start..<(start + UInt64(seeds)) {
            let nodeCount = nodes == "mixed" ? (seed % 4 == 0 ? 5 : 3) : Int(nodes)!
            let options = ReplicaSimulationOptions(nodeCount: nodeCount, faultSeconds: Double(seconds),
                                                   diskFaults: !noDiskFaults, trace: trace)
            let report = ReplicaSimulation(seed: seed, options: options).run()
            summary.add(report)
            if !report.passed {
                if trace { report.trace.forEach { print($0) } }
                for v in report.violations { print("VIOLATION \(v)") }
                print("FAILED seed \(seed) (\(nodeCount) nodes). Replay: scripts/simulate-replicas --seeds 1 --start \(seed) "
                    + "--nodes \(nodeCount) --seconds \(seconds)\(noDiskFaults ? " --no-disk-faults" : "") --trace")
                print(summary.line)
                throw ExitCode.failure
            }
        }
        print(summary.line)
    }
}

// raft-sim: runs the deterministic Raft simulator (real RaftDrivers over in-memory logs and a toy
// state machine, in virtual time) over a range of seeds.
//
//   raft-sim --seeds N [--start S] [--nodes 3|5|mixed] [--ticks T] [--membership] [--trace]
//
// --membership adds, promotes and removes members during each run (spare nodes join).
//
// Exits non-zero after printing the first failing seed and how to replay it.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RaftSimulator

func usage() -> Never {
    print("usage: raft-sim --seeds N [--start S] [--nodes 3|5|mixed] [--ticks T] [--membership] [--trace]")
    exit(2)
}

var seeds = 100
var start: UInt64 = 1
var nodesArg = "mixed"
var ticks = 300
var trace = false
var membership = false
var args = CommandLine.arguments.dropFirst()
@MainActor func value() -> String {
    guard let v = args.popFirst() else { usage() }
    return v
}
@MainActor func number() -> Int {
    guard let n = Int(value()), n >= 0 else { usage() }
    return n
}
while let arg = args.popFirst() {
    switch arg {
    case "--seeds": seeds = number()
    case "--start": start = UInt64(number())
    case "--nodes": nodesArg = value()
    case "--ticks": ticks = number()
    case "--trace": trace = true
    case "--membership": membership = true
    case "-h", "--help": usage()
    default: usage()
    }
}

var summary = SimulationSummary()
for seed in start..<(start + UInt64(seeds)) {
    let nodeCount: Int
    switch nodesArg {
    case "3": nodeCount = 3
    case "5": nodeCount = 5
    case "mixed": nodeCount = seed % 2 == 0 ? 5 : 3
    default: usage()
    }
    let options = SimulationOptions(nodeCount: nodeCount, faultTicks: ticks, trace: trace, membershipChanges: membership)
    let report = Simulation(seed: seed, options: options).run()
    summary.add(report)
    if !report.passed {
        if trace { report.trace.forEach { print($0) } }
        for v in report.violations { print("VIOLATION \(v)") }
        print("FAILED seed \(seed) (\(nodeCount) nodes). Replay: scripts/simulate --seeds 1 --start \(seed) --nodes \(nodeCount) --ticks \(ticks)\(membership ? " --membership" : "") --trace")
        print(summary.line)
        exit(1)
    }
}
print(summary.line)

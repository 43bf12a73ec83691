// replica-sim: runs real replicas (Replica's RaftDriver, NodeStateMachine, Raft
// log and ledger journals on tmpfs) in virtual time over a range of seeds.
//
//   replica-sim --seeds N [--start S] [--nodes 3|5|mixed] [--seconds T] [--no-disk-faults] [--trace]
//
// Exits non-zero after printing the first failing seed and how to replay it.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReplicaSimulator

func usage() -> Never {
    print("usage: replica-sim --seeds N [--start S] [--nodes 3|5|mixed] [--seconds T] [--no-disk-faults] [--trace]")
    exit(2)
}

var seeds = 100
var start: UInt64 = 1
var nodesArg = "mixed"
var seconds = 12.0
var diskFaults = true
var trace = false
var args = CommandLine.arguments.dropFirst()
func value() -> String {
    guard let v = args.popFirst() else { usage() }
    return v
}
func number() -> Int {
    guard let n = Int(value()), n >= 0 else { usage() }
    return n
}
while let arg = args.popFirst() {
    switch arg {
    case "--seeds": seeds = number()
    case "--start": start = UInt64(number())
    case "--nodes": nodesArg = value()
    case "--seconds": seconds = Double(number())
    case "--no-disk-faults": diskFaults = false
    case "--trace": trace = true
    case "-h", "--help": usage()
    default: usage()
    }
}

var summary = ReplicaSimulationSummary()
for seed in start..<(start + UInt64(seeds)) {
    let nodeCount: Int
    switch nodesArg {
    case "3": nodeCount = 3
    case "5": nodeCount = 5
    case "mixed": nodeCount = seed % 4 == 0 ? 5 : 3
    default: usage()
    }
    let options = ReplicaSimulationOptions(nodeCount: nodeCount, faultSeconds: seconds, diskFaults: diskFaults, trace: trace)
    let report = ReplicaSimulation(seed: seed, options: options).run()
    summary.add(report)
    if !report.passed {
        if trace { report.trace.forEach { print($0) } }
        for v in report.violations { print("VIOLATION \(v)") }
        print("FAILED seed \(seed) (\(nodeCount) nodes). Replay: SWIFT_DETERMINISTIC_HASHING=1 scripts/simulate-replicas --seeds 1 --start \(seed) --nodes \(nodeCount) --seconds \(Int(seconds))\(diskFaults ? "" : " --no-disk-faults") --trace")
        print(summary.line)
        exit(1)
    }
}
print(summary.line)

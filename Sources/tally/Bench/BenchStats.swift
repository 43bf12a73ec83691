import Foundation

/// Monotonic nanoseconds.
@inline(__always) func benchNow() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// What one event loop's clients measured in one run. Touched only on that
/// loop's thread while the run lasts; read by the main thread afterwards.
final class LoopStats: @unchecked Sendable {
    let windowStart: UInt64
    let windowEnd: UInt64
    var latencies: [UInt64] = []
    var committed = 0
    var errors: [String: Int] = [:]
    /// Outside the window (warm-up), for the record.
    var warmupCommitted = 0
    var warmupErrors = 0
    /// Select found no document / a commit echoed a different digest.
    var anomalies: [String: Int] = [:]
    /// Per request kind (StartTransaction, …): count and total nanoseconds
    /// from sending the request to reading its response, in the window.
    var requests: [String: (count: Int, nanos: UInt64)] = [:]

    init(windowStart: UInt64, windowEnd: UInt64) {
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        latencies.reserveCapacity(1 << 16)
    }

    func inWindow(_ t: UInt64) -> Bool { t >= windowStart && t < windowEnd }

    func committed(started: UInt64, finished: UInt64) {
        if inWindow(finished) {
            committed += 1
            latencies.append(finished &- started)
        } else if finished < windowStart {
            warmupCommitted += 1
        }
    }

    func error(_ type: String, at t: UInt64 = benchNow()) {
        if inWindow(t) { errors[type, default: 0] += 1 } else if t < windowStart { warmupErrors += 1 }
    }

    func anomaly(_ type: String) { anomalies[type, default: 0] += 1 }

    func request(_ kind: String, started: UInt64, finished: UInt64) {
        guard inWindow(finished) else { return }
        let r = requests[kind] ?? (0, 0)
        requests[kind] = (r.count + 1, r.nanos + (finished &- started))
    }
}

/// One run's figures.
struct RunResult: Codable {
    var committed: Int
    var seconds: Double
    var tps: Double
    var p50ms: Double
    var p90ms: Double
    var p99ms: Double
    var maxms: Double
    var errors: [String: Int]
    var anomalies: [String: Int]
    var warmupCommitted: Int
    /// Mean milliseconds from request to response, per request kind.
    var requestMeanMs: [String: Double]
    /// CPU microseconds per committed transaction in the window: the
    /// `--server-pid` processes together, and the load generator.
    var serverCPUMicrosPerTx: Double?
    var clientCPUMicrosPerTx: Double?

    init(_ stats: [LoopStats], seconds: Double) {
        var all: [UInt64] = []
        all.reserveCapacity(stats.reduce(0) { $0 + $1.latencies.count })
        var errors: [String: Int] = [:]
        var anomalies: [String: Int] = [:]
        for s in stats {
            all += s.latencies
            errors.merge(s.errors, uniquingKeysWith: +)
            anomalies.merge(s.anomalies, uniquingKeysWith: +)
        }
        all.sort()
        func pct(_ p: Double) -> Double {
            guard !all.isEmpty else { return .nan }
            let i = min(all.count - 1, max(0, Int((p * Double(all.count)).rounded(.up)) - 1))
            return Double(all[i]) / 1e6
        }
        committed = stats.reduce(0) { $0 + $1.committed }
        self.seconds = seconds
        tps = Double(committed) / seconds
        p50ms = pct(0.50)
        p90ms = pct(0.90)
        p99ms = pct(0.99)
        maxms = all.last.map { Double($0) / 1e6 } ?? .nan
        self.errors = errors
        self.anomalies = anomalies
        warmupCommitted = stats.reduce(0) { $0 + $1.warmupCommitted }
        var requests: [String: (count: Int, nanos: UInt64)] = [:]
        for s in stats {
            for (kind, r) in s.requests {
                let t = requests[kind] ?? (0, 0)
                requests[kind] = (t.count + r.count, t.nanos + r.nanos)
            }
        }
        requestMeanMs = requests.mapValues { Double($0.nanos) / Double(max(1, $0.count)) / 1e6 }
    }

    var errorCount: Int { errors.values.reduce(0, +) }
}

/// Median and spread of one figure across runs.
struct Spread: Codable {
    var median: Double
    var min: Double
    var max: Double

    init(_ values: [Double]) {
        let v = values.filter { !$0.isNaN }.sorted()
        guard !v.isEmpty else { median = .nan; min = .nan; max = .nan; return }
        median = v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
        min = v.first!
        max = v.last!
    }

    func text(_ digits: Int) -> String {
        func f(_ x: Double) -> String { x.isNaN ? "-" : String(format: "%.\(digits)f", x) }
        return "\(f(median)) [\(f(min))–\(f(max))]"
    }
}

struct LoadSummary: Codable {
    var target: String
    var workload: String
    var clients: Int
    var loops: Int
    var runs: [RunResult]
    var tps: Spread
    var p50ms: Spread
    var p90ms: Spread
    var p99ms: Spread
    var errorsPerRun: Spread
    var errors: [String: Int]

    init(target: String, workload: String, clients: Int, loops: Int, runs: [RunResult]) {
        self.target = target
        self.workload = workload
        self.clients = clients
        self.loops = loops
        self.runs = runs
        tps = Spread(runs.map(\.tps))
        p50ms = Spread(runs.map(\.p50ms))
        p90ms = Spread(runs.map(\.p90ms))
        p99ms = Spread(runs.map(\.p99ms))
        errorsPerRun = Spread(runs.map { Double($0.errorCount) })
        var e: [String: Int] = [:]
        for r in runs { e.merge(r.errors, uniquingKeysWith: +) }
        errors = e
    }

    func printTable() {
        print("\(target) \(workload), \(clients) client(s), \(runs.count) run(s): median [min–max]")
        print("  committed tx/s  \(tps.text(0))")
        print("  p50 ms          \(p50ms.text(3))")
        print("  p90 ms          \(p90ms.text(3))")
        print("  p99 ms          \(p99ms.text(3))")
        print("  errors/run      \(errorsPerRun.text(0))" + (errors.isEmpty ? "" : "  by type (all runs): "
            + errors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))
    }
}

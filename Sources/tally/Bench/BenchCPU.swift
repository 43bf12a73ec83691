import Foundation

/// CPU time (user + system, all threads) that processes used, read from
/// `/proc/PID/stat`, so a run can say what a transaction cost the servers and
/// what it cost the load generator itself: on a machine the two share, a
/// heavier client leaves the servers less CPU.
struct CPUTimes {
    /// Seconds per process, nil where it could not be read (gone, not Linux).
    var servers: [Double?]
    var client: Double?

    static func read(servers pids: [Int32]) -> CPUTimes {
        CPUTimes(servers: pids.map { processCPUSeconds(pid: "\($0)") }, client: processCPUSeconds(pid: "self"))
    }

    /// utime + stime (fields 14 and 15 of `stat`, after the command in parentheses).
    static func processCPUSeconds(pid: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so utime (14) and stime (15) are 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Reads CPU times at the start and the end of a run's measured window.
final class CPUWindow: @unchecked Sendable {
    private let pids: [Int32]
    private let lock = NSLock()
    private var start: CPUTimes?
    private var end: CPUTimes?
    private let done = DispatchSemaphore(value: 0)

    /// Schedules the two readings at `windowStart` and `windowEnd` (`benchNow` nanoseconds).
    init(servers pids: [Int32], windowStart: UInt64, windowEnd: UInt64) {
        self.pids = pids
        let queue = DispatchQueue(label: "bench-cpu")
        queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: windowStart)) { [self] in
            let t = CPUTimes.read(servers: pids)
            lock.withLock { start = t }
        }
        queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: windowEnd)) { [self] in
            let t = CPUTimes.read(servers: pids)
            lock.withLock { end = t }
            done.signal()
        }
    }

    /// Microseconds of CPU per committed transaction: the servers together
    /// (nil unless every one was read both times) and the load generator.
    func perTransaction(committed: Int) -> (servers: Double?, client: Double?) {
        _ = done.wait(timeout: .now() + 5)
        let (a, b) = lock.withLock { (start, end) }
        guard let a, let b, committed > 0 else { return (nil, nil) }
        let perTx = { (x: Double, y: Double) in (y - x) * 1e6 / Double(committed) }
        var servers: Double? = pids.isEmpty ? nil : 0
        for (x, y) in zip(a.servers, b.servers) {
            if let x, let y, let s = servers { servers = s + perTx(x, y) } else { servers = nil }
        }
        let client = a.client.flatMap { x in b.client.map { perTx(x, $0) } }
        return (servers, client)
    }
}

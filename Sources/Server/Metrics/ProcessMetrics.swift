import Foundation
import Prometheus

/// The standard `process_*` metrics, read from /proc at scrape time.
/// Linux only: elsewhere `make` returns nil and nothing is exported.
final class ProcessMetrics {
    private let cpu: MirroredCounter
    private let resident: Gauge
    private let virtual: Gauge
    private let openFDs: Gauge
    private let maxFDs: Gauge
    private let startTime: Gauge
    private let ticksPerSecond: Double
    private let pageSize: Double

    static func make(registry: PrometheusCollectorRegistry) -> ProcessMetrics? {
        #if os(Linux)
        guard ProcessMetrics.readStat() != nil else { return nil }
        return ProcessMetrics(registry: registry)
        #else
        return nil
        #endif
    }

    private init(registry r: PrometheusCollectorRegistry) {
        cpu = MirroredCounter(r.makeCounter(descriptor: TallyMetricNames.cpuSeconds))
        resident = r.makeGauge(descriptor: TallyMetricNames.residentMemory)
        virtual = r.makeGauge(descriptor: TallyMetricNames.virtualMemory)
        openFDs = r.makeGauge(descriptor: TallyMetricNames.openFDs)
        maxFDs = r.makeGauge(descriptor: TallyMetricNames.maxFDs)
        startTime = r.makeGauge(descriptor: TallyMetricNames.startTime)
        let tck = sysconf(Int32(_SC_CLK_TCK))
        ticksPerSecond = tck > 0 ? Double(tck) : 100
        let ps = sysconf(Int32(_SC_PAGESIZE))
        pageSize = ps > 0 ? Double(ps) : 4096
        if let stat = ProcessMetrics.readStat(), let boot = ProcessMetrics.bootTime() {
            startTime.set(to: boot + stat.startTicks / ticksPerSecond)
        }
    }

    /// Called under TallyMetrics' scrape lock.
    func refresh() {
        if let s = ProcessMetrics.readStat() {
            cpu.update((s.utime + s.stime) / ticksPerSecond)
            virtual.set(to: s.vsize)
            resident.set(to: s.rssPages * pageSize)
        }
        if let n = ProcessMetrics.countOpenFDs() { openFDs.set(to: Double(n)) }
        if let m = ProcessMetrics.maxOpenFiles() { maxFDs.set(to: m) }
    }

    struct Stat { var utime, stime, startTicks, vsize, rssPages: Double }

    /// /proc/self/stat: fields after the parenthesised command name (which
    /// may hold spaces), numbered as in proc(5): utime 14, stime 15,
    /// starttime 22, vsize 23, rss 24.
    static func readStat() -> Stat? {
        guard let text = readSmallFile("/proc/self/stat"),
              let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ")
        // rest[0] is field 3 (state).
        func field(_ n: Int) -> Double? {
            let i = n - 3
            return i < rest.count ? Double(rest[i]) : nil
        }
        guard let ut = field(14), let st = field(15), let start = field(22),
              let vs = field(23), let rss = field(24) else { return nil }
        return Stat(utime: ut, stime: st, startTicks: start, vsize: vs, rssPages: rss)
    }

    /// `btime` from /proc/stat: boot time in seconds since the epoch.
    static func bootTime() -> Double? {
        guard let text = readSmallFile("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    static func countOpenFDs() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var n = 0
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in raw.first ?? 0 }
            if name != UInt8(ascii: ".") { n += 1 }
        }
        return n - 1  // the directory stream's own descriptor
    }

    /// The soft limit of "Max open files" in /proc/self/limits.
    static func maxOpenFiles() -> Double? {
        guard let text = readSmallFile("/proc/self/limits") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
            let cols = line.dropFirst("Max open files".count).split(separator: " ", omittingEmptySubsequences: true)
            guard let soft = cols.first else { return nil }
            return soft == "unlimited" ? nil : Double(soft)
        }
        return nil
    }

    /// /proc files report size 0, so read until EOF with plain read(2).
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

import Foundation
import Prometheus

/// One ledger's series (label `ledger`). Get it from `TallyMetrics.ledger(_:)`
/// — it is created on first use and cached, so a hot path may keep the
/// reference. Thread-safe: every method may be called from any thread.
///
/// After the ledger is removed (`TallyMetrics.removeLedger`, or it vanished
/// from the `MetricsSource` snapshot) its series are unregistered; records
/// through an old reference are then dropped. Ask `ledger(_:)` again.
public final class LedgerMetrics: @unchecked Sendable {
    public let name: String
    private unowned let owner: TallyMetrics

    let occConflicts: Counter
    let readIOs: Counter
    let writeIOs: Counter
    let session4xx: Counter
    let session5xx: Counter
    let sessionRateExceeded: Counter
    let activeSessions: Gauge
    let journalBytes: Gauge
    let indexedBytes: Gauge
    let divergence: Gauge
    let blocks: MirroredCounter
    let scrubVerifiedBlocks: Gauge
    let scrubMismatches: MirroredCounter

    private let lock = NSLock()
    private var latency: [MetricsCommand: DurationHistogram] = [:]
    private var forwardedLatency: [MetricsCommand: DurationHistogram] = [:]
    private var removed = false

    init(name: String, owner: TallyMetrics) {
        self.name = name
        self.owner = owner
        let r = owner.registry
        let labels = [("ledger", name)]
        occConflicts = r.makeCounter(descriptor: TallyMetricNames.occConflicts, labels: labels)
        readIOs = r.makeCounter(descriptor: TallyMetricNames.readIOs, labels: labels)
        writeIOs = r.makeCounter(descriptor: TallyMetricNames.writeIOs, labels: labels)
        session4xx = r.makeCounter(descriptor: TallyMetricNames.session4xx, labels: labels)
        session5xx = r.makeCounter(descriptor: TallyMetricNames.session5xx, labels: labels)
        sessionRateExceeded = r.makeCounter(descriptor: TallyMetricNames.sessionRateExceeded, labels: labels)
        activeSessions = r.makeGauge(descriptor: TallyMetricNames.activeSessions, labels: labels)
        journalBytes = r.makeGauge(descriptor: TallyMetricNames.journalStorage, labels: labels)
        indexedBytes = r.makeGauge(descriptor: TallyMetricNames.indexedStorage, labels: labels)
        divergence = r.makeGauge(descriptor: TallyMetricNames.digestDivergence, labels: labels)
        blocks = MirroredCounter(r.makeCounter(descriptor: TallyMetricNames.journalBlocks, labels: labels))
        scrubVerifiedBlocks = r.makeGauge(descriptor: TallyMetricNames.scrubVerifiedBlocks, labels: labels)
        scrubMismatches = MirroredCounter(r.makeCounter(descriptor: TallyMetricNames.scrubMismatches, labels: labels))
    }

    // MARK: Recording

    /// One command's latency, from receipt to response (`tally_command_latency_seconds`).
    public func recordCommand(_ command: MetricsCommand, duration: Duration) {
        histogram(command)?.record(duration)
    }

    /// One session command: its latency, and the error it ended with (once
    /// each: `tally_session_4xx/5xx_exceptions_total`, and for OCC conflicts and
    /// rate limiting `tally_occ_conflict_exceptions_total` /
    /// `tally_session_rate_exceeded_exceptions_total`).
    public func record(_ r: SessionCommandRecord) {
        if let command = r.metricsCommand ?? MetricsCommand(rawValue: r.command) { recordCommand(command, duration: r.duration) }
        if let e = r.error {
            recordSessionException(httpStatus: e.status, occConflict: e.isOCCConflict, rateExceeded: e.isRateExceeded)
        }
    }

    /// A command this node (a follower) forwarded to the leader, from receipt to
    /// response, the hop included (`tally_forwarded_command_latency_seconds`). The
    /// leader records the same command in `tally_command_latency_seconds`.
    public func recordForwardedCommand(_ command: MetricsCommand, duration: Duration) {
        histogram(command, forwarded: true)?.record(duration)
    }

    /// Disk I/Os done for this ledger (`tally_read_ios_total`, `tally_write_ios_total`).
    public func recordIOs(reads: Int = 0, writes: Int = 0) {
        if reads > 0 { readIOs.increment(by: Int64(reads)) }
        if writes > 0 { writeIOs.increment(by: Int64(writes)) }
    }

    /// A session request answered with an error. 4xx and 5xx statuses count in
    /// `tally_session_4xx/5xx_exceptions_total`; the flags additionally count
    /// `OccConflictException` and `RateExceededException`.
    public func recordSessionException(httpStatus: Int, occConflict: Bool = false, rateExceeded: Bool = false) {
        switch httpStatus {
        case 400..<500: session4xx.increment()
        case 500..<600: session5xx.increment()
        default: break
        }
        if occConflict { occConflicts.increment() }
        if rateExceeded { sessionRateExceeded.increment() }
    }

    /// `tally_active_sessions` follows these unless the snapshot sets it.
    public func sessionOpened() { activeSessions.increment() }
    public func sessionClosed() { activeSessions.decrement() }

    // MARK: Internals

    private func histogram(_ command: MetricsCommand, forwarded: Bool = false) -> DurationHistogram? {
        lock.lock()
        defer { lock.unlock() }
        if let h = forwarded ? forwardedLatency[command] : latency[command] { return h }
        if removed { return nil }
        let h = owner.registry.makeDurationHistogram(
            descriptor: forwarded ? TallyMetricNames.forwardedCommandLatency : TallyMetricNames.commandLatency,
            labels: [("ledger", name), ("command", command.rawValue)],
            buckets: TallyMetrics.commandLatencyBuckets)
        if forwarded { forwardedLatency[command] = h } else { latency[command] = h }
        return h
    }

    func apply(_ s: LedgerMetricsSnapshot) {
        journalBytes.set(to: Double(s.journalBytes))
        indexedBytes.set(to: Double(s.indexedBytes))
        divergence.set(to: s.divergence ? 1 : 0)
        blocks.update(s.blocks)
        scrubVerifiedBlocks.set(to: Double(s.scrubVerifiedBlocks))
        scrubMismatches.update(s.scrubMismatches)
        if let n = s.activeSessions { activeSessions.set(to: Double(n)) }
    }

    func unregister() {
        let r = owner.registry
        for c in [occConflicts, readIOs, writeIOs, session4xx, session5xx, sessionRateExceeded, blocks.counter,
                  scrubMismatches.counter] {
            r.unregisterCounter(c)
        }
        for g in [activeSessions, journalBytes, indexedBytes, divergence, scrubVerifiedBlocks] { r.unregisterGauge(g) }
        lock.lock()
        let hs = Array(latency.values) + Array(forwardedLatency.values)
        latency.removeAll()
        forwardedLatency.removeAll()
        removed = true
        lock.unlock()
        for h in hs { r.unregisterDurationHistogram(h) }
    }
}

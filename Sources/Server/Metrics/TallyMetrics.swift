import Foundation
import Replica
import Prometheus

/// Tally's metrics registry: typed recording methods over swift-prometheus,
/// state-mirroring gauges refreshed from a `MetricsSource` at scrape time, and
/// the Prometheus text exposition (format 0.0.4).
///
///     let metrics = TallyMetrics(nodeID: 1, version: TallyVersion)
///     metrics.source = node                          // implements snapshot()
///     metrics.ledger("vehicles").recordCommand(.executeStatement, duration: elapsed)
///     metrics.recordJournalFsync(elapsed)
///     let body = metrics.exposition()                // what /metrics serves
///
/// Thread-safe. `exposition()` calls `source.snapshot()` on the calling
/// thread (the node's loop when served by `MetricsServer` on that loop).
public final class TallyMetrics: @unchecked Sendable {
    /// The underlying registry; other code may register its own metrics in it.
    public let registry: PrometheusCollectorRegistry
    /// Held weakly: the node owns the metrics, not the other way round.
    public weak var source: MetricsSource?

    /// Command latency buckets, seconds (1 ms … 5 s).
    public static let commandLatencyBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .microseconds(2_500_000), .seconds(5),
    ]
    /// Fsync buckets, fine around 10 ms so `histogram_quantile(0.99, …) > 0.01` is meaningful.
    public static let fsyncBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(3), .milliseconds(5), .microseconds(7500), .milliseconds(10), .milliseconds(15),
        .milliseconds(20), .milliseconds(30), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .seconds(1),
    ]

    private let ledgersLock = NSLock()
    private var ledgers: [String: LedgerMetrics] = [:]
    private let unscopedLock = NSLock()
    private var unscopedLatency: [MetricsCommand: DurationHistogram] = [:]
    private var unscopedForwardedLatency: [MetricsCommand: DurationHistogram] = [:]

    /// Serializes scrapes: mirrored counters and series add/remove.
    private let scrapeLock = NSLock()
    private var cluster: ClusterGauges?
    private var peerLag: [UInt64: Gauge] = [:]
    private let process: ProcessMetrics?
    private let fsync: DurationHistogram

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                nodeID: UInt64? = nil, version: String? = nil, processMetrics: Bool = true) {
        self.registry = registry
        fsync = registry.makeDurationHistogram(descriptor: TallyMetricNames.journalFsync, buckets: TallyMetrics.fsyncBuckets)
        process = processMetrics ? ProcessMetrics.make(registry: registry) : nil
        if let nodeID {
            registry.makeGauge(descriptor: TallyMetricNames.nodeInfo,
                               labels: [("node_id", String(nodeID)), ("version", version ?? "unknown")]).set(to: 1)
        }
    }

    // MARK: Recording

    /// The series of one ledger, created on first use.
    public func ledger(_ name: String) -> LedgerMetrics {
        ledgersLock.lock()
        defer { ledgersLock.unlock() }
        if let m = ledgers[name] { return m }
        let m = LedgerMetrics(name: name, owner: self)
        ledgers[name] = m
        return m
    }

    /// Latency of an operation that names no ledger (ListLedgers,
    /// ListJournalS3Exports, …, or a request for a ledger that does not
    /// exist): recorded with `ledger=""`, which Prometheus treats as no label.
    public func recordUnscopedCommand(_ command: MetricsCommand, duration: Duration) {
        unscopedHistogram(command, forwarded: false).record(duration)
    }

    /// A forwarded operation that names no ledger (`tally_forwarded_command_latency_seconds{ledger=""}`).
    public func recordUnscopedForwardedCommand(_ command: MetricsCommand, duration: Duration) {
        unscopedHistogram(command, forwarded: true).record(duration)
    }

    private func unscopedHistogram(_ command: MetricsCommand, forwarded: Bool) -> DurationHistogram {
        unscopedLock.lock()
        defer { unscopedLock.unlock() }
        if let existing = forwarded ? unscopedForwardedLatency[command] : unscopedLatency[command] { return existing }
        let h = registry.makeDurationHistogram(
            descriptor: forwarded ? TallyMetricNames.forwardedCommandLatency : TallyMetricNames.commandLatency,
            labels: [("ledger", ""), ("command", command.rawValue)], buckets: TallyMetrics.commandLatencyBuckets)
        if forwarded { unscopedForwardedLatency[command] = h } else { unscopedLatency[command] = h }
        return h
    }

    /// One journal fsync (`tally_journal_fsync_duration_seconds`).
    public func recordJournalFsync(_ duration: Duration) { fsync.record(duration) }

    /// Drops every series of `name` (the ledger was deleted).
    public func removeLedger(_ name: String) {
        ledgersLock.lock()
        let m = ledgers.removeValue(forKey: name)
        ledgersLock.unlock()
        m?.unregister()
    }

    public var ledgerNames: [String] {
        ledgersLock.lock()
        defer { ledgersLock.unlock() }
        return Array(ledgers.keys)
    }

    // MARK: Exposition

    /// Refreshes mirrored state from `source` and renders everything in the
    /// Prometheus text format 0.0.4.
    public func exposition() -> [UInt8] {
        refresh()
        return registry.emitToBuffer()
    }

    public func expositionText() -> String { String(decoding: exposition(), as: UTF8.self) }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Pulls a snapshot from `source` (if any) and the process figures into the gauges.
    public func refresh() {
        scrapeLock.lock()
        defer { scrapeLock.unlock() }
        process?.refresh()
        guard let source else { return }
        apply(source.snapshot())
    }

    /// Applies a snapshot (what `refresh` does with `source.snapshot()`).
    /// Caller holds `scrapeLock`.
    private func apply(_ snap: NodeMetricsSnapshot) {
        let c = cluster ?? ClusterGauges(registry)
        cluster = c
        let r = snap.replication
        c.term.set(to: Double(r.term))
        c.isLeader.set(to: r.role == .leader ? 1 : 0)
        c.commitIndex.set(to: Double(r.commitIndex))
        c.appliedIndex.set(to: Double(r.appliedIndex))
        c.proposalsPending.set(to: Double(r.pendingProposals))
        c.leaderChanges.update(r.leaderChanges)
        c.readIndexRounds.update(r.readIndexRounds)
        c.linearizableReads.update(r.linearizableReads)
        c.nodeLoopConnections.set(to: Double(snap.nodeLoopClientConnections))
        c.otherClientLoopConnections.set(to: Double(snap.otherClientLoopConnections))

        // Peer lag: exactly the peers in the status (empty unless leader).
        for (peer, g) in peerLag where r.peerLag[peer] == nil {
            registry.unregisterGauge(g)
            peerLag.removeValue(forKey: peer)
        }
        for (peer, lag) in r.peerLag {
            let g = peerLag[peer] ?? registry.makeGauge(descriptor: TallyMetricNames.raftPeerLag,
                                                        labels: [("peer", String(peer))])
            peerLag[peer] = g
            g.set(to: Double(lag))
        }

        // Ledgers: the snapshot's set is authoritative.
        var present = Set<String>()
        present.reserveCapacity(snap.ledgers.count)
        for l in snap.ledgers {
            present.insert(l.name)
            ledger(l.name).apply(l)
        }
        ledgersLock.lock()
        let gone = ledgers.filter { !present.contains($0.key) }
        for name in gone.keys { ledgers.removeValue(forKey: name) }
        ledgersLock.unlock()
        for m in gone.values { m.unregister() }
    }
}

/// The node-wide Raft gauges, registered at the first snapshot (so a node
/// without a source does not claim term 0 / not leader).
private final class ClusterGauges {
    let term, isLeader, commitIndex, appliedIndex, proposalsPending, nodeLoopConnections, otherClientLoopConnections: Gauge
    let leaderChanges, readIndexRounds, linearizableReads: MirroredCounter

    init(_ r: PrometheusCollectorRegistry) {
        term = r.makeGauge(descriptor: TallyMetricNames.raftTerm)
        isLeader = r.makeGauge(descriptor: TallyMetricNames.raftIsLeader)
        commitIndex = r.makeGauge(descriptor: TallyMetricNames.raftCommitIndex)
        appliedIndex = r.makeGauge(descriptor: TallyMetricNames.raftAppliedIndex)
        proposalsPending = r.makeGauge(descriptor: TallyMetricNames.raftProposalsPending)
        nodeLoopConnections = r.makeGauge(descriptor: TallyMetricNames.httpNodeLoopConnections)
        otherClientLoopConnections = r.makeGauge(descriptor: TallyMetricNames.httpOtherClientLoopConnections)
        leaderChanges = MirroredCounter(r.makeCounter(descriptor: TallyMetricNames.raftLeaderChanges))
        readIndexRounds = MirroredCounter(r.makeCounter(descriptor: TallyMetricNames.raftReadIndexRounds))
        linearizableReads = MirroredCounter(r.makeCounter(descriptor: TallyMetricNames.raftLinearizableReads))
    }
}

import Replica
/// What the node hands the metrics registry at scrape time. Gauges that
/// mirror state (Raft term, storage bytes, …) are refreshed from it, so the
/// node implements this one method and never pushes those values.
///
/// Called on the thread that serves `/metrics` — with `MetricsServer` on the
/// node's loop, that is the node's loop thread.
public protocol MetricsSource: AnyObject {
    func snapshot() -> NodeMetricsSnapshot
}

public struct NodeMetricsSnapshot: Sendable, Equatable {
    public var replication: ReplicationStatus
    /// Every ledger this node has. A ledger absent from the snapshot loses all
    /// its series (it was deleted, or never existed: this bounds the label set).
    public var ledgers: [LedgerMetricsSnapshot]
    /// Client connections served on the node's own loop (`[http] node_loop_connections`).
    public var nodeLoopClientConnections: Int
    /// Client connections served on client loops 2… (`[http] client_loops`).
    public var otherClientLoopConnections: Int

    public init(replication: ReplicationStatus, ledgers: [LedgerMetricsSnapshot], nodeLoopClientConnections: Int = 0,
                otherClientLoopConnections: Int = 0) {
        self.replication = replication
        self.ledgers = ledgers
        self.nodeLoopClientConnections = nodeLoopClientConnections
        self.otherClientLoopConnections = otherClientLoopConnections
    }
}

public struct LedgerMetricsSnapshot: Sendable, Equatable {
    public var name: String
    /// Bytes of the ledger's journal on disk (`tally_journal_storage_bytes`).
    public var journalBytes: UInt64
    /// Bytes of tables, indexes and indexed history (`tally_indexed_storage_bytes`).
    public var indexedBytes: UInt64
    /// Journal blocks committed so far (`tally_journal_blocks_total`).
    public var blocks: UInt64
    /// This node's digest for the ledger disagrees with the cluster's (`tally_digest_divergence`).
    public var divergence: Bool
    /// If set, `tally_active_sessions` is set to it at scrape time; if nil the
    /// gauge follows `LedgerMetrics.sessionOpened()/sessionClosed()`.
    public var activeSessions: Int?
    /// Blocks the scrubber verified in its current pass (`tally_scrub_verified_blocks`).
    public var scrubVerifiedBlocks: UInt64
    /// Mismatches the scrubber found since the node started (`tally_scrub_mismatches_total`).
    public var scrubMismatches: UInt64

    public init(name: String, journalBytes: UInt64, indexedBytes: UInt64, blocks: UInt64,
                divergence: Bool = false, activeSessions: Int? = nil,
                scrubVerifiedBlocks: UInt64 = 0, scrubMismatches: UInt64 = 0) {
        self.scrubVerifiedBlocks = scrubVerifiedBlocks
        self.scrubMismatches = scrubMismatches
        self.name = name
        self.journalBytes = journalBytes
        self.indexedBytes = indexedBytes
        self.blocks = blocks
        self.divergence = divergence
        self.activeSessions = activeSessions
    }
}

import Prometheus

/// Every Tally metric's name and help text, in one place (Docs/monitoring.md
/// explains each). Only `TallyMetrics` and `LedgerMetrics` use these.
enum TallyMetricNames {
    private static func d(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    // Per ledger (label `ledger`), QLDB's CloudWatch set.
    static let commandLatency = d("tally_command_latency_seconds",
        "Latency of data-plane commands and control-plane operations, by ledger and command.")
    static let forwardedCommandLatency = d("tally_forwarded_command_latency_seconds",
        "Latency of commands a follower forwarded to the leader, as its client saw it (the hop included), by ledger and command.")
    static let occConflicts = d("tally_occ_conflict_exceptions_total",
        "Requests that ended in OccConflictException.")
    static let journalStorage = d("tally_journal_storage_bytes",
        "Bytes of the ledger's journal on disk.")
    static let indexedStorage = d("tally_indexed_storage_bytes",
        "Bytes of the ledger's tables, indexes and indexed history.")
    static let readIOs = d("tally_read_ios_total", "Disk read I/Os done for the ledger.")
    static let writeIOs = d("tally_write_ios_total", "Disk write I/Os done for the ledger.")
    static let session4xx = d("tally_session_4xx_exceptions_total",
        "Session requests answered with an HTTP 4xx error.")
    static let session5xx = d("tally_session_5xx_exceptions_total",
        "Session requests answered with an HTTP 5xx error.")
    static let sessionRateExceeded = d("tally_session_rate_exceeded_exceptions_total",
        "Session requests refused with RateExceededException.")
    static let activeSessions = d("tally_active_sessions", "Open sessions on this node.")
    static let journalBlocks = d("tally_journal_blocks_total", "Journal blocks committed to the ledger.")
    static let digestDivergence = d("tally_digest_divergence",
        "1 when this node's digest of the ledger disagrees with the cluster's, else 0.")
    static let scrubVerifiedBlocks = d("tally_scrub_verified_blocks",
        "Journal blocks the background scrubber re-verified in its current pass over the ledger.")
    static let scrubMismatches = d("tally_scrub_mismatches_total",
        "Journal records or state the background scrubber found not to verify.")

    // Cluster.
    static let raftTerm = d("tally_raft_term", "Current Raft term of this node.")
    static let raftIsLeader = d("tally_raft_is_leader", "1 when this node is the Raft leader, else 0.")
    static let raftCommitIndex = d("tally_raft_commit_index", "Highest Raft log index known to be committed.")
    static let raftAppliedIndex = d("tally_raft_applied_index", "Highest Raft log index applied to the ledgers.")
    static let raftLeaderChanges = d("tally_raft_leader_changes_total", "Leader changes this node has seen.")
    static let raftReadIndexRounds = d("tally_raft_read_index_rounds_total",
        "Read-index rounds (one heartbeat round confirming leadership) this node started as leader.")
    static let raftLinearizableReads = d("tally_raft_linearizable_reads_total",
        "Linearizable reads that asked for a read-index round on this node (a statement that wrote nothing, ahead of a read-only commit; or the commit); per round: the batching.")
    static let raftPeerLag = d("tally_raft_peer_lag_entries",
        "Leader only: log entries each peer is behind the leader.")
    static let raftProposalsPending = d("tally_raft_proposals_pending",
        "Proposals waiting to be committed and applied.")
    static let httpNodeLoopConnections = d("tally_http_node_loop_connections",
        "Client connections served on the node's loop rather than the client loop ([http] node_loop_connections).")
    static let httpOtherClientLoopConnections = d("tally_http_other_client_loop_connections",
        "Client connections served on client loops 2 and up rather than the first, listening one ([http] client_loops).")
    static let journalFsync = d("tally_journal_fsync_duration_seconds", "Duration of journal fsyncs.")
    static let nodeInfo = d("tally_node_info", "Constant 1, labelled with the node id and Tally version.")

    // Process (the names every Prometheus client library uses).
    static let cpuSeconds = d("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.")
    static let residentMemory = d("process_resident_memory_bytes", "Resident memory size in bytes.")
    static let virtualMemory = d("process_virtual_memory_bytes", "Virtual memory size in bytes.")
    static let openFDs = d("process_open_fds", "Number of open file descriptors.")
    static let maxFDs = d("process_max_fds", "Maximum number of open file descriptors.")
    static let startTime = d("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
}

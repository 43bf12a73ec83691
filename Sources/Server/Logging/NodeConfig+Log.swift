import Logging

extension NodeConfig {
    /// The configuration in effect, for the start-up log line (file paths, never secrets).
    public var logMetadata: Logger.Metadata {
        [
            "node_id": "\(nodeID)", "data_dir": "\(dataDirectory)",
            "peers": "\(peers.map { "\($0.id)@\($0.address)" }.joined(separator: ","))",
            "tls": "\(tls == nil ? "off" : "on")", "auth": "\(auth.mode.rawValue)",
            "auth_region": "\(auth.region ?? "any")",
            "max_sessions_per_ledger": "\(session.maxSessionsPerLedger)",
            "max_sessions_per_credential": "\(session.maxSessionsPerCredential)",
            "max_body_bytes": "\(http.maxBodyBytes)", "max_buffered_body_bytes": "\(http.maxBufferedBodyBytes)",
            "transaction_timeout_seconds": "\(session.transactionTimeout)",
            "max_connections": "\(http.maxConnections)", "leader_wait_seconds": "\(http.leaderWaitSeconds)",
            "election_ticks": "\(raft.electionTicks)", "tick_ms": "\(raft.tickMilliseconds)",
            "heartbeat_ticks": "\(raft.heartbeatTicks)", "compaction_threshold": "\(raft.compactionThreshold)",
            "slow_fsync_ms": "\(raft.slowFsyncMilliseconds)", "follower_writes_on_loop": "\(raft.followerWritesOnLoop)",
            "state": "\(storage.stateOnDisk ? "lmdb" : "memory")",
            "tls_cert": "\(tls?.certificateFile ?? "-")", "tls_ca": "\(tls?.caFile ?? "-")",
            "credentials_file": "\(auth.mode == .sigv4 ? auth.credentialsFile : "-")",
            "admin_token_file": "\(adminTokenFile)", "statement_threads": "\(statements.threads)",
        ]
    }
}

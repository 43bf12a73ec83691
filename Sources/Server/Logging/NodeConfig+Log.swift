import Logging

extension NodeConfig {
    /// The configuration in effect, for the start-up log line (file paths, never secrets).
    public var logMetadata: Logger.Metadata {
        [
            "node_id": "\(nodeID)", "data_dir": "\(dataDirectory)",
            "peers": "\(peers.map { "\($0.id)@\($0.address)" }.joined(separator: ","))",
            "tls": "\(tls == nil ? "off" : "on")", "auth": "\(auth.mode.rawValue)",
            "transaction_timeout_seconds": "\(session.transactionTimeout)",
            "max_connections": "\(http.maxConnections)",
            "election_ticks": "\(raft.electionTicks)", "tick_ms": "\(raft.tickMilliseconds)",
        ]
    }
}

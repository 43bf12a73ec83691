/// Who this replica is and who votes, as the driver needs it (the network
/// addresses and certificates belong to the peer link).
public struct ReplicaConfiguration: Sendable {
    /// This node's id as configured ("node1").
    public var nodeName: String
    /// Raft's numeric id (see `ClusterNodeID`).
    public var nodeID: UInt64
    /// The bootstrap voters, this node included, sorted: the configuration of
    /// a fresh log. Empty for a node joining an existing cluster, which learns
    /// the configuration from the leader. Once the log holds a configuration
    /// (a snapshot or a change entry), that one is used instead.
    public var voters: [UInt64]
    /// The configured names of the members ("node2"), for logs.
    public var memberNames: [UInt64: String]
    public var options: RaftDriverOptions

    public init(nodeName: String, nodeID: UInt64, voters: [UInt64], memberNames: [UInt64: String] = [:],
                joining: Bool = false, options: RaftDriverOptions = RaftDriverOptions()) {
        self.nodeName = nodeName
        self.memberNames = memberNames
        self.nodeID = nodeID
        self.voters = joining ? [] : Array(Set(voters + [nodeID])).sorted()
        self.options = options
    }
}

/// A read-only view of a node, for monitoring and tests.
public struct Status: Sendable {
    public struct PeerProgress: Sendable, Hashable {
        public var id: NodeID
        public var match: LogIndex
        public var next: LogIndex
        public var state: ProgressState
        public var recentActive: Bool
    }

    public var id: NodeID
    public var hardState: HardState
    public var softState: SoftState
    public var applied: LogIndex
    public var firstIndex: LogIndex
    public var lastIndex: LogIndex
    public var voters: [NodeID]
    public var learners: [NodeID]
    /// The transfer target while a leadership transfer is under way.
    public var leadTransferee: NodeID
    /// Per-member (voters and learners) replication progress; only meaningful on the leader.
    public var progress: [PeerProgress]
}

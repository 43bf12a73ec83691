/// The cluster configuration: the voting members and the learners (members
/// that receive the log but neither vote nor count towards a quorum). A node
/// is in at most one of the two lists.
public struct ConfState: Sendable, Hashable {
    /// Sorted node ids.
    public var voters: [NodeID]
    /// Sorted node ids.
    public var learners: [NodeID]

    public init(voters: [NodeID] = [], learners: [NodeID] = []) {
        self.voters = voters.sorted()
        self.learners = learners.sorted()
    }

    public var isEmpty: Bool { voters.isEmpty && learners.isEmpty }

    public func contains(_ id: NodeID) -> Bool {
        voters.contains(id) || learners.contains(id)
    }
}

/// What a snapshot stands for: every entry up to and including `index`.
public struct SnapshotMetadata: Sendable, Hashable {
    public var index: LogIndex
    public var term: Term
    public var confState: ConfState

    public init(index: LogIndex = 0, term: Term = 0, confState: ConfState = ConfState()) {
        self.index = index
        self.term = term
        self.confState = confState
    }
}

/// A point-in-time image of the applied state, used to catch up a node whose
/// next entries the leader has already compacted away.
///
/// `data` is opaque to Raft and supplied by the application. In Tally the
/// journal *is* the snapshot, so the payload only describes which journal
/// blocks the follower has to stream from the leader.
public struct Snapshot: Sendable, Hashable {
    public var metadata: SnapshotMetadata
    public var data: [UInt8]

    public init(metadata: SnapshotMetadata = SnapshotMetadata(), data: [UInt8] = []) {
        self.metadata = metadata
        self.data = data
    }

    /// A snapshot at index 0 stands for "no snapshot".
    public var isEmpty: Bool { metadata.index == 0 }
}

import Raft

/// Read-only views of the Raft core for checkers (the Raft simulator checks
/// election safety and leader completeness against them), and forcing an
/// election. Loop thread.
extension RaftDriver {
    public var raftRole: Role { node.role }
    public var raftTerm: UInt64 { node.term }
    public var raftCommitIndex: UInt64 { node.commitIndex }
    /// The last index of the core's log, persisted or not.
    public var raftLastIndex: UInt64 { node.lastIndex }
    /// The first index still in the core's log (entries below are compacted).
    public var raftFirstIndex: UInt64 { storage.firstIndex }
    /// The term of the entry at `index` in the core's log, nil if compacted or absent.
    public func raftTerm(at index: UInt64) -> UInt64? { node.term(at: index) }
    /// The configuration in effect at `index` of this node's log.
    public func membership(at index: UInt64) -> ConfState { node.confState(at: index) }
    /// The log index the state machine reflects.
    public var appliedIndex: UInt64 { smApplied }

    /// Starts an election now (tests and simulation).
    public func campaign() {
        guard isRunning else { return }
        node.campaign()
        pump()
    }
}

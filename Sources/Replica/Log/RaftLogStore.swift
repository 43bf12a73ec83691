import Raft

/// The Raft log as the driver writes it: the core's `RaftStorage` plus one
/// durable write per `Ready` and the bookkeeping of a store that can fail.
/// `FileRaftStorage` keeps it in files; the simulator keeps it in memory and
/// loses what was not synced when a node crashes.
public protocol RaftLogStore: RaftStorage {
    /// Persists one Ready's hard state, entries and snapshot and makes them
    /// durable before returning when `sync` is true (`Ready.mustSync`: new
    /// entries, a new term or vote). A store may make more durable than asked
    /// (`FileRaftStorage` decides by what changed, and writes a new term or
    /// vote before the entries). Called off the loop thread, one call at a time.
    func save(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, sync: Bool) throws
    /// Records a commit index known applied at start (no fsync needed).
    func raiseCommit(to index: LogIndex)
    /// The first write or fsync error, after which the store refuses writes.
    var failure: RaftStorageFailure? { get }
    func close()
}

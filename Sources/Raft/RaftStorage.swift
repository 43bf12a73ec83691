/// Durable state of one node: the stable part of the log, the hard state and
/// the latest snapshot.
///
/// Raft only *reads* through the first group of requirements. The application
/// writes through the second group while handling a `Ready` (see `Ready` for
/// the order), and must make writes durable before sending that Ready's messages.
///
/// Index conventions (as etcd): the storage keeps a "dummy" position at
/// `firstIndex - 1` whose term is still known (the snapshot's index and term);
/// entries live in `firstIndex...lastIndex`. An empty log has
/// `firstIndex == 1, lastIndex == 0`.
public protocol RaftStorage: AnyObject {
    // MARK: Read by Raft

    /// The persisted hard state and the configuration of the latest snapshot.
    func initialState() -> (hardState: HardState, confState: ConfState)
    /// Entries in `lo..<hi`, at most `maxSize` bytes in total but at least one.
    /// Throws `.compacted` if `lo < firstIndex`. `hi` must be ≤ `lastIndex + 1`.
    func entries(from lo: LogIndex, to hi: LogIndex, maxSize: Int) throws(StorageError) -> [Entry]
    /// The term of the entry at `index`, which may be `firstIndex - 1`.
    /// Throws `.compacted` below that, `.unavailable` above `lastIndex`.
    func term(at index: LogIndex) throws(StorageError) -> Term
    var firstIndex: LogIndex { get }
    var lastIndex: LogIndex { get }
    /// The latest snapshot, sent to followers that need compacted entries.
    func snapshot() throws(StorageError) -> Snapshot

    // MARK: Written by the application

    func setHardState(_ hardState: HardState)
    /// Appends entries, first truncating any stored entries at or after
    /// `entries[0].index` (a new leader may overwrite an uncommitted suffix).
    func append(_ entries: [Entry])
    /// Replaces the whole log with the snapshot (from `Ready.snapshot`).
    func applySnapshot(_ snapshot: Snapshot) throws(StorageError)
    /// Records a snapshot of the applied state at `index` (≤ applied index).
    @discardableResult
    func createSnapshot(at index: LogIndex, confState: ConfState?, data: [UInt8]) throws(StorageError) -> Snapshot
    /// Discards entries up to and including `index`, which must be covered by
    /// the latest snapshot; `index` becomes the dummy position.
    func compact(upTo index: LogIndex) throws(StorageError)
}

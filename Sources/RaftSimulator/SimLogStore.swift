import Raft
import Replica

/// A node's Raft log "on disk": a `MemoryStorage` that outlives the node's
/// incarnations, written only through `save` (and the driver's compaction),
/// the way `FileRaftStorage` is. A write is visible at once (the core reads
/// it back) but durable only when its fsync completes (`durable(at:)`, set by
/// the node's simulated disk latency): a crash before that undoes it.
///
/// `onSave` sees every write before it happens and decides whether the node
/// dies during the write (nothing is written) or right after it completed
/// (durable, but the driver never runs the completion). `onSaved` reports what
/// was written, `onUndone` the hard state a crash went back to, for the checker.
final class SimLogStore: RaftLogStore {
    enum SaveFault { case crashDuringWrite, crashAfterWrite }

    private(set) var memory: MemoryStorage
    var onSave: (() -> SaveFault?)?
    var onSaved: ((_ hardState: HardState?, _ entries: [Entry], _ snapshot: Snapshot?) -> Void)?
    var onCrash: (() -> Void)?
    var onUndone: ((HardState) -> Void)?
    /// The write whose fsync has not completed: how to go back to before it, and when it completes.
    private var inFlight: (undo: () -> MemoryStorage, durableAt: Double)?

    init(voters: [NodeID]) { memory = MemoryStorage(voters: voters) }

    func save(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, sync: Bool) throws {
        let fault = onSave?()
        if fault == .crashDuringWrite { return crash() }
        inFlight = (undoing(entries: entries, snapshot: snapshot), .infinity)
        if let snapshot, !snapshot.isEmpty { try memory.applySnapshot(snapshot) }
        if !entries.isEmpty { memory.append(entries) }
        if let hardState { memory.setHardState(hardState) }
        raiseCommit(to: memory.firstIndex - 1)  // a snapshot is committed (as FileRaftStorage)
        onSaved?(hardState, entries, snapshot)
        if fault == .crashAfterWrite {
            inFlight = nil
            crash()
        }
    }

    /// The write in flight completes (its fsync returns) at `time`.
    func durable(at time: Double) {
        inFlight?.durableAt = time
    }

    /// The node died at `time`: a write whose fsync had not completed is lost.
    func crashed(at time: Double) {
        defer { inFlight = nil }
        guard let w = inFlight, time < w.durableAt else { return }
        memory = w.undo()
        onUndone?(memory.hardStateValue)
    }

    /// What the log held before a write: rebuilt from the snapshot, the
    /// entries the write leaves alone, those it overwrites, and the hard state.
    private func undoing(entries: [Entry], snapshot: Snapshot?) -> () -> MemoryStorage {
        let hardState = memory.hardStateValue
        let oldSnapshot = (try? memory.snapshot()) ?? Snapshot()
        let first = memory.firstIndex
        let last = memory.lastIndex
        // A snapshot replaces the whole log: keep it all. Entries only replace a suffix.
        let keepFrom = snapshot.map { $0.isEmpty ? (entries.first?.index ?? last + 1) : first } ?? (entries.first?.index ?? last + 1)
        let replaced = keepFrom <= last ? ((try? memory.entries(from: max(keepFrom, first), to: last + 1, maxSize: .max)) ?? []) : []
        return { [memory] in
            let kept = first < keepFrom ? ((try? memory.entries(from: first, to: min(keepFrom, memory.lastIndex + 1), maxSize: .max)) ?? []) : []
            let rebuilt: MemoryStorage
            if oldSnapshot.metadata.index > 0 {
                rebuilt = MemoryStorage()
                try? rebuilt.applySnapshot(oldSnapshot)
            } else {
                rebuilt = MemoryStorage(voters: oldSnapshot.metadata.confState.voters)
            }
            rebuilt.append(kept + replaced)
            rebuilt.setHardState(hardState)
            return rebuilt
        }
    }

    private func crash() {
        let c = onCrash
        c?()
    }

    func raiseCommit(to index: LogIndex) {
        var hs = memory.hardStateValue
        let target = min(index, memory.lastIndex)
        if target > hs.commit {
            hs.commit = target
            memory.setHardState(hs)
        }
    }

    var failure: RaftStorageFailure? { nil }
    func close() {}

    // MARK: RaftStorage, read by the core and written by the driver's compaction

    func initialState() -> (hardState: HardState, confState: ConfState) { memory.initialState() }
    func entries(from lo: LogIndex, to hi: LogIndex, maxSize: Int) throws(StorageError) -> [Entry] {
        try memory.entries(from: lo, to: hi, maxSize: maxSize)
    }
    func term(at index: LogIndex) throws(StorageError) -> Term { try memory.term(at: index) }
    var firstIndex: LogIndex { memory.firstIndex }
    var lastIndex: LogIndex { memory.lastIndex }
    func snapshot() throws(StorageError) -> Snapshot { try memory.snapshot() }
    func setHardState(_ hardState: HardState) { memory.setHardState(hardState) }
    func append(_ entries: [Entry]) { memory.append(entries) }
    func applySnapshot(_ snapshot: Snapshot) throws(StorageError) { try memory.applySnapshot(snapshot) }
    @discardableResult
    func createSnapshot(at index: LogIndex, confState: ConfState?, data: [UInt8]) throws(StorageError) -> Snapshot {
        try memory.createSnapshot(at: index, confState: confState, data: data)
    }
    func compact(upTo index: LogIndex) throws(StorageError) { try memory.compact(upTo: index) }
}

import Raft
import Replica

/// A node's Raft log "on disk": a `MemoryStorage` that outlives the node's
/// incarnations, written only through `save` (and the driver's compaction),
/// the way `FileRaftStorage` is. A crash keeps everything `save` wrote (a
/// process crash keeps the page cache), unless it hits during the write.
///
/// `onSave` sees every write before it happens and decides whether the node
/// dies during the write (nothing is written) or right after it (the write is
/// durable but the driver never learns it completed). `onSaved` reports what
/// was written, for the checker.
final class SimLogStore: RaftLogStore {
    enum SaveFault { case crashDuringWrite, crashAfterWrite }

    let memory: MemoryStorage
    var onSave: (() -> SaveFault?)?
    var onSaved: ((_ hardState: HardState?, _ entries: [Entry], _ snapshot: Snapshot?) -> Void)?
    var onCrash: (() -> Void)?

    init(voters: [NodeID]) { memory = MemoryStorage(voters: voters) }

    func save(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, sync: Bool) throws {
        let fault = onSave?()
        if fault == .crashDuringWrite { return crash() }
        if let snapshot, !snapshot.isEmpty { try memory.applySnapshot(snapshot) }
        if !entries.isEmpty { memory.append(entries) }
        if let hardState { memory.setHardState(hardState) }
        raiseCommit(to: memory.firstIndex - 1)  // a snapshot is committed (as FileRaftStorage)
        onSaved?(hardState, entries, snapshot)
        if fault == .crashAfterWrite { crash() }
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

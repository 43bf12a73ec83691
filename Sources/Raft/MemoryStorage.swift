/// `RaftStorage` held in memory: for tests and the simulator, where "durable"
/// means "whatever was written before the simulated crash".
public final class MemoryStorage: RaftStorage {
    private var hardState = HardState()
    private var snap = Snapshot()
    /// `ents[0]` is the dummy entry at the compaction point (term known, no data);
    /// `ents[i]` has index `ents[0].index + i`.
    private var ents: [Entry] = [Entry()]

    public init() {}

    /// A storage whose configuration is `voters` (what a bootstrapped node has).
    public convenience init(voters: [NodeID]) {
        self.init()
        snap.metadata.confState = ConfState(voters: voters)
    }

    private var offset: LogIndex { ents[0].index }

    public func initialState() -> (hardState: HardState, confState: ConfState) {
        (hardState, snap.metadata.confState)
    }

    public var hardStateValue: HardState { hardState }

    public func entries(from lo: LogIndex, to hi: LogIndex, maxSize: Int) throws(StorageError) -> [Entry] {
        if lo <= offset { throw .compacted }
        precondition(hi <= lastIndex + 1, "entries(\(lo)..<\(hi)) beyond last index \(lastIndex)")
        if lo >= hi { return [] }
        if ents.count == 1 { throw .unavailable }
        return limitSize(Array(ents[Int(lo - offset)..<Int(hi - offset)]), maxSize)
    }

    public func term(at index: LogIndex) throws(StorageError) -> Term {
        if index < offset { throw .compacted }
        if index - offset >= LogIndex(ents.count) { throw .unavailable }
        return ents[Int(index - offset)].term
    }

    public var firstIndex: LogIndex { offset + 1 }
    public var lastIndex: LogIndex { offset + LogIndex(ents.count) - 1 }

    public func snapshot() throws(StorageError) -> Snapshot { snap }

    public func setHardState(_ hardState: HardState) {
        self.hardState = hardState
    }

    public func append(_ entries: [Entry]) {
        guard var first = entries.first?.index else { return }
        let last = first + LogIndex(entries.count) - 1
        if last < firstIndex { return }  // all compacted already
        var newEntries = entries[...]
        if firstIndex > first {
            newEntries = entries[Int(firstIndex - first)...]
            first = firstIndex
        }
        let at = Int(first - offset)
        precondition(at <= ents.count, "missing log entry: last \(lastIndex), appending at \(first)")
        ents.removeSubrange(at...)
        ents.append(contentsOf: newEntries)
    }

    public func applySnapshot(_ snapshot: Snapshot) throws(StorageError) {
        if snap.metadata.index >= snapshot.metadata.index { throw .snapshotOutOfDate }
        snap = snapshot
        ents = [Entry(term: snapshot.metadata.term, index: snapshot.metadata.index)]
    }

    @discardableResult
    public func createSnapshot(at index: LogIndex, confState: ConfState?, data: [UInt8]) throws(StorageError) -> Snapshot {
        if index <= snap.metadata.index { throw .snapshotOutOfDate }
        precondition(index <= lastIndex, "snapshot \(index) beyond last index \(lastIndex)")
        precondition(index >= offset, "snapshot \(index) below compaction point \(offset)")
        snap.metadata.index = index
        snap.metadata.term = ents[Int(index - offset)].term
        if let confState { snap.metadata.confState = confState }
        snap.data = data
        return snap
    }

    public func compact(upTo index: LogIndex) throws(StorageError) {
        if index <= offset { throw .compacted }
        precondition(index <= lastIndex, "compact \(index) beyond last index \(lastIndex)")
        precondition(index <= snap.metadata.index, "compact \(index) beyond snapshot \(snap.metadata.index)")
        let i = Int(index - offset)
        var kept = [Entry(term: ents[i].term, index: ents[i].index)]
        kept.append(contentsOf: ents[(i + 1)...])
        ents = kept
    }
}

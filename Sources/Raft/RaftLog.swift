/// The log as Raft sees it: stable storage followed by the unstable part,
/// plus the commit and apply cursors.
///
/// Invariants: `applied ≤ committed ≤ lastIndex`, and `committed` only grows.
struct RaftLog {
    let storage: any RaftStorage
    var unstable: UnstableLog
    /// Highest index known to be stored on a quorum.
    private(set) var committed: LogIndex
    /// Highest index handed to the application for applying.
    private(set) var applied: LogIndex
    let maxApplySize: Int

    init(storage: any RaftStorage, maxApplySize: Int) {
        self.storage = storage
        self.maxApplySize = maxApplySize
        let first = storage.firstIndex
        let last = storage.lastIndex
        unstable = UnstableLog(offset: last + 1)
        committed = first - 1
        applied = first - 1
    }

    var firstIndex: LogIndex { unstable.firstIndex ?? storage.firstIndex }

    /// The last index of the log prefix this node has made durable: what it
    /// may count as its own copy toward a commit. Entries still unstable (or
    /// handed out in a `Ready` not yet advanced) are not part of it.
    var durableLastIndex: LogIndex { min(storage.lastIndex, unstable.offset - 1) }
    var lastIndex: LogIndex { unstable.lastIndex ?? storage.lastIndex }

    /// The term at `index`, or nil if it is compacted or beyond the last index.
    func term(at index: LogIndex) -> Term? {
        let dummy = firstIndex - 1
        if index < dummy || index > lastIndex { return nil }
        if let t = unstable.term(at: index) { return t }
        return try? storage.term(at: index)
    }

    var lastTerm: Term {
        guard let t = term(at: lastIndex) else {
            preconditionFailure("term of last index \(lastIndex) unknown")
        }
        return t
    }

    func matchTerm(index: LogIndex, term: Term) -> Bool {
        self.term(at: index) == term
    }

    /// Whether a log ending at (`index`, `term`) is at least as up to date as ours.
    func isUpToDate(index: LogIndex, term: Term) -> Bool {
        term > lastTerm || (term == lastTerm && index >= lastIndex)
    }

    enum AppendOutcome: Equatable {
        /// Appended (or already had) everything; the last index the message covers.
        case appended(lastNewIndex: LogIndex)
        /// Our log has no entry (`index`, `logTerm`): the leader must go back.
        case mismatch
        /// Malformed, or it would overwrite committed entries: ignore it.
        case invalid
    }

    /// Appends follower-side: if our entry at `index` has term `logTerm`,
    /// append `entries` (dropping the ones we already have, truncating at the
    /// first conflict) and advance commit to min(`commit`, last new index).
    mutating func maybeAppend(index: LogIndex, logTerm: Term, commit: LogIndex, entries: [Entry]) -> AppendOutcome {
        guard matchTerm(index: index, term: logTerm) else { return .mismatch }
        let lastNew = index + LogIndex(entries.count)
        for (i, e) in entries.enumerated() where e.index != index + 1 + LogIndex(i) { return .invalid }
        if let conflict = findConflict(entries) {
            if conflict <= committed { return .invalid }
            append(Array(entries[Int(conflict - (index + 1))...]))
        }
        self.commit(to: min(commit, lastNew))
        return .appended(lastNewIndex: lastNew)
    }

    /// The index of the first entry whose term differs from ours (or that we
    /// do not have), or nil if we have them all.
    func findConflict(_ entries: [Entry]) -> LogIndex? {
        for e in entries where !matchTerm(index: e.index, term: e.term) {
            return e.index
        }
        return nil
    }

    /// The largest index ≤ `index` whose term is ≤ `term` (or unknown): the
    /// last point at which a log ending in `term` might still match ours.
    func findConflictByTerm(index: LogIndex, term: Term) -> LogIndex {
        if index > lastIndex { return index }
        var i = index
        while i > 0, let t = self.term(at: i), t > term {
            i -= 1
        }
        return i
    }

    /// Appends to the unstable part; returns the new last index.
    @discardableResult
    mutating func append(_ entries: [Entry]) -> LogIndex {
        guard let first = entries.first else { return lastIndex }
        precondition(first.index > committed, "append at \(first.index) would overwrite committed \(committed)")
        unstable.truncateAndAppend(entries)
        return lastIndex
    }

    mutating func commit(to index: LogIndex) {
        guard index > committed else { return }
        precondition(index <= lastIndex, "commit \(index) beyond last index \(lastIndex)")
        committed = index
    }

    /// Advances commit to `index` if that entry is from `term` (a leader only
    /// commits entries of its own term by counting replicas: Raft §5.4.2).
    mutating func maybeCommit(index: LogIndex, term: Term) -> Bool {
        guard index > committed, self.term(at: index) == term else { return false }
        commit(to: index)
        return true
    }

    mutating func appliedTo(_ index: LogIndex) {
        guard index != 0 else { return }
        precondition(index <= committed && index >= applied,
                     "applied \(index) outside [\(applied), \(committed)]")
        applied = index
    }

    mutating func stableTo(index: LogIndex, term: Term) {
        unstable.stableTo(index: index, term: term)
    }

    mutating func stableSnapshotTo(index: LogIndex) {
        unstable.stableSnapshotTo(index: index)
    }

    mutating func restore(_ snapshot: Snapshot) {
        committed = snapshot.metadata.index
        unstable.restore(snapshot)
    }

    var unstableEntries: [Entry] { unstable.entries }

    var hasPendingSnapshot: Bool { unstable.snapshot != nil }

    /// Committed entries not yet handed out for applying.
    var nextEntriesToApply: [Entry] {
        let lo = max(applied + 1, firstIndex)
        guard committed + 1 > lo else { return [] }
        return (try? slice(lo, committed + 1, maxSize: maxApplySize)) ?? []
    }

    var hasNextEntriesToApply: Bool {
        committed + 1 > max(applied + 1, firstIndex)
    }

    func snapshot() throws(StorageError) -> Snapshot {
        if let s = unstable.snapshot { return s }
        return try storage.snapshot()
    }

    /// Entries from `index` on, up to `maxSize` bytes.
    func entries(from index: LogIndex, maxSize: Int) throws(StorageError) -> [Entry] {
        if index > lastIndex { return [] }
        return try slice(index, lastIndex + 1, maxSize: maxSize)
    }

    /// Entries in `lo..<hi`; throws `.compacted` if `lo` is below the first index.
    func slice(_ lo: LogIndex, _ hi: LogIndex, maxSize: Int) throws(StorageError) -> [Entry] {
        precondition(lo <= hi, "slice \(lo)..<\(hi)")
        if lo < firstIndex { throw .compacted }
        precondition(hi <= lastIndex + 1, "slice \(lo)..<\(hi) beyond last index \(lastIndex)")
        if lo == hi { return [] }
        var result: [Entry] = []
        if lo < unstable.offset {
            let storedHi = min(hi, unstable.offset)
            let stored = try storage.entries(from: lo, to: storedHi, maxSize: maxSize)
            if LogIndex(stored.count) < storedHi - lo { return stored }  // size limit reached
            result = stored
        }
        if hi > unstable.offset {
            result.append(contentsOf: unstable.slice(max(lo, unstable.offset), hi))
        }
        return limitSize(result, maxSize)
    }
}

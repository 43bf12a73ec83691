/// The part of the log not yet handed to storage: entries (and possibly an
/// incoming snapshot) that the next `Ready` asks the application to persist.
///
/// `entries[i]` has index `offset + i`. `offset` may be ≤ the storage's last
/// index: then the unstable entries overwrite a stored (uncommitted) suffix.
struct UnstableLog {
    var snapshot: Snapshot?
    var entries: [Entry] = []
    var offset: LogIndex

    init(offset: LogIndex) {
        self.offset = offset
    }

    /// First index, if it is known here (only with a pending snapshot).
    var firstIndex: LogIndex? {
        snapshot.map { $0.metadata.index + 1 }
    }

    /// Last index, if it is known here.
    var lastIndex: LogIndex? {
        if !entries.isEmpty { return offset + LogIndex(entries.count) - 1 }
        return snapshot?.metadata.index
    }

    /// Term at `index`, if it is known here.
    func term(at index: LogIndex) -> Term? {
        if index < offset {
            if let snapshot, snapshot.metadata.index == index { return snapshot.metadata.term }
            return nil
        }
        guard let last = lastIndex, index <= last else { return nil }
        return entries[Int(index - offset)].term
    }

    /// The application persisted entries up to (`index`, `term`). Ignored if the
    /// entry has since been replaced (term differs) or already was stable.
    mutating func stableTo(index: LogIndex, term: Term) {
        guard let t = self.term(at: index), t == term, index >= offset else { return }
        entries.removeFirst(Int(index + 1 - offset))
        offset = index + 1
    }

    mutating func stableSnapshotTo(index: LogIndex) {
        if let snapshot, snapshot.metadata.index == index { self.snapshot = nil }
    }

    mutating func restore(_ snapshot: Snapshot) {
        offset = snapshot.metadata.index + 1
        entries = []
        self.snapshot = snapshot
    }

    mutating func truncateAndAppend(_ newEntries: [Entry]) {
        guard let after = newEntries.first?.index else { return }
        if after == offset + LogIndex(entries.count) {
            entries.append(contentsOf: newEntries)
        } else if after <= offset {
            // Replaces everything unstable, and a suffix of what is stored.
            offset = after
            entries = newEntries
        } else {
            entries.removeSubrange(Int(after - offset)...)
            entries.append(contentsOf: newEntries)
        }
    }

    /// Entries in `lo..<hi`, which must lie within the unstable range.
    func slice(_ lo: LogIndex, _ hi: LogIndex) -> ArraySlice<Entry> {
        precondition(lo >= offset && lo <= hi && hi <= offset + LogIndex(entries.count),
                     "unstable slice \(lo)..<\(hi) out of \(offset)..<\(offset + LogIndex(entries.count))")
        return entries[Int(lo - offset)..<Int(hi - offset)]
    }
}

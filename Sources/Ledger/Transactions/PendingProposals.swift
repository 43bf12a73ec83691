/// The proposals this leader has prepared and not applied yet, with the union
/// of what they write kept beside them. A commit's OCC check asks whether any
/// of them writes what it read; with the union that costs one lookup a read,
/// not one a read and a pending proposal (at 64 clients some twenty are
/// pending, and each commit walked them all twice).
struct PendingProposals {
    private(set) var byTransaction: [String: Ledger.PendingWrites] = [:]
    private(set) var documentIds = CountedSet<String>()
    private(set) var tableIds = CountedSet<String>()
    private(set) var catalogIds = CountedSet<String>()
    private(set) var tableNames = CountedSet<String>()
    private(set) var redactions = CountedSet<RedactionRequest>()
    /// No less than the latest timestamp of a pending proposal; `.min` when none is pending.
    /// Each is prepared with a timestamp no earlier than those pending before it, so the
    /// newest prepared holds the latest; one applied or abandoned before older ones leaves
    /// its timestamp here until none is pending (an applied one's is in the state already).
    private(set) var latestTimestampMs: Int64 = .min

    var count: Int { byTransaction.count }
    var isEmpty: Bool { byTransaction.isEmpty }

    mutating func insert(_ writes: Ledger.PendingWrites, for transactionId: String) {
        _ = remove(transactionId)
        byTransaction[transactionId] = writes
        documentIds.insert(contentsOf: writes.documentIds)
        tableIds.insert(contentsOf: writes.tableIds)
        catalogIds.insert(contentsOf: writes.catalogIds)
        tableNames.insert(contentsOf: writes.tableNames)
        redactions.insert(contentsOf: writes.redactions)
        latestTimestampMs = max(latestTimestampMs, writes.timestampMs)
    }

    @discardableResult
    mutating func remove(_ transactionId: String) -> Ledger.PendingWrites? {
        guard let writes = byTransaction.removeValue(forKey: transactionId) else { return nil }
        documentIds.remove(contentsOf: writes.documentIds)
        tableIds.remove(contentsOf: writes.tableIds)
        catalogIds.remove(contentsOf: writes.catalogIds)
        tableNames.remove(contentsOf: writes.tableNames)
        redactions.remove(contentsOf: writes.redactions)
        if byTransaction.isEmpty {
            assert(documentIds.isEmpty && tableIds.isEmpty && catalogIds.isEmpty && tableNames.isEmpty && redactions.isEmpty,
                   "the union of pending writes outlived them")
            latestTimestampMs = .min
        }
        return writes
    }

    mutating func removeAll(where shouldRemove: (Ledger.PendingWrites) -> Bool) {
        for (id, writes) in byTransaction where shouldRemove(writes) { remove(id) }
    }
}

/// A multiset: how many times each element was inserted and not yet removed.
struct CountedSet<Element: Hashable> {
    private var counts: [Element: Int] = [:]

    var isEmpty: Bool { counts.isEmpty }

    func contains(_ element: Element) -> Bool { counts[element] != nil }

    mutating func insert<S: Sequence>(contentsOf elements: S) where S.Element == Element {
        for e in elements { counts[e, default: 0] += 1 }
    }

    mutating func remove<S: Sequence>(contentsOf elements: S) where S.Element == Element {
        for e in elements {
            guard let n = counts[e] else {
                assertionFailure("removed \(e) more often than it was inserted")
                continue
            }
            counts[e] = n > 1 ? n - 1 : nil
        }
    }
}

import Ion

/// What an OCC transaction read, checked at commit against the latest
/// applied state (did any of it change?) and against proposals prepared but
/// not yet applied (will any of it change?).
///
/// - a document read records its version (nil when absent);
/// - a whole-table scan records the table's write counter (any write to the table conflicts);
/// - an index lookup records the matching documents and versions for that one key
///   (writes elsewhere in the table do not conflict);
/// - table-name resolutions, table definitions (catalog versions) and the whole catalog.
struct ReadSet {
    struct IndexRead {
        var tableId: String
        var field: String
        var value: IonValue
        var results: [String: Int]
    }

    var documents: [String: Int?] = [:]
    var scans: [String: Int] = [:]
    var indexKeys: [IndexRead] = []
    var tableNames: [String: String?] = [:]
    var catalog: [String: Int?] = [:]
    var allTables: Int?
    var redactions: [RedactionRequest] = []
    /// The block count of the first state the transaction read (`LedgerTransaction.state`, a
    /// statement's snapshot or the live state). Counts only grow: a ledger still at this count at
    /// commit has applied no block since any read, so nothing read can have changed.
    private(set) var firstReadBlockCount: Int?

    mutating func noteFirstRead(blockCount: Int) {
        if firstReadBlockCount == nil { firstReadBlockCount = blockCount }
    }

    /// Every read saw the state as it still is: nothing committed can conflict.
    func isCurrent(in state: any StateView) -> Bool { firstReadBlockCount == state.blockCount }

    mutating func noteDocument(_ id: String, version: Int?) {
        if documents.index(forKey: id) == nil { documents.updateValue(version, forKey: id) }
    }

    mutating func noteScan(_ tableId: String, counter: Int) {
        if scans[tableId] == nil { scans[tableId] = counter }
    }

    mutating func noteIndexKey(_ tableId: String, _ field: String, _ value: IonValue, _ results: [String: Int]) {
        if indexKeys.contains(where: { $0.tableId == tableId && $0.field == field && $0.value.isEquivalent(to: value) }) { return }
        indexKeys.append(IndexRead(tableId: tableId, field: field, value: value, results: results))
    }

    mutating func noteTableName(_ name: String, _ id: String?) {
        if tableNames.index(forKey: name) == nil { tableNames.updateValue(id, forKey: name) }
    }

    mutating func noteCatalog(_ tableId: String, version: Int?) {
        if catalog.index(forKey: tableId) == nil { catalog.updateValue(version, forKey: tableId) }
    }

    /// The first reason the transaction must not commit, or nil.
    func conflict(in state: any StateView, pending: PendingProposals) -> String? {
        (isCurrent(in: state) ? nil : committedConflict(in: state)) ?? pendingConflict(pending)
    }

    /// What changed in the committed state since it was read.
    private func committedConflict(in state: any StateView) -> String? {
        for (id, version) in documents where state.documentVersion(id) != version {
            return "document \(id) was modified by a committed transaction"
        }
        for (tableId, counter) in scans where state.table(tableId)?.writeCounter != counter {
            return "table \(tableId), which it scanned, was written by a committed transaction"
        }
        for read in indexKeys
        where (state.lookupVersions(tableId: read.tableId, field: read.field, value: read.value) ?? [:]) != read.results {
            return "documents matching an index key on \(read.field) changed"
        }
        for (name, id) in tableNames where state.activeTable(named: name)?.id != id {
            return "table \(name) was created, dropped or undropped"
        }
        for (tableId, version) in catalog where state.table(tableId)?.catalogVersion != version {
            return "the definition of table \(tableId) changed"
        }
        if let allTables, state.ddlCounter != allTables { return "the table catalog changed" }
        for request in redactions where state.redactionTarget(request) == nil {
            return "revision \(request.version) of \(request.documentId) is no longer redactable"
        }
        return nil
    }

    /// What proposals prepared but not yet applied will change.
    private func pendingConflict(_ pending: PendingProposals) -> String? {
        guard !pending.isEmpty else { return nil }
        if documents.keys.contains(where: pending.documentIds.contains) {
            return "a document it read is being modified by a committing transaction"
        }
        if scans.keys.contains(where: pending.tableIds.contains) {
            return "a table it scanned is being written by a committing transaction"
        }
        if indexKeys.contains(where: { pending.tableIds.contains($0.tableId) }) {
            return "an indexed table it read is being written by a committing transaction"
        }
        if tableNames.keys.contains(where: pending.tableNames.contains) || catalog.keys.contains(where: pending.catalogIds.contains)
            || (allTables != nil && !pending.catalogIds.isEmpty) {
            return "a table it used is being changed by a committing transaction"
        }
        if redactions.contains(where: pending.redactions.contains) {
            return "the revision is being redacted by a committing transaction"
        }
        return nil
    }
}

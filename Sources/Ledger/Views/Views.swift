import Ion

extension Ledger {
    /// `history()` rows (PROTOCOL.md §3.3): every committed revision of the
    /// table that was active at some instant of [start, end], both inclusive.
    /// A revision is active from its `txTime` until the next revision's
    /// `txTime` (inclusive), or for ever if it is the latest; a delete's
    /// final revision has metadata and no data; redacted ones show `dataHash`.
    func historyRows(tableId: String, startMs: Int64?, endMs: Int64?) -> [IonValue] {
        Ledger.historyRows(in: state, tableId: tableId, startMs: startMs, endMs: endMs) { _ in }
    }

    /// `tick` is called per document with its rows (a statement's budget check).
    static func historyRows(in state: any StateView, tableId: String, startMs: Int64?, endMs: Int64?,
                            tick: ([IonValue]) throws -> Void) rethrows -> [IonValue] {
        guard state.table(tableId) != nil else { return [] }
        var rows: [IonValue] = []
        try state.forEachDocumentId(inTable: tableId) { id in
            let found = activeRevisions(state.revisions(of: id), startMs: startMs, endMs: endMs)
            try tick(found)
            rows += found
            return true
        }
        return rows
    }

    /// The revisions of one document active at some instant of [start, end].
    static func activeRevisions(_ revisions: [Revision], startMs: Int64?, endMs: Int64?) -> [IonValue] {
        var rows: [IonValue] = []
        for (i, revision) in revisions.enumerated() {
            if let endMs, revision.metadata.txTimeMs > endMs { break }
            if let startMs, i + 1 < revisions.count, revisions[i + 1].metadata.txTimeMs < startMs { continue }
            rows.append(revision.ion)
        }
        return rows
    }

    /// Committed-state reads outside any transaction (no OCC bookkeeping).
    public func committedRows(tableId: String) -> [IonValue] {
        state.currentDocuments(of: tableId).map { $0.latest.ion }
    }

    public func history(tableId: String, start: IonTimestamp? = nil, end: IonTimestamp? = nil) -> [IonValue] {
        historyRows(tableId: tableId, startMs: start.map(LedgerTime.milliseconds(of:)), endMs: end.map(LedgerTime.milliseconds(of:)))
    }

    /// `information_schema.user_tables` as committed.
    public func userTableRows() -> [IonValue] {
        state.tableOrder.compactMap { id in
            guard let t = state.table(id) else { return nil }
            return TableState.row(id: t.id, name: t.name, active: t.active, indexes: t.indexes.map { ($0.id, $0.field) })
        }
    }

    /// Id of the active table with this name.
    public func tableId(named name: String) -> String? { state.activeTable(named: name)?.id }
}

import Ion
import PartiQL

/// A table read a few documents at a time, for a streamed query: the
/// committed documents in insertion order, each turned into its rows (read
/// from the state each call, so a page fetched later reads the state of its
/// time — the read set, noted at open, makes the commit fail if the table
/// changed in between), then rows fixed when the scan was opened (this
/// transaction's own documents).
final class LedgerTableScan: CatalogScan {
    private let transaction: LedgerTransaction
    private let tableId: String
    private let rows: (any StateView, String) -> [CatalogDocument]
    private var tail: [CatalogDocument]
    private var position = 0
    private var committedDone: Bool

    init(transaction: LedgerTransaction, tableId: String, committed: Bool, tail: [CatalogDocument] = [],
         rows: @escaping (any StateView, String) -> [CatalogDocument]) {
        self.transaction = transaction
        self.tableId = tableId
        self.rows = rows
        self.tail = tail
        self.committedDone = !committed
    }

    func next(limit: Int) throws -> [CatalogDocument] {
        try transaction.checkOpen()
        var out: [CatalogDocument] = []
        var at = position
        let state = transaction.state
        while out.count < limit && !committedDone {
            let ids = state.documentIds(inTable: tableId, from: at, limit: limit - out.count)
            for (n, id) in ids {
                try transaction.budget?.tick()
                at = n + 1
                out += rows(state, id)
            }
            if ids.isEmpty { committedDone = true }
        }
        position = at
        if out.count < limit && committedDone && !tail.isEmpty {
            let n = min(tail.count, limit - out.count)
            out += tail.prefix(n)
            tail.removeFirst(n)
        }
        return out
    }
}

extension LedgerTransaction {
    public func openScan(table: String) throws -> any CatalogScan {
        try checkOpen()
        let def = try requireActiveTable(table)
        let committed = state.table(def.id)
        if let committed { readSet.noteScan(def.id, counter: committed.writeCounter) }
        // Documents this transaction wrote are not current for it in their committed form.
        let written = Set(writes.keys)
        return LedgerTableScan(transaction: self, tableId: def.id, committed: committed != nil,
                               tail: ownDocuments(in: def) { _ in true }) { state, id in
            guard !written.contains(id), let doc = state.document(id), let data = doc.current else { return [] }
            return [CatalogDocument(id: id, data: data, metadata: doc.latest.metadata.ion)]
        }
    }

    public func openHistoryScan(table: String, start: IonTimestamp?, end: IonTimestamp?) throws -> any CatalogScan {
        try checkOpen()
        let tableId = try historyTableId(table)
        let startMs = start.map(LedgerTime.milliseconds(of:))
        let endMs = end.map(LedgerTime.milliseconds(of:))
        if let startMs, let endMs, startMs > endMs { throw CatalogError("history(): the start time is after the end time") }
        let committed = state.table(tableId)
        if let committed { readSet.noteScan(tableId, counter: committed.writeCounter) }
        return LedgerTableScan(transaction: self, tableId: tableId, committed: committed != nil) { state, id in
            Ledger.activeRevisions(state.revisions(of: id), startMs: startMs, endMs: endMs).map {
                CatalogDocument(id: id, data: $0)
            }
        }
    }

    public func openCommittedScan(table: String) throws -> any CatalogScan {
        try checkOpen()
        let def = try requireActiveTable(table)
        let committed = state.table(def.id)
        if let committed { readSet.noteScan(def.id, counter: committed.writeCounter) }
        return LedgerTableScan(transaction: self, tableId: def.id, committed: committed != nil) { state, id in
            guard let doc = state.document(id), doc.current != nil else { return [] }
            return [CatalogDocument(id: id, data: doc.latest.ion)]
        }
    }
}

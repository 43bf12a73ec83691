import PartiQL

/// `scan(table:)` a few documents at a time, for a streamed query: the
/// committed documents in insertion order (read from the state each call, so
/// a page fetched later reads the state of its time — the read set, noted at
/// open, makes the commit fail if the table changed in between), then this
/// transaction's own documents as they were when the scan was opened.
final class LedgerTableScan: CatalogScan {
    private let transaction: LedgerTransaction
    private let tableId: String
    /// Documents this transaction had written when the scan opened: their
    /// committed revisions are not current for it.
    private let written: Set<String>
    private var own: [CatalogDocument]
    private var position = 0
    private var committedDone: Bool

    init(transaction: LedgerTransaction, tableId: String, committed: Bool, written: Set<String>, own: [CatalogDocument]) {
        self.transaction = transaction
        self.tableId = tableId
        self.written = written
        self.own = own
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
                guard !written.contains(id), let doc = state.document(id), let data = doc.current else { continue }
                out.append(CatalogDocument(id: id, data: data, metadata: doc.latest.metadata.ion))
            }
            if ids.isEmpty { committedDone = true }
        }
        position = at
        if out.count < limit && committedDone && !own.isEmpty {
            let n = min(own.count, limit - out.count)
            out += own.prefix(n)
            own.removeFirst(n)
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
        return LedgerTableScan(transaction: self, tableId: def.id, committed: committed != nil,
                               written: Set(writes.keys), own: ownDocuments(in: def) { _ in true })
    }
}

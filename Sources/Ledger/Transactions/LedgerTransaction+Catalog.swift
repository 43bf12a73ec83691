import Ion
import PartiQL

extension LedgerTransaction: Catalog {
    public var now: IonTimestamp { LedgerTime.timestamp(milliseconds: ledger.clock()) }

    public func activeTables() -> [(name: String, id: String)] {
        allTableIds.compactMap { id in
            guard let def = tableDef(id: id), def.active else { return nil }
            return (def.name, def.id)
        }
    }

    public func bind(budget: StatementBudget?) { self.budget = budget }

    /// One name resolved (and recorded as read, present or absent), not every table listed.
    public func hasActiveTable(named name: String) -> Bool { activeTable(named: name) != nil }

    /// The table's current documents, read one by one within the statement's budget.
    func currentDocuments(of tableId: String) throws -> [DocumentState] {
        var out: [DocumentState] = []
        try state.forEachDocumentId(inTable: tableId) { id in
            try budget?.tick()
            if let doc = state.document(id), let data = doc.current {
                try budget?.chargeHeld(data)
                out.append(doc)
            }
            return true
        }
        return out
    }

    public func indexedFields(table: String) throws -> [String] {
        try checkOpen()
        return try requireActiveTable(table).indexes.map(\.field)
    }

    // MARK: Reads

    public func scan(table: String) throws -> [CatalogDocument] {
        try checkOpen()
        let def = try requireActiveTable(table)
        var out: [CatalogDocument] = []
        if let committed = state.table(def.id) {
            readSet.noteScan(def.id, counter: committed.writeCounter)
            for doc in try currentDocuments(of: def.id) where writes[doc.id] == nil {
                out.append(CatalogDocument(id: doc.id, data: doc.current!, metadata: doc.latest.metadata.ion))
            }
        }
        out += ownDocuments(in: def) { _ in true }
        return out
    }

    public func lookup(table: String, field: String, value: IonValue) throws -> [CatalogDocument] {
        try checkOpen()
        let def = try requireActiveTable(table)
        var out: [CatalogDocument] = []
        let key = IndexKey.of(value)
        if state.table(def.id) != nil {
            let matches: [DocumentState]
            if let indexed = state.lookup(tableId: def.id, field: field, key: key) {
                var results: [String: Int] = [:]
                for doc in indexed { results[doc.id] = doc.version }
                readSet.noteIndexKey(def.id, field, value, results)
                matches = indexed
            } else {
                // No committed index on the field (yet): fall back to a scan.
                readSet.noteScan(def.id, counter: state.table(def.id)!.writeCounter)
                matches = try currentDocuments(of: def.id).filter { $0.current?[field: field].map(IndexKey.of) == key }
            }
            for doc in matches where writes[doc.id] == nil {
                out.append(CatalogDocument(id: doc.id, data: doc.current!, metadata: doc.latest.metadata.ion))
            }
        }
        out += ownDocuments(in: def) { $0[field: field].map(IndexKey.of) == key }
        return out
    }

    func ownDocuments(in def: TableDef, where match: (IonValue) -> Bool) -> [CatalogDocument] {
        writeOrder.compactMap { id in
            guard let w = writes[id], w.tableId == def.id, let data = w.data, match(data) else { return nil }
            return CatalogDocument(id: id, data: data)
        }
    }

    public func document(table: String, id: String) throws -> CatalogDocument? {
        try checkOpen()
        let def = try requireActiveTable(table)
        guard let current = currentData(id, in: def) else { return nil }
        return CatalogDocument(id: id, data: current.data, metadata: current.metadata)
    }

    public func committedView(table: String) throws -> [IonValue] {
        try checkOpen()
        let def = try requireActiveTable(table)
        guard let committed = state.table(def.id) else { return [] }
        readSet.noteScan(def.id, counter: committed.writeCounter)
        return try currentDocuments(of: def.id).map { $0.latest.ion }
    }

    /// `history()`'s first argument: an active table's name, or any table's id.
    func historyTableId(_ table: String) throws -> String {
        if let def = activeTable(named: table) { return def.id }
        if state.table(table) != nil { return table }
        throw CatalogError("No such table: \(table)")
    }

    public func history(table: String, start: IonTimestamp?, end: IonTimestamp?) throws -> [IonValue] {
        try checkOpen()
        let tableId = try historyTableId(table)
        let startMs = start.map(LedgerTime.milliseconds(of:))
        let endMs = end.map(LedgerTime.milliseconds(of:))
        if let startMs, let endMs, startMs > endMs { throw CatalogError("history(): the start time is after the end time") }
        guard let committed = state.table(tableId) else { return [] }
        readSet.noteScan(tableId, counter: committed.writeCounter)
        return try Ledger.historyRows(in: state, tableId: tableId, startMs: startMs, endMs: endMs) { rows in
            try budget?.tick()
            for row in rows { try budget?.chargeHeld(row) }
        }
    }

    public func history(table: String, start: IonTimestamp?, end: IonTimestamp?, documentId: String) throws -> [IonValue] {
        try checkOpen()
        let tableId = try historyTableId(table)
        let startMs = start.map(LedgerTime.milliseconds(of:))
        let endMs = end.map(LedgerTime.milliseconds(of:))
        if let startMs, let endMs, startMs > endMs { throw CatalogError("history(): the start time is after the end time") }
        guard state.table(tableId) != nil else { return [] }
        // The rows depend on this one document only: a conflict is a new revision of it.
        let doc = state.document(documentId)
        readSet.noteDocument(documentId, version: doc?.version)
        guard doc?.tableId == tableId else { return [] }
        return Ledger.activeRevisions(state.revisions(of: documentId), startMs: startMs, endMs: endMs)
    }

    public func userTables() throws -> [IonValue] {
        try checkOpen()
        readSet.allTables = readSet.allTables ?? state.ddlCounter
        return allTableIds.compactMap { tableDef(id: $0)?.row }
    }

    // MARK: Writes

    public func insert(table: String, document: IonValue) throws -> String {
        try checkOpen()
        let def = try requireActiveTable(table)
        let id = ledger.ids.next()
        try buffer(id, table: def, data: document)
        return id
    }

    public func update(table: String, id: String, document: IonValue) throws {
        try checkOpen()
        let def = try requireActiveTable(table)
        guard currentData(id, in: def) != nil else { throw CatalogError("Document \(id) does not exist in table \(table)") }
        try buffer(id, table: def, data: document)
    }

    public func delete(table: String, id: String) throws {
        try checkOpen()
        let def = try requireActiveTable(table)
        guard currentData(id, in: def) != nil else { throw CatalogError("Document \(id) does not exist in table \(table)") }
        if writes[id] != nil && state.document(id) == nil {
            unbuffer(id)  // inserted by this transaction: nothing to journal
        } else {
            try buffer(id, table: def, data: nil)
        }
    }

    // MARK: DDL

    public func createTable(name: String, tags: [(String, String)]) throws -> String {
        try checkOpen()
        try LedgerTransaction.validateName(name, what: "Table name")
        guard !name.hasPrefix("_ql_") else { throw CatalogError("Table names starting with _ql_ are reserved") }
        guard activeTable(named: name) == nil else { throw CatalogError("A table named \(name) already exists") }
        try checkTableCounts(addingActive: true, addingTotal: true)
        let id = ledger.ids.next()
        change(TableDef(id: id, name: name, active: true, indexes: []))
        return id
    }

    public func dropTable(name: String) throws -> String {
        try checkOpen()
        var def = try requireActiveTable(name)
        def.active = false
        change(def)
        return def.id
    }

    public func undropTable(id: String) throws -> String {
        try checkOpen()
        readSet.noteCatalog(id, version: state.table(id)?.catalogVersion)
        guard var def = tableDef(id: id) else { throw CatalogError("No table with id \(id)") }
        guard !def.active else { throw CatalogError("Table \(id) is not dropped") }
        guard activeTable(named: def.name) == nil else { throw CatalogError("An active table named \(def.name) already exists") }
        try checkTableCounts(addingActive: true, addingTotal: false)
        def.active = true
        change(def)
        return def.id
    }

    public func createIndex(table: String, field: String) throws -> String {
        try checkOpen()
        var def = try requireActiveTable(table)
        guard !field.isEmpty, field.count <= 128 else { throw CatalogError("Invalid index field name '\(field)'") }
        guard !def.indexes.contains(where: { $0.field == field }) else {
            throw CatalogError("Table \(table) already has an index on \(field)")
        }
        guard def.indexes.count < limits.indexesPerTable else {
            throw LimitExceeded(limit: "indexesPerTable", message: "Table \(table) already has \(limits.indexesPerTable) indexes")
        }
        def.indexes.append((ledger.ids.next(), field))
        change(def)
        return def.id
    }

    public func dropIndex(table: String, indexID: String) throws -> String {
        try checkOpen()
        var def = try requireActiveTable(table)
        guard let i = def.indexes.firstIndex(where: { $0.id == indexID }) else {
            throw CatalogError("Table \(table) has no index \(indexID)")
        }
        def.indexes.remove(at: i)
        change(def)
        return def.id
    }

    public func redactRevision(blockAddress: IonValue, tableID: String, documentID: String) throws -> IonValue {
        try checkOpen()
        guard redactions.count < limits.redactionsPerTransaction else {
            throw LimitExceeded(limit: "redactionsPerTransaction",
                                message: "At most \(limits.redactionsPerTransaction) revision can be redacted per transaction")
        }
        let address: BlockAddress
        do { address = try BlockAddress(ion: blockAddress) } catch { throw CatalogError("Invalid block address: \(error)") }
        guard address.strandId == ledger.strandId, let doc = state.document(documentID), doc.tableId == tableID,
              let revision = state.revisions(of: documentID).first(where: { $0.blockAddress == address }) else {
            throw CatalogError("No revision of document \(documentID) in table \(tableID) at \(address)")
        }
        let request = RedactionRequest(blockAddress: address, tableId: tableID, documentId: documentID,
                                       version: revision.metadata.version)
        guard state.redactionTarget(request) != nil else {
            throw CatalogError("Only an inactive (not latest), not deleted, not yet redacted revision can be redacted")
        }
        readSet.redactions.append(request)
        redactions.append(request)
        return request.ion
    }

    // MARK: Helpers

    func checkTableCounts(addingActive: Bool, addingTotal: Bool) throws {
        let defs = allTableIds.compactMap { tableDef(id: $0) }
        if addingActive && defs.filter(\.active).count >= limits.activeTables {
            throw LimitExceeded(limit: "activeTables", message: "The ledger already has \(limits.activeTables) active tables")
        }
        if addingTotal && defs.count >= limits.totalTables {
            throw LimitExceeded(limit: "totalTables", message: "The ledger already has \(limits.totalTables) tables")
        }
    }

    /// Table names: 1–128 characters, `[A-Za-z_][A-Za-z0-9_]*`.
    static func validateName(_ name: String, what: String) throws {
        let chars = Array(name.utf8)
        func ok(_ c: UInt8, first: Bool) -> Bool {
            (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || (!first && c >= 48 && c <= 57)
        }
        guard !chars.isEmpty, chars.count <= 128, ok(chars[0], first: true), chars.dropFirst().allSatisfy({ ok($0, first: false) }) else {
            throw CatalogError("\(what) '\(name)' is invalid: 1-128 characters, [A-Za-z_][A-Za-z0-9_]*")
        }
    }
}

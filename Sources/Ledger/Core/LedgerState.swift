import Ion

/// An equality index on one top-level field, keyed by `IndexKey` (equal for
/// values PartiQL's `=` calls equal; a SHA-256 of a canonical form). The
/// engine re-applies its WHERE clause to what a lookup returns.
struct IndexState: Sendable {
    var id: String
    var field: String
    var entries: [[UInt8]: [String]] = [:]

    init(id: String, field: String) {
        self.id = id
        self.field = field
    }

    func key(of data: IonValue?) -> [UInt8]? { data?[field: field].map(IndexKey.of) }

    mutating func add(_ documentId: String, _ data: IonValue?) {
        guard let key = key(of: data) else { return }
        entries[key, default: []].append(documentId)
    }

    mutating func remove(_ documentId: String, _ data: IonValue?) {
        guard let key = key(of: data), var ids = entries[key] else { return }
        ids.removeAll { $0 == documentId }
        entries[key] = ids.isEmpty ? nil : ids
    }
}

struct TableState: Sendable {
    var id: String
    var name: String
    var active: Bool
    var indexes: [IndexState] = []
    /// Version of this table's catalog document (its DDL history).
    var catalogVersion: Int
    /// Bumped on every revision written to the table: what a scan's OCC check compares.
    var writeCounter = 0
    /// Every document ever inserted, in insertion order (deleted ones included).
    var documentIds: [String] = []

    func index(on field: String) -> IndexState? { indexes.first { $0.field == field } }

    /// The catalog row, as journaled and as `information_schema.user_tables` shows it.
    static func row(id: String, name: String, active: Bool, indexes: [(id: String, field: String)]) -> IonValue {
        .struct([
            ("name", .string(name)), ("tableId", .string(id)), ("status", .string(active ? "ACTIVE" : "INACTIVE")),
            ("indexes", .list(indexes.map { .struct([("indexId", .string($0.id)), ("expr", .string("[\($0.field)]")),
                                                       ("status", .string("ONLINE"))]) })),
        ])
    }

    static func parseRow(_ row: IonValue) throws -> (id: String, name: String, active: Bool, indexes: [(id: String, field: String)]) {
        let status = try IonRead.string(row, "status")
        guard status == "ACTIVE" || status == "INACTIVE" else { throw LedgerDecodingError("table status \(status)") }
        let indexes = try IonRead.list(row, "indexes").map { index -> (id: String, field: String) in
            let expr = try IonRead.string(index, "expr")
            guard expr.hasPrefix("["), expr.hasSuffix("]"), expr.count >= 3 else { throw LedgerDecodingError("index expr \(expr)") }
            return (try IonRead.string(index, "indexId"), String(expr.dropFirst().dropLast()))
        }
        return (try IonRead.string(row, "tableId"), try IonRead.string(row, "name"), status == "ACTIVE", indexes)
    }
}

struct DocumentState: Sendable {
    var id: String
    var tableId: String
    var revisions: [Revision]

    var latest: Revision { revisions[revisions.count - 1] }
    var version: Int { latest.metadata.version }
    /// Current data; nil once deleted (the latest revision is never redacted).
    var current: IonValue? { latest.data }
}

/// Current state and history of every table and document, rebuilt from the
/// journal block by block. Only `apply(_:)` mutates it.
struct LedgerState: Sendable {
    var tables: [String: TableState] = [:]
    var tableOrder: [String] = []
    var documents: [String: DocumentState] = [:]
    /// Bumped by every catalog (DDL) revision.
    var ddlCounter = 0
    var lastTimestampMs: Int64 = .min
    /// QLDB's IndexedStorage, estimated: every revision's data (history is
    /// indexed too) plus its metadata, and one key and id per index entry.
    var indexedBytes = 0

    static let revisionOverhead = 64
    static let indexEntryBytes = 32 + 22
    static func dataBytes(_ data: IonValue?) -> Int { data.map { BlockCodec.encodedSize($0) } ?? 0 }

    func activeTable(named name: String) -> TableState? {
        for id in tableOrder { if let t = tables[id], t.active, t.name == name { return t } }
        return nil
    }

    /// Current (non-deleted) documents of a table, in insertion order.
    func currentDocuments(of tableId: String) -> [DocumentState] {
        guard let table = tables[tableId] else { return [] }
        return table.documentIds.compactMap { id in
            guard let doc = documents[id], doc.current != nil else { return nil }
            return doc
        }
    }

    /// Documents whose `field` equals `value` under PartiQL's `=` (see
    /// `IndexKey`), via the table's index; nil without one.
    func lookup(tableId: String, field: String, value: IonValue) -> [DocumentState]? {
        guard let index = tables[tableId]?.index(on: field) else { return nil }
        let ids = index.entries[IndexKey.of(value)] ?? []
        return ids.compactMap { id in
            guard let doc = documents[id], doc.current != nil else { return nil }
            return doc
        }
    }

    mutating func apply(_ block: Block) throws {
        let owners = try block.documentTables()
        func owner(_ revision: Revision) throws -> String {
            guard let o = owners[revision.metadata.id] else {
                throw LedgerDecodingError("revision of \(revision.metadata.id) not listed in transactionInfo.documents")
            }
            return o.tableId
        }
        // DDL first: a transaction may create a table and write to it.
        for revision in block.revisions where try owner(revision) == Ledger.catalogTableId {
            try applyCatalog(revision)
        }
        for revision in block.revisions {
            let tableId = try owner(revision)
            if tableId != Ledger.catalogTableId { try applyDocument(revision, tableId: tableId) }
        }
        for request in try block.redactions() { try redact(request) }
        lastTimestampMs = max(lastTimestampMs, block.timestampMs)
    }

    /// Why `apply(block)` would fail, or nil — the same checks, without
    /// mutating anything (a block received from another node is checked before
    /// it touches the store or the state).
    func problem(applying block: Block) -> String? {
        let owners: [String: (tableId: String, tableName: String)]
        do { owners = try block.documentTables() } catch { return "\(error)" }
        for revision in block.revisions where owners[revision.metadata.id] == nil {
            return "revision of \(revision.metadata.id) not listed in transactionInfo.documents"
        }
        var catalogVersions: [String: Int] = [:]
        for revision in block.revisions where owners[revision.metadata.id]!.tableId == Ledger.catalogTableId {
            guard let data = revision.data else { return "catalog revision without data" }
            guard let row = try? TableState.parseRow(data) else { return "malformed catalog row of \(revision.metadata.id)" }
            guard row.id == revision.metadata.id else { return "catalog row id differs from document id" }
            let current = catalogVersions[row.id] ?? tables[row.id]?.catalogVersion ?? -1
            guard revision.metadata.version == current + 1 else {
                return "catalog version \(revision.metadata.version) of table \(row.id) does not follow \(current)"
            }
            catalogVersions[row.id] = revision.metadata.version
        }
        // document id -> (table, version, has data) after the revisions seen so far
        var written: [String: (tableId: String, version: Int, live: Bool)] = [:]
        for revision in block.revisions {
            let tableId = owners[revision.metadata.id]!.tableId
            if tableId == Ledger.catalogTableId { continue }
            guard tables[tableId] != nil || catalogVersions[tableId] != nil else { return "write to unknown table \(tableId)" }
            let id = revision.metadata.id
            let before = written[id] ?? documents[id].map { ($0.tableId, $0.version, !$0.latest.isDeleted) }
            if let existing = before {
                guard existing.tableId == tableId, revision.metadata.version == existing.version + 1, existing.live else {
                    return "revision \(revision.metadata.version) of \(id) does not follow version \(existing.version)"
                }
            } else {
                guard revision.metadata.version == 0, !revision.isDeleted else {
                    return "first revision of \(id) must be an insert at version 0"
                }
            }
            written[id] = (tableId, revision.metadata.version, !revision.isDeleted)
        }
        let requests: [RedactionRequest]
        do { requests = try block.redactions() } catch { return "\(error)" }
        var redacted = Set<RedactionRequest>()
        for r in requests {
            // As `redactionTarget`, with this block's own revisions counted as newer ones.
            guard let doc = documents[r.documentId], doc.tableId == r.tableId,
                  let i = doc.revisions.firstIndex(where: { $0.metadata.version == r.version }),
                  i < doc.revisions.count - 1 || written[r.documentId] != nil,
                  doc.revisions[i].blockAddress == r.blockAddress, !doc.revisions[i].isDeleted,
                  redacted.insert(r).inserted else {
                return "redaction of \(r.documentId) version \(r.version) names no redactable revision"
            }
        }
        return nil
    }

    private mutating func applyCatalog(_ revision: Revision) throws {
        guard let data = revision.data else { throw LedgerDecodingError("catalog revision without data") }
        let row = try TableState.parseRow(data)
        guard row.id == revision.metadata.id else { throw LedgerDecodingError("catalog row id differs from document id") }
        var table = tables[row.id] ?? TableState(id: row.id, name: row.name, active: row.active, catalogVersion: -1)
        guard revision.metadata.version == table.catalogVersion + 1 else {
            throw LedgerDecodingError("catalog version \(revision.metadata.version) of table \(row.id) does not follow \(table.catalogVersion)")
        }
        if tables[row.id] == nil { tableOrder.append(row.id) }
        table.name = row.name
        table.active = row.active
        table.catalogVersion = revision.metadata.version
        var indexes: [IndexState] = []
        for (id, field) in row.indexes {
            if let existing = table.indexes.first(where: { $0.id == id }) {
                indexes.append(existing)
            } else {
                var index = IndexState(id: id, field: field)
                for docId in table.documentIds where documents[docId]?.current != nil {
                    index.add(docId, documents[docId]?.current)
                    indexedBytes += LedgerState.indexEntryBytes
                }
                indexes.append(index)
            }
        }
        table.indexes = indexes
        tables[row.id] = table
        ddlCounter += 1
    }

    private mutating func applyDocument(_ revision: Revision, tableId: String) throws {
        guard tables[tableId] != nil else { throw LedgerDecodingError("write to unknown table \(tableId)") }
        let id = revision.metadata.id
        if let existing = documents[id] {
            guard existing.tableId == tableId, revision.metadata.version == existing.version + 1, !existing.latest.isDeleted else {
                throw LedgerDecodingError("revision \(revision.metadata.version) of \(id) does not follow version \(existing.version)")
            }
            for i in tables[tableId]!.indexes.indices { tables[tableId]!.indexes[i].remove(id, existing.current) }
            indexedBytes -= LedgerState.indexEntryBytes * tables[tableId]!.indexes.count
            documents[id]!.revisions.append(revision)
        } else {
            guard revision.metadata.version == 0, !revision.isDeleted else {
                throw LedgerDecodingError("first revision of \(id) must be an insert at version 0")
            }
            documents[id] = DocumentState(id: id, tableId: tableId, revisions: [revision])
            tables[tableId]!.documentIds.append(id)
        }
        for i in tables[tableId]!.indexes.indices { tables[tableId]!.indexes[i].add(id, revision.data) }
        // An erased revision (replayed after its redaction) counts as its dataHash, as after a live redaction.
        indexedBytes += (revision.isRedacted ? SHA256.byteCount : LedgerState.dataBytes(revision.data)) + LedgerState.revisionOverhead
        if !revision.isDeleted { indexedBytes += LedgerState.indexEntryBytes * tables[tableId]!.indexes.count }
        tables[tableId]!.writeCounter += 1
    }

    /// Where a redaction request points, if it names a redactable revision:
    /// inactive (not the latest), not deleted, not already redacted.
    func redactionTarget(_ r: RedactionRequest) -> Int? {
        guard let doc = documents[r.documentId], doc.tableId == r.tableId,
              let i = doc.revisions.firstIndex(where: { $0.metadata.version == r.version }),
              i < doc.revisions.count - 1, doc.revisions[i].blockAddress == r.blockAddress,
              doc.revisions[i].data != nil else { return nil }
        return i
    }

    private mutating func redact(_ request: RedactionRequest) throws {
        if let doc = documents[request.documentId],
           let i = doc.revisions.firstIndex(where: { $0.metadata.version == request.version }),
           doc.revisions[i].blockAddress == request.blockAddress, doc.revisions[i].isRedacted {
            return  // erased from the journal already; replaying the redaction changes nothing
        }
        guard let i = redactionTarget(request) else {
            throw LedgerDecodingError("redaction of \(request.documentId) version \(request.version) names no redactable revision")
        }
        indexedBytes -= LedgerState.dataBytes(documents[request.documentId]!.revisions[i].data) - SHA256.byteCount
        documents[request.documentId]!.revisions[i] = documents[request.documentId]!.revisions[i].redacted()
    }
}

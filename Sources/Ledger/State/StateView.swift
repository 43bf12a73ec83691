import Ion

/// Read access to a ledger's committed state as of one applied block: what
/// transactions, views, proofs and the apply step read. Implemented by the
/// in-memory `LedgerState` (a copy-on-write value, so a copy is a snapshot).
protocol StateView {
    /// Table ids in creation order (a ledger has at most a few dozen).
    var tableOrder: [String] { get }
    func table(_ id: String) -> TableState?
    /// The table's catalog row, its `writeCounter` not read (0, or an older
    /// value): what resolving a table's name needs, without its counters.
    func catalogRow(_ id: String) -> TableState?
    func document(_ id: String) -> DocumentState?
    /// The document's latest version, without reading the revision (a
    /// commit's conflict check needs only this).
    func documentVersion(_ id: String) -> Int?
    /// Every revision of the document, oldest first.
    func revisions(of documentId: String) -> [Revision]
    func revision(of documentId: String, version: Int) -> Revision?
    /// Up to `limit` of the documents ever inserted into the table (deleted
    /// ones included), in insertion order from insertion `position` on, each
    /// with its position: a scan reads a table this way a page at a time.
    func documentIds(inTable tableId: String, from position: Int, limit: Int) -> [(position: Int, id: String)]
    /// The documents whose indexed field has `key` (see `IndexKey`), in insertion order.
    func indexedDocumentIds(indexId: String, key: [UInt8]) -> [String]
    /// Every entry of an index (audits and tests compare stores with it).
    func indexContents(indexId: String) -> [[UInt8]: [String]]
    func blockSummary(_ sequenceNo: Int) -> BlockSummary?
    /// `blockSummary(sequenceNo)?.blockHash` (the LMDB store decodes no more of the summary).
    func blockHash(_ sequenceNo: Int) -> [UInt8]?
    /// The journal Merkle tree's node (see `MerkleNodes`); only stored nodes are asked for.
    func merkleNode(_ height: Int, _ index: Int) -> [UInt8]
    var counters: StateCounters { get }
}

/// The journal Merkle tree over a state's stored nodes.
struct StateMerkle: MerkleNodes {
    let state: any StateView
    var count: Int { state.counters.blockCount }
    func node(_ height: Int, _ index: Int) -> [UInt8] { state.merkleNode(height, index) }
}

extension StateView {
    func documentVersion(_ id: String) -> Int? { document(id)?.version }
    func blockHash(_ sequenceNo: Int) -> [UInt8]? { blockSummary(sequenceNo)?.blockHash }

    /// id → latest version of the documents `lookup` finds, without reading
    /// them: an index holds only current documents (the apply step removes a
    /// document's entries before each new revision and adds the new data's),
    /// so the ids it lists are `lookup`'s. nil without an index.
    func lookupVersions(tableId: String, field: String, value: IonValue) -> [String: Int]? {
        guard let index = table(tableId)?.index(on: field) else { return nil }
        var out: [String: Int] = [:]
        for id in indexedDocumentIds(indexId: index.id, key: IndexKey.of(value)) {
            if let version = documentVersion(id) { out[id] = version }
        }
        return out
    }

    var ddlCounter: Int { counters.ddlCounter }
    var lastTimestampMs: Int64 { counters.lastTimestampMs }
    var indexedBytes: Int { counters.indexedBytes }
    var blockCount: Int { counters.blockCount }

    /// The active table of that name, as its catalog row (`catalogRow`: no counters).
    func activeTable(named name: String) -> TableState? {
        for id in tableOrder { if let t = catalogRow(id), t.active, t.name == name { return t } }
        return nil
    }

    func catalogRow(_ id: String) -> TableState? { table(id) }

    /// Every document ever inserted into the table (deleted ones included),
    /// in insertion order, read a page at a time; `visit` returns false to stop.
    func forEachDocumentId(inTable tableId: String, _ visit: (String) throws -> Bool) rethrows {
        var position = 0
        while true {
            let page = documentIds(inTable: tableId, from: position, limit: Self.idPageSize)
            for (_, id) in page where try !visit(id) { return }
            guard let last = page.last, page.count == Self.idPageSize else { return }
            position = last.position + 1
        }
    }

    /// Every document id of the table at once (tests, the demo, index builds).
    func documentIds(inTable tableId: String) -> [String] {
        var out: [String] = []
        forEachDocumentId(inTable: tableId) { out.append($0); return true }
        return out
    }

    static var idPageSize: Int { 256 }

    /// Current (non-deleted) documents of a table, in insertion order.
    func currentDocuments(of tableId: String) -> [DocumentState] {
        var out: [DocumentState] = []
        forEachDocumentId(inTable: tableId) { id in
            if let doc = document(id), doc.current != nil { out.append(doc) }
            return true
        }
        return out
    }

    /// Documents whose `field` equals `value` under PartiQL's `=` (see
    /// `IndexKey`), via the table's index; nil without one.
    func lookup(tableId: String, field: String, value: IonValue) -> [DocumentState]? {
        lookup(tableId: tableId, field: field, key: IndexKey.of(value))
    }

    /// `lookup(tableId:field:value:)` for a value whose `IndexKey` the caller already has.
    func lookup(tableId: String, field: String, key: [UInt8]) -> [DocumentState]? {
        guard let index = table(tableId)?.index(on: field) else { return nil }
        return indexedDocumentIds(indexId: index.id, key: key).compactMap { id in
            guard let doc = document(id), doc.current != nil else { return nil }
            return doc
        }
    }

    /// Where a redaction request points, if it names a redactable revision:
    /// inactive (not the latest), not deleted, not already redacted.
    func redactionTarget(_ r: RedactionRequest) -> Revision? {
        guard let doc = document(r.documentId), doc.tableId == r.tableId, r.version < doc.version,
              let revision = revision(of: r.documentId, version: r.version),
              revision.blockAddress == r.blockAddress, revision.data != nil else { return nil }
        return revision
    }
}

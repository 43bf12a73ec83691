/// The ledger's state in memory: dictionaries in a value type, so a copy is
/// an O(1) copy-on-write snapshot that a statement may read on another
/// thread while the ledger applies blocks to its own.
struct LedgerState: StateWriter, Sendable {
    private struct Document: Sendable {
        var tableId: String
        var revisions: [Revision]
    }

    private(set) var tableOrder: [String] = []
    private var tables: [String: TableState] = [:]
    private var documents: [String: Document] = [:]
    private var tableDocuments: [String: [String]] = [:]
    /// index id -> key -> document ids in insertion order
    private var indexEntries: [String: [[UInt8]: [String]]] = [:]
    private var blocks: [BlockSummary] = []
    private var merkle = MerkleAccumulator()
    private(set) var counters = StateCounters()

    func blockSummary(_ sequenceNo: Int) -> BlockSummary? {
        sequenceNo >= 0 && sequenceNo < blocks.count ? blocks[sequenceNo] : nil
    }

    func merkleNode(_ height: Int, _ index: Int) -> [UInt8] { merkle.node(height, index) }

    mutating func putBlockSummary(_ sequenceNo: Int, _ summary: BlockSummary) {
        precondition(sequenceNo == blocks.count, "block summaries are stored in order")
        blocks.append(summary)
    }

    mutating func putMerkleNode(_ height: Int, _ index: Int, _ hash: [UInt8]) {
        merkle.setNode(height, index, hash)
        if height == 0 { merkle.setCount(index + 1) }
    }

    func table(_ id: String) -> TableState? { tables[id] }

    func document(_ id: String) -> DocumentState? {
        guard let d = documents[id], let latest = d.revisions.last else { return nil }
        return DocumentState(id: id, tableId: d.tableId, latest: latest)
    }

    func revisions(of documentId: String) -> [Revision] { documents[documentId]?.revisions ?? [] }

    func revision(of documentId: String, version: Int) -> Revision? {
        guard let revisions = documents[documentId]?.revisions, version >= 0, version < revisions.count else { return nil }
        return revisions[version]
    }

    func documentIds(inTable tableId: String, from position: Int, limit: Int) -> [(position: Int, id: String)] {
        guard let ids = tableDocuments[tableId], position < ids.count, limit > 0 else { return [] }
        let end = min(ids.count, position + limit)
        return (position..<end).map { ($0, ids[$0]) }
    }

    func indexedDocumentIds(indexId: String, key: [UInt8]) -> [String] { indexEntries[indexId]?[key] ?? [] }

    func indexContents(indexId: String) -> [[UInt8]: [String]] { indexEntries[indexId] ?? [:] }

    mutating func putTable(_ table: TableState) {
        if tables[table.id] == nil { tableOrder.append(table.id) }
        tables[table.id] = table
    }

    mutating func appendDocument(_ documentId: String, toTable tableId: String) {
        tableDocuments[tableId, default: []].append(documentId)
    }

    mutating func appendRevision(_ revision: Revision, tableId: String, encodedData: [UInt8]?) {
        let id = revision.metadata.id
        if documents[id] == nil {
            documents[id] = Document(tableId: tableId, revisions: [revision])
        } else {
            documents[id]!.revisions.append(revision)
        }
        assert(documents[id]!.revisions.count == revision.metadata.version + 1, "revision versions are dense from 0")
    }

    mutating func replaceRevision(_ revision: Revision) {
        let id = revision.metadata.id, version = revision.metadata.version
        guard let count = documents[id]?.revisions.count, version < count else { return }
        documents[id]!.revisions[version] = revision
    }

    mutating func addIndexEntry(indexId: String, key: [UInt8], documentId: String) {
        indexEntries[indexId, default: [:]][key, default: []].append(documentId)
    }

    mutating func removeIndexEntry(indexId: String, key: [UInt8], documentId: String) {
        guard var ids = indexEntries[indexId]?[key] else { return }
        ids.removeAll { $0 == documentId }
        indexEntries[indexId]![key] = ids.isEmpty ? nil : ids
    }

    mutating func dropIndex(_ indexId: String) { indexEntries[indexId] = nil }

    mutating func setCounters(_ counters: StateCounters) { self.counters = counters }
}

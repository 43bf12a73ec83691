import Ion
import LMDB

/// Reads of the state through one LMDB transaction: a snapshot, or the
/// writer's own (which sees what it wrote so far).
struct LMDBStateReads {
    let txn: Transaction
    let dbs: LMDBStateStore.Databases
    /// The store's decoded catalog rows, for reads of its latest state (nil in snapshots).
    let rows: TableRowCache?

    /// A failed read means a damaged store: stop rather than serve a wrong answer.
    func get(_ db: Database, _ key: [UInt8]) -> [UInt8]? {
        do {
            return try txn.get(db, key)
        } catch {
            preconditionFailure("state store read failed (\(error)); the store is rebuilt from the journal at the next start")
        }
    }

    func scan(_ db: Database, prefix: [UInt8], _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool) {
        do {
            try txn.scan(db, prefix: prefix) { key, value in visit(key, value) }
        } catch {
            preconditionFailure("state store scan failed (\(error)); the store is rebuilt from the journal at the next start")
        }
    }

    func decoded<T>(_ what: String, _ body: () throws -> T) -> T {
        do {
            return try body()
        } catch {
            preconditionFailure("state store holds a malformed \(what) (\(error)); the store is rebuilt at the next start")
        }
    }

    static let countersKey = Array("counters".utf8)
    static let tableOrderKey = Array("tableOrder".utf8)

    var counters: StateCounters {
        guard let bytes = get(dbs.meta, Self.countersKey) else { return StateCounters() }
        return decoded("counters") { try LMDBStateLayout.decodeCounters(bytes) }
    }

    var tableOrder: [String] {
        if let order = rows?.order { return order }
        guard let bytes = get(dbs.meta, Self.tableOrderKey) else { return [] }
        let order = decoded("table order") { try LMDBStateLayout.decodeStrings(bytes) }
        rows?.order = order
        return order
    }

    /// The table's catalog row, `writeCounter` not read (from the store's cache of decoded rows when it has it).
    func catalogRow(_ id: String) -> TableState? {
        if let cached = rows?.row(id) { return cached }
        guard let bytes = get(dbs.tables, Array(id.utf8)) else { return nil }
        let table = decoded("table") { try LMDBStateLayout.decodeTableRow(bytes) }
        rows?.set(table)
        return table
    }

    func tableRecord(_ id: String) -> (table: TableState, documentCount: Int)? {
        let key = Array(id.utf8)
        guard var table = catalogRow(id) else { return nil }
        let counts = decoded("table counters") { () throws -> (writeCounter: Int, documentCount: Int) in
            guard let bytes = get(dbs.tableCounters, key) else { throw LedgerDecodingError("table \(id) has no counters") }
            return try LMDBStateLayout.decodeTableCounters(bytes)
        }
        table.writeCounter = counts.writeCounter
        return (table, counts.documentCount)
    }

    func head(_ id: String) -> (tableId: String, version: Int)? {
        guard let bytes = get(dbs.heads, Array(id.utf8)) else { return nil }
        return decoded("document head") { try LMDBStateLayout.parseHead(bytes) }
    }

    func revision(of documentId: String, version: Int) -> Revision? {
        guard version >= 0, let bytes = get(dbs.revisions, LMDBStateLayout.revisionKey(documentId, version)) else { return nil }
        return decoded("revision") { try LMDBStateLayout.decodeRevision(bytes) }
    }

    func document(_ id: String) -> DocumentState? {
        guard let head = head(id), let latest = revision(of: id, version: head.version) else { return nil }
        return DocumentState(id: id, tableId: head.tableId, latest: latest)
    }

    func revisions(of documentId: String) -> [Revision] {
        var out: [Revision] = []
        scan(dbs.revisions, prefix: Array(documentId.utf8)) { _, value in
            out.append(decoded("revision") { try LMDBStateLayout.decodeRevision(Array(value)) })
            return true
        }
        return out
    }

    /// Keys are table id + big-endian insertion position: a range read.
    func documentIds(inTable tableId: String, from position: Int, limit: Int) -> [(position: Int, id: String)] {
        guard limit > 0 else { return [] }
        var out: [(position: Int, id: String)] = []
        let lower = LMDBStateLayout.tableDocumentKey(tableId, max(0, position))
        let upper = Key.successor(ofPrefix: Array(tableId.utf8))
        do {
            try txn.scan(dbs.tableDocuments, from: lower, below: upper) { key, value in
                guard let n = Key.readUInt64(key, at: key.count - 8) else { return false }
                out.append((Int(n), String(decoding: value, as: UTF8.self)))
                return out.count < limit
            }
        } catch {
            preconditionFailure("state store scan failed (\(error)); the store is rebuilt from the journal at the next start")
        }
        return out
    }

    /// Index entries are keyed indexId + key + documentId: ids come back in id order.
    func indexedDocumentIds(indexId: String, key: [UInt8]) -> [String] {
        let prefix = LMDBStateLayout.indexPrefix(indexId, key)
        var out: [String] = []
        scan(dbs.indexes, prefix: prefix) { k, _ in
            out.append(String(decoding: k[prefix.count...], as: UTF8.self))
            return true
        }
        return out
    }

    func indexContents(indexId: String) -> [[UInt8]: [String]] {
        let idLength = indexId.utf8.count
        var out: [[UInt8]: [String]] = [:]
        scan(dbs.indexes, prefix: Array(indexId.utf8)) { k, _ in
            guard k.count > idLength + 22 else { return true }
            let key = Array(k[idLength..<(k.count - 22)])
            out[key, default: []].append(String(decoding: k[(k.count - 22)...], as: UTF8.self))
            return true
        }
        return out
    }

    func blockSummary(_ sequenceNo: Int) -> BlockSummary? {
        guard sequenceNo >= 0, let bytes = get(dbs.blocks, Key.uint64(UInt64(sequenceNo))) else { return nil }
        return decoded("block summary") { try LMDBStateLayout.decodeSummary(bytes) }
    }

    func blockHash(_ sequenceNo: Int) -> [UInt8]? {
        guard sequenceNo >= 0, let bytes = get(dbs.blocks, Key.uint64(UInt64(sequenceNo))) else { return nil }
        return decoded("block summary") { try LMDBStateLayout.summaryBlockHash(bytes) }
    }

    func merkleNode(_ height: Int, _ index: Int) -> [UInt8] {
        guard let bytes = get(dbs.merkle, LMDBStateLayout.merkleKey(height, index)) else {
            preconditionFailure("state store has no Merkle node \(height)/\(index)")
        }
        return bytes
    }
}

/// A read-only view of the state store at one commit (a read transaction),
/// or of an open batch (its write transaction: `LMDBStateStore+Batch`, with
/// the batch's counters and table records not yet written: `pending`).
final class LMDBStateView: StateView, @unchecked Sendable {
    let reads: LMDBStateReads
    private let read: Transaction
    private let pending: LMDBStateWriter.Pending?
    private var tables: [String: TableState?] = [:]
    private lazy var cachedCounters = reads.counters
    private lazy var cachedOrder = reads.tableOrder

    init(_ txn: Transaction, _ dbs: LMDBStateStore.Databases, rows: TableRowCache?, pending: LMDBStateWriter.Pending? = nil) {
        read = txn
        reads = LMDBStateReads(txn: txn, dbs: dbs, rows: rows)
        self.pending = pending
    }

    var txn: Transaction { read }
    /// Ends a read transaction (a batch's write transaction is the batch's to end).
    func end() { (read as? ReadTransaction)?.end() }

    var tableOrder: [String] { pending?.tableOrder ?? cachedOrder }
    var counters: StateCounters { pending?.counters ?? cachedCounters }

    func table(_ id: String) -> TableState? {
        if let record = pending?.tables[id] { return record.table }
        if let cached = tables[id] { return cached }
        let t = reads.tableRecord(id)?.table
        tables[id] = .some(t)
        return t
    }

    func catalogRow(_ id: String) -> TableState? {
        if let record = pending?.tables[id] { return record.table }
        if let cached = tables[id] { return cached }
        return reads.catalogRow(id)
    }

    func document(_ id: String) -> DocumentState? { reads.document(id) }
    func documentVersion(_ id: String) -> Int? { reads.head(id)?.version }
    func revisions(of documentId: String) -> [Revision] { reads.revisions(of: documentId) }
    func revision(of documentId: String, version: Int) -> Revision? { reads.revision(of: documentId, version: version) }
    func documentIds(inTable tableId: String, from position: Int, limit: Int) -> [(position: Int, id: String)] {
        reads.documentIds(inTable: tableId, from: position, limit: limit)
    }
    func indexedDocumentIds(indexId: String, key: [UInt8]) -> [String] { reads.indexedDocumentIds(indexId: indexId, key: key) }
    func indexContents(indexId: String) -> [[UInt8]: [String]] { reads.indexContents(indexId: indexId) }
    func blockSummary(_ sequenceNo: Int) -> BlockSummary? { reads.blockSummary(sequenceNo) }
    func blockHash(_ sequenceNo: Int) -> [UInt8]? { reads.blockHash(sequenceNo) }
    func merkleNode(_ height: Int, _ index: Int) -> [UInt8] { reads.merkleNode(height, index) }
}

/// The apply step's writer: one LMDB write transaction for one block, or
/// for every block of a batch (sharing one `Pending`, finished at the flush).
struct LMDBStateWriter: StateWriter {
    let txn: WriteTransaction
    let reads: LMDBStateReads
    let pending: Pending

    init(txn: WriteTransaction, dbs: LMDBStateStore.Databases, rows: TableRowCache, pending: Pending = Pending()) {
        self.txn = txn
        reads = LMDBStateReads(txn: txn, dbs: dbs, rows: rows)
        self.pending = pending
    }

    private var dbs: LMDBStateStore.Databases { reads.dbs }

    /// Writes are in the apply path, whose errors abort the whole transaction.
    private func put(_ db: Database, _ key: [UInt8], _ value: [UInt8]) {
        do {
            try txn.put(db, key, value)
        } catch {
            failure = failure ?? error
        }
    }

    private func delete(_ db: Database, _ key: [UInt8]) {
        do {
            _ = try txn.delete(db, key)
        } catch {
            failure = failure ?? error
        }
    }

    /// The first write error: `LMDBStateStore.apply` throws it (aborting the transaction).
    private(set) var failure: Error? {
        get { pending.error }
        nonmutating set { pending.error = newValue }
    }

    /// What a block (or a batch's blocks) changes in the small, often-rewritten
    /// records (the counters, the table order, table records): kept decoded
    /// while it applies and written once, by `finish()`, instead of decoded and
    /// re-encoded at every document (and, in a batch, at every block).
    final class Pending {
        var error: Error?
        var counters: StateCounters?
        var tableOrder: [String]?
        var tables: [String: (table: TableState, documentCount: Int)] = [:]
        /// Tables whose catalog row changed (DDL); the others changed only counters.
        var changedRows: Set<String> = []
    }
    /// Writes the records kept decoded; call once the block (or the batch) has applied.
    func finish() {
        if let c = pending.counters { put(dbs.meta, LMDBStateReads.countersKey, LMDBStateLayout.encode(c)) }
        if let order = pending.tableOrder {
            put(dbs.meta, LMDBStateReads.tableOrderKey, LMDBStateLayout.encode(strings: order))
            reads.rows?.order = order
        }
        for (id, record) in pending.tables {
            let key = Array(id.utf8)
            if pending.changedRows.contains(id) {
                put(dbs.tables, key, LMDBStateLayout.encode(tableRow: record.table))
                reads.rows?.set(record.table)
            }
            put(dbs.tableCounters, key, LMDBStateLayout.encodeTableCounters(
                writeCounter: record.table.writeCounter, documentCount: record.documentCount))
        }
        pending.counters = nil
        pending.tableOrder = nil
        pending.tables = [:]
        pending.changedRows = []
    }

    private func tableRecord(_ id: String) -> (table: TableState, documentCount: Int)? {
        if let record = pending.tables[id] { return record }
        return reads.tableRecord(id)
    }

    var tableOrder: [String] { pending.tableOrder ?? reads.tableOrder }
    var counters: StateCounters { pending.counters ?? reads.counters }
    func table(_ id: String) -> TableState? { tableRecord(id)?.table }
    func document(_ id: String) -> DocumentState? { reads.document(id) }
    func documentVersion(_ id: String) -> Int? { reads.head(id)?.version }
    func revisions(of documentId: String) -> [Revision] { reads.revisions(of: documentId) }
    func revision(of documentId: String, version: Int) -> Revision? { reads.revision(of: documentId, version: version) }
    func documentIds(inTable tableId: String, from position: Int, limit: Int) -> [(position: Int, id: String)] {
        reads.documentIds(inTable: tableId, from: position, limit: limit)
    }
    func indexedDocumentIds(indexId: String, key: [UInt8]) -> [String] { reads.indexedDocumentIds(indexId: indexId, key: key) }
    func indexContents(indexId: String) -> [[UInt8]: [String]] { reads.indexContents(indexId: indexId) }
    func blockSummary(_ sequenceNo: Int) -> BlockSummary? { reads.blockSummary(sequenceNo) }
    func blockHash(_ sequenceNo: Int) -> [UInt8]? { reads.blockHash(sequenceNo) }
    func merkleNode(_ height: Int, _ index: Int) -> [UInt8] { reads.merkleNode(height, index) }

    mutating func putTable(_ table: TableState) {
        let existing = tableRecord(table.id)
        if existing == nil { pending.tableOrder = tableOrder + [table.id] }
        if existing.map({ !$0.table.sameCatalogRow(as: table) }) ?? true { pending.changedRows.insert(table.id) }
        pending.tables[table.id] = (table, existing?.documentCount ?? 0)
    }

    mutating func appendDocument(_ documentId: String, toTable tableId: String) {
        guard let (table, count) = tableRecord(tableId) else {
            failure = failure ?? LedgerDecodingError("state: document added to unknown table \(tableId)")
            return
        }
        put(dbs.tableDocuments, LMDBStateLayout.tableDocumentKey(tableId, count), Array(documentId.utf8))
        pending.tables[tableId] = (table, count + 1)
    }

    mutating func appendRevision(_ revision: Revision, tableId: String, encodedData: [UInt8]?) {
        let id = revision.metadata.id
        put(dbs.revisions, LMDBStateLayout.revisionKey(id, revision.metadata.version),
            LMDBStateLayout.encode(revision, encodedData: encodedData))
        put(dbs.heads, Array(id.utf8), LMDBStateLayout.headValue(tableId: tableId, version: revision.metadata.version))
    }

    mutating func replaceRevision(_ revision: Revision) {
        let key = LMDBStateLayout.revisionKey(revision.metadata.id, revision.metadata.version)
        guard reads.get(dbs.revisions, key) != nil else { return }
        put(dbs.revisions, key, LMDBStateLayout.encode(revision))
    }

    mutating func addIndexEntry(indexId: String, key: [UInt8], documentId: String) {
        put(dbs.indexes, LMDBStateLayout.indexKey(indexId, key, documentId), [])
    }

    mutating func removeIndexEntry(indexId: String, key: [UInt8], documentId: String) {
        delete(dbs.indexes, LMDBStateLayout.indexKey(indexId, key, documentId))
    }

    mutating func dropIndex(_ indexId: String) {
        var keys: [[UInt8]] = []
        reads.scan(dbs.indexes, prefix: Array(indexId.utf8)) { k, _ in
            keys.append(Array(k))
            return true
        }
        for k in keys { delete(dbs.indexes, k) }
    }

    mutating func putBlockSummary(_ sequenceNo: Int, _ summary: BlockSummary) {
        put(dbs.blocks, Key.uint64(UInt64(sequenceNo)), LMDBStateLayout.encode(summary))
    }

    mutating func putMerkleNode(_ height: Int, _ index: Int, _ hash: [UInt8]) {
        put(dbs.merkle, LMDBStateLayout.merkleKey(height, index), hash)
    }

    mutating func setCounters(_ counters: StateCounters) {
        pending.counters = counters
    }
}

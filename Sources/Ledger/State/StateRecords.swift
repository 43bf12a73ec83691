import Ion

/// One table as the state holds it: its catalog row's content and the
/// counters OCC compares. Its documents and index entries live beside it.
struct TableState: Sendable, Equatable {
    struct Index: Sendable, Equatable {
        var id: String
        var field: String
    }

    var id: String
    var name: String
    var active: Bool
    var indexes: [Index] = []
    /// Version of this table's catalog document (its DDL history).
    var catalogVersion: Int
    /// Bumped on every revision written to the table: what a scan's OCC check compares.
    var writeCounter = 0

    func index(on field: String) -> Index? { indexes.first { $0.field == field } }

    /// Equal but for `writeCounter`: the same catalog row and catalog version.
    func sameCatalogRow(as other: TableState) -> Bool {
        id == other.id && name == other.name && active == other.active && indexes == other.indexes
            && catalogVersion == other.catalogVersion
    }

    /// The catalog row, as journaled and as `information_schema.user_tables` shows it.
    static func row(id: String, name: String, active: Bool, indexes: [(id: String, field: String)]) -> IonValue {
        .struct([
            ("name", .string(name)), ("tableId", .string(id)), ("status", .string(active ? "ACTIVE" : "INACTIVE")),
            ("indexes", .list(indexes.map { .struct([("indexId", .string($0.id)), ("expr", .string("[\($0.field)]")),
                                                       ("status", .string("ONLINE"))]) })),
        ])
    }

    var row: IonValue { TableState.row(id: id, name: name, active: active, indexes: indexes.map { ($0.id, $0.field) }) }

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

/// A document's head: its table and latest revision (its history is read
/// separately, revision by revision).
struct DocumentState: Sendable {
    var id: String
    var tableId: String
    var latest: Revision

    var version: Int { latest.metadata.version }
    /// Current data; nil once deleted (the latest revision is never redacted).
    var current: IonValue? { latest.data }
}

/// Ledger-wide counters kept with the state.
struct StateCounters: Sendable, Equatable {
    /// Blocks applied: the next block's sequence number.
    var blockCount = 0
    /// Bumped by every catalog (DDL) revision.
    var ddlCounter = 0
    var lastTimestampMs: Int64 = .min
    /// QLDB's IndexedStorage, estimated: every revision's data (history is
    /// indexed too) plus its metadata, and one key and id per index entry.
    var indexedBytes = 0

    static let revisionOverhead = 64
    static let indexEntryBytes = 32 + 22
    static func dataBytes(_ data: IonValue?) -> Int { data.map { BlockCodec.encodedSize($0) } ?? 0 }
}

/// What proofs and GetBlock need of one block without reading the journal.
struct BlockSummary: Sendable, Equatable {
    var transactionId: String
    var timestampMs: Int64
    var blockHash: [UInt8]
    var previousBlockHash: [UInt8]
    var entriesHashList: [[UInt8]]
    var revisionHashes: [[UInt8]]
    var documentIds: [String]
}

extension BlockSummary {
    init(_ block: Block) {
        transactionId = block.transactionId
        timestampMs = block.timestampMs
        blockHash = block.blockHash
        previousBlockHash = block.previousBlockHash
        entriesHashList = block.entriesHashList
        if block.systemRevisions.isEmpty {   // every block but some imported ones
            revisionHashes = block.revisions.map(\.hash)
            documentIds = block.revisions.map(\.metadata.id)
            return
        }
        // Imported blocks: hash-only system entries are leaves too (with no document id).
        let entries = block.revisionEntries
        revisionHashes = entries.map(\.hash)
        documentIds = entries.map { $0.revision?.metadata.id ?? "" }
    }
}

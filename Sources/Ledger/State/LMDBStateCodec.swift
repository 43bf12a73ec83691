import Ion
import LMDB

/// How the LMDB state store lays out its records (Docs/storage-format.md,
/// "State store"). Ids are fixed 22-character Base62 strings, so keys are
/// plain concatenations; numbers are big-endian so they sort.
enum LMDBStateLayout {
    static let format: Int64 = 1

    /// docId → tableId (22 bytes) + latest version (UInt32, big-endian).
    static func headValue(tableId: String, version: Int) -> [UInt8] {
        Key.build { $0.append(tableId); $0.append(UInt32(version)) }
    }

    static func parseHead(_ bytes: [UInt8]) throws -> (tableId: String, version: Int) {
        guard bytes.count == 26 else { throw LedgerDecodingError("state: document head of \(bytes.count) bytes") }
        let tableId = String(decoding: bytes[0..<22], as: UTF8.self)
        let version = bytes[22..<26].reduce(0) { $0 << 8 | Int($1) }
        return (tableId, version)
    }

    static func revisionKey(_ documentId: String, _ version: Int) -> [UInt8] {
        Key.build { $0.append(documentId); $0.append(UInt32(version)) }
    }

    static func tableDocumentKey(_ tableId: String, _ n: Int) -> [UInt8] {
        Key.build { $0.append(tableId); $0.append(UInt64(n)) }
    }

    static func indexKey(_ indexId: String, _ key: [UInt8], _ documentId: String) -> [UInt8] {
        Key.build { $0.append(indexId); $0.append(bytes: key); $0.append(documentId) }
    }

    static func indexPrefix(_ indexId: String, _ key: [UInt8]) -> [UInt8] {
        Key.build { $0.append(indexId); $0.append(bytes: key) }
    }

    static func merkleKey(_ height: Int, _ index: Int) -> [UInt8] {
        Key.build { $0.append(UInt32(height)); $0.append(UInt64(index)) }
    }

    // MARK: records as Ion binary

    static func encode(_ table: TableState, documentCount: Int) -> [UInt8] {
        BlockCodec.encode(.struct([
            ("row", table.row), ("catalogVersion", .int(table.catalogVersion)),
            ("writeCounter", .int(table.writeCounter)), ("documentCount", .int(documentCount)),
        ]))
    }

    static func decodeTable(_ bytes: [UInt8]) throws -> (table: TableState, documentCount: Int) {
        let v = try BlockCodec.decode(bytes)
        let row = try TableState.parseRow(try IonRead.field(v, "row"))
        let table = TableState(id: row.id, name: row.name, active: row.active,
                               indexes: row.indexes.map { TableState.Index(id: $0.id, field: $0.field) },
                               catalogVersion: try IonRead.int(v, "catalogVersion"),
                               writeCounter: try IonRead.int(v, "writeCounter"))
        return (table, try IonRead.int(v, "documentCount"))
    }

    static func encode(_ counters: StateCounters) -> [UInt8] {
        BlockCodec.encode(.struct([
            ("blockCount", .int(counters.blockCount)), ("ddlCounter", .int(counters.ddlCounter)),
            ("lastTimestampMs", .int(Int(counters.lastTimestampMs))), ("indexedBytes", .int(counters.indexedBytes)),
        ]))
    }

    static func decodeCounters(_ bytes: [UInt8]) throws -> StateCounters {
        let v = try BlockCodec.decode(bytes)
        var c = StateCounters()
        c.blockCount = try IonRead.int(v, "blockCount")
        c.ddlCounter = try IonRead.int(v, "ddlCounter")
        c.lastTimestampMs = try IonRead.int64(v, "lastTimestampMs")
        c.indexedBytes = try IonRead.int(v, "indexedBytes")
        return c
    }

    static func encode(_ s: BlockSummary) -> [UInt8] {
        BlockCodec.encode(.struct([
            ("transactionId", .string(s.transactionId)), ("timestampMs", .int(Int(s.timestampMs))),
            ("blockHash", .blob(s.blockHash)), ("previousBlockHash", .blob(s.previousBlockHash)),
            ("entriesHashList", .list(s.entriesHashList.map { .blob($0) })),
            ("revisionHashes", .list(s.revisionHashes.map { .blob($0) })),
            ("documentIds", .list(s.documentIds.map { .string($0) })),
        ]))
    }

    static func decodeSummary(_ bytes: [UInt8]) throws -> BlockSummary {
        let v = try BlockCodec.decode(bytes)
        func blobs(_ name: String) throws -> [[UInt8]] { try IonRead.list(v, name).map { try IonRead.blob($0, name: name) } }
        return BlockSummary(transactionId: try IonRead.string(v, "transactionId"),
                            timestampMs: try IonRead.int64(v, "timestampMs"),
                            blockHash: try IonRead.blob(v, "blockHash"),
                            previousBlockHash: try IonRead.blob(v, "previousBlockHash"),
                            entriesHashList: try blobs("entriesHashList"), revisionHashes: try blobs("revisionHashes"),
                            documentIds: try IonRead.list(v, "documentIds").map(text))
    }

    static func encode(strings: [String]) -> [UInt8] { BlockCodec.encode(.list(strings.map { .string($0) })) }

    static func decodeStrings(_ bytes: [UInt8]) throws -> [String] {
        guard case .list(let items) = try BlockCodec.decode(bytes).content else { throw LedgerDecodingError("state: not a list") }
        return try items.map(text)
    }

    static func text(_ value: IonValue) throws -> String {
        guard case .string(let s) = value.content else { throw LedgerDecodingError("state: not a string") }
        return s
    }
}

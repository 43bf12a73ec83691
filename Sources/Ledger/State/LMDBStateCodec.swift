import Checksum
import Ion
import LMDB

/// How the LMDB state store lays out its records (Docs/storage-format.md,
/// "State store"). Ids are fixed 22-character Base62 strings, so keys are
/// plain concatenations; numbers are big-endian so they sort.
enum LMDBStateLayout {
    /// 1: Ion records. 2 (never released): counters, table counters and block
    /// summaries in plain binary, table counters apart from the catalog row.
    /// 3: revisions (but their data) in plain binary too. 4: Merkle nodes
    /// keyed in the order they are made (`merkleKey`). 5: index keys are the
    /// value's canonical encoding up to 256 bytes (`IndexKey`), not its SHA-256.
    static let format: Int64 = 5

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

    /// The last leaf under the node (the block whose append completed it),
    /// then the height: appending a block makes its nodes in exactly this
    /// order, so every new node goes at the right edge of the B-tree, and
    /// LMDB's pages fill up instead of being split in half (keyed by height
    /// first, every new leaf landed inside the tree: 2 × the pages).
    static func merkleKey(_ height: Int, _ index: Int) -> [UInt8] {
        Key.build { $0.append(UInt64(((index + 1) << height) - 1)); $0.append(bytes: CollectionOfOne(UInt8(height))) }
    }

    // MARK: fixed-width records (rewritten by every block)

    /// blockCount, ddlCounter (UInt64 BE), lastTimestampMs, indexedBytes (`Key`'s Int64): 32 bytes.
    static func encode(_ c: StateCounters) -> [UInt8] {
        Key.build {
            $0.append(UInt64(c.blockCount)); $0.append(UInt64(c.ddlCounter))
            $0.append(c.lastTimestampMs); $0.append(Int64(c.indexedBytes))
        }
    }

    static func decodeCounters(_ bytes: [UInt8]) throws -> StateCounters {
        guard let blocks = Key.readUInt64(bytes, at: 0), let ddl = Key.readUInt64(bytes, at: 8),
              let last = Key.readInt64(bytes, at: 16), let indexed = Key.readInt64(bytes, at: 24),
              bytes.count == 32 else {
            throw LedgerDecodingError("state: counters are not 32 bytes")
        }
        var c = StateCounters()
        c.blockCount = Int(blocks)
        c.ddlCounter = Int(ddl)
        c.lastTimestampMs = last
        c.indexedBytes = Int(indexed)
        return c
    }

    /// A table's counters, beside its catalog row: writeCounter, documentCount (UInt64 BE).
    static func encodeTableCounters(writeCounter: Int, documentCount: Int) -> [UInt8] {
        Key.build { $0.append(UInt64(writeCounter)); $0.append(UInt64(documentCount)) }
    }

    static func decodeTableCounters(_ bytes: [UInt8]) throws -> (writeCounter: Int, documentCount: Int) {
        guard bytes.count == 16, let w = Key.readUInt64(bytes, at: 0),
              let d = Key.readUInt64(bytes, at: 8) else {
            throw LedgerDecodingError("state: table counters are not 16 bytes")
        }
        return (Int(w), Int(d))
    }

    // MARK: records as Ion binary

    /// A table's catalog row and catalog version (written by DDL only; its counters are apart).
    static func encode(tableRow table: TableState) -> [UInt8] {
        BlockCodec.encode(.struct([("row", table.row), ("catalogVersion", .int(table.catalogVersion))]))
    }

    /// The table of a row record, with `writeCounter` 0 (see `decodeTableCounters`).
    static func decodeTableRow(_ bytes: [UInt8]) throws -> TableState {
        let v = try BlockCodec.decode(bytes)
        let row = try TableState.parseRow(try IonRead.field(v, "row"))
        return TableState(id: row.id, name: row.name, active: row.active,
                          indexes: row.indexes.map { TableState.Index(id: $0.id, field: $0.field) },
                          catalogVersion: try IonRead.int(v, "catalogVersion"))
    }

    /// transactionId, timestampMs, blockHash, previousBlockHash, entriesHashList,
    /// revisionHashes, documentIds (`ByteWriter`).
    static func encode(_ s: BlockSummary) -> [UInt8] {
        var w = ByteWriter(capacity: 128 + 33 * (s.entriesHashList.count + s.revisionHashes.count) + 32 * s.documentIds.count)
        w.string(s.transactionId)
        w.int64(s.timestampMs)
        w.blob(s.blockHash)
        w.blob(s.previousBlockHash)
        w.blobs(s.entriesHashList)
        w.blobs(s.revisionHashes)
        w.strings(s.documentIds)
        return w.bytes
    }

    static func decodeSummary(_ bytes: [UInt8]) throws -> BlockSummary {
        var r = ByteReader(bytes)
        let summary = BlockSummary(transactionId: try r.string(), timestampMs: try r.int64(), blockHash: try r.blob(),
                                   previousBlockHash: try r.blob(), entriesHashList: try r.blobs(),
                                   revisionHashes: try r.blobs(), documentIds: try r.strings())
        try r.end()
        return summary
    }

    /// `decodeSummary(bytes).blockHash`, reading only what comes before it.
    static func summaryBlockHash(_ bytes: [UInt8]) throws -> [UInt8] {
        var r = ByteReader(bytes)
        _ = try r.blob()   // transactionId
        _ = try r.int64()
        return try r.blob()
    }

    /// A revision (`ByteWriter`): kind (0 deleted, 1 data, 2 redacted), block
    /// address (strand id, sequence number), hash, metadata (id, version,
    /// txTimeMs, txId), then the data as Ion binary or the redacted data's hash.
    /// Only the data is Ion: the fixed parts cost no symbols.
    /// `encodedData`: `BlockCodec.encode(r.data)` if the caller has it already.
    static func encode(_ r: Revision, encodedData: [UInt8]? = nil) -> [UInt8] {
        let data = r.data.map { encodedData ?? BlockCodec.encode($0) }
        var w = ByteWriter(capacity: 192 + (data?.count ?? 0))
        w.u8(r.data != nil ? 1 : r.dataHash != nil ? 2 : 0)
        w.string(r.blockAddress.strandId)
        w.int64(Int64(r.blockAddress.sequenceNo))
        w.blob(r.hash)
        w.string(r.metadata.id)
        w.int64(Int64(r.metadata.version))
        w.int64(r.metadata.txTimeMs)
        w.string(r.metadata.txId)
        if let data {
            w.blob(data)
        } else if let dataHash = r.dataHash {
            w.blob(dataHash)
        }
        return w.bytes
    }

    static func decodeRevision(_ bytes: [UInt8]) throws -> Revision {
        var r = ByteReader(bytes)
        let kind = try r.u8()
        guard kind <= 2 else { throw LedgerDecodingError("state: revision kind \(kind)") }
        let address = BlockAddress(strandId: try r.string(), sequenceNo: Int(try r.int64()))
        let hash = try r.blob()
        let metadata = RevisionMetadata(id: try r.string(), version: Int(try r.int64()), txTimeMs: try r.int64(),
                                        txId: try r.string())
        var data: IonValue?
        var dataHash: [UInt8]?
        if kind == 1 { data = try BlockCodec.decode(r.blob()) }
        if kind == 2 { dataHash = try r.blob() }
        try r.end()
        return Revision(blockAddress: address, hash: hash, data: data, dataHash: dataHash, metadata: metadata)
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

import Ion

/// A state being changed by one block: reads see the writes made so far.
/// The apply logic below is written once, for every store.
protocol StateWriter: StateView {
    /// Creates or replaces a table (a new id goes to the end of `tableOrder`).
    mutating func putTable(_ table: TableState)
    mutating func appendDocument(_ documentId: String, toTable tableId: String)
    /// Appends the next revision of a document (its head moves to it).
    /// `encodedData` is `BlockCodec.encode(revision.data)`, encoded once by the caller.
    mutating func appendRevision(_ revision: Revision, tableId: String, encodedData: [UInt8]?)
    /// Replaces an existing revision (redaction): same document and version.
    mutating func replaceRevision(_ revision: Revision)
    mutating func addIndexEntry(indexId: String, key: [UInt8], documentId: String)
    mutating func removeIndexEntry(indexId: String, key: [UInt8], documentId: String)
    mutating func dropIndex(_ indexId: String)
    mutating func putBlockSummary(_ sequenceNo: Int, _ summary: BlockSummary)
    mutating func putMerkleNode(_ height: Int, _ index: Int, _ hash: [UInt8])
    mutating func setCounters(_ counters: StateCounters)
}

extension StateWriter {
    mutating func apply(_ block: Block) throws {
        let aids = block.applyAids
        assert(aids.map { $0.encodedData.count == block.revisions.count } ?? true, "apply aids of another block")
        let owners = try aids?.owners ?? block.documentTables()
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
        if block.isForeign { createImportedTables(block.revisions, owners) }
        for (i, revision) in block.revisions.enumerated() {
            let tableId = try owner(revision)
            if tableId != Ledger.catalogTableId {
                try applyDocument(revision, tableId: tableId, encodedData: aids?.encodedData[i] ?? nil)
            }
        }
        for request in try block.redactions() { try redact(request) }
        var c = counters
        assert(block.address.sequenceNo == c.blockCount, "blocks apply in sequence")
        putBlockSummary(c.blockCount, BlockSummary(block))
        MerkleAccumulator.append(block.blockHash, at: c.blockCount, read: { merkleNode($0, $1) },
                                 write: { putMerkleNode($0, $1, $2) })
        c.blockCount += 1
        c.lastTimestampMs = max(c.lastTimestampMs, block.timestampMs)
        setCounters(c)
    }

    /// QLDB journals DDL as hash-only system revisions: an imported block's
    /// write to a table the state does not know creates it, named as
    /// `transactionInfo.documents` names it (active, no index).
    private mutating func createImportedTables(_ revisions: [Revision], _ owners: [String: (tableId: String, tableName: String)]) {
        for revision in revisions {
            guard let o = owners[revision.metadata.id], o.tableId != Ledger.catalogTableId, table(o.tableId) == nil else { continue }
            putTable(TableState(id: o.tableId, name: o.tableName, active: true, catalogVersion: -1))
        }
    }

    private mutating func applyCatalog(_ revision: Revision) throws {
        guard let data = revision.data else { throw LedgerDecodingError("catalog revision without data") }
        let row = try TableState.parseRow(data)
        guard row.id == revision.metadata.id else { throw LedgerDecodingError("catalog row id differs from document id") }
        var table = table(row.id) ?? TableState(id: row.id, name: row.name, active: row.active, catalogVersion: -1)
        guard revision.metadata.version == table.catalogVersion + 1 else {
            throw LedgerDecodingError("catalog version \(revision.metadata.version) of table \(row.id) does not follow \(table.catalogVersion)")
        }
        var c = counters
        table.name = row.name
        table.active = row.active
        table.catalogVersion = revision.metadata.version
        var indexes: [TableState.Index] = []
        for (id, field) in row.indexes {
            if let existing = table.indexes.first(where: { $0.id == id }) {
                indexes.append(existing)
                continue
            }
            let index = TableState.Index(id: id, field: field)
            for docId in documentIds(inTable: row.id) {
                guard let current = document(docId)?.current, let key = current[field: field].map(IndexKey.of) else { continue }
                addIndexEntry(indexId: id, key: key, documentId: docId)
                c.indexedBytes += StateCounters.indexEntryBytes
            }
            indexes.append(index)
        }
        for dropped in table.indexes where !indexes.contains(dropped) { dropIndex(dropped.id) }
        table.indexes = indexes
        putTable(table)
        c.ddlCounter += 1
        setCounters(c)
    }

    /// `encodedData`: the revision's data already encoded (`BlockApplyAids`), or nil to encode it here.
    private mutating func applyDocument(_ revision: Revision, tableId: String, encodedData encoded: [UInt8]??) throws {
        guard var table = table(tableId) else { throw LedgerDecodingError("write to unknown table \(tableId)") }
        let id = revision.metadata.id
        var c = counters
        if let existing = document(id) {
            guard existing.tableId == tableId, revision.metadata.version == existing.version + 1, !existing.latest.isDeleted else {
                throw LedgerDecodingError("revision \(revision.metadata.version) of \(id) does not follow version \(existing.version)")
            }
            for index in table.indexes {
                if let key = existing.current?[field: index.field].map(IndexKey.of) {
                    removeIndexEntry(indexId: index.id, key: key, documentId: id)
                }
            }
            c.indexedBytes -= StateCounters.indexEntryBytes * table.indexes.count
        } else {
            guard revision.metadata.version == 0, !revision.isDeleted else {
                throw LedgerDecodingError("first revision of \(id) must be an insert at version 0")
            }
            appendDocument(id, toTable: tableId)
        }
        // Encoded once: its size is counted below, and the LMDB store keeps the bytes.
        assert(encoded.map { $0 == revision.data.map { BlockCodec.encode($0) } } ?? true, "apply aids encode other data")
        let encodedData = encoded ?? revision.data.map { BlockCodec.encode($0) }
        appendRevision(revision, tableId: tableId, encodedData: encodedData)
        for index in table.indexes {
            if let key = revision.data?[field: index.field].map(IndexKey.of) {
                addIndexEntry(indexId: index.id, key: key, documentId: id)
            }
        }
        // An erased revision (replayed after its redaction) counts as its dataHash, as after a live redaction.
        c.indexedBytes += (revision.isRedacted ? SHA256.byteCount : (encodedData?.count ?? 0))
            + StateCounters.revisionOverhead
        if !revision.isDeleted { c.indexedBytes += StateCounters.indexEntryBytes * table.indexes.count }
        table.writeCounter += 1
        putTable(table)
        setCounters(c)
    }

    private mutating func redact(_ request: RedactionRequest) throws {
        if let existing = revision(of: request.documentId, version: request.version),
           existing.blockAddress == request.blockAddress, existing.isRedacted {
            return  // erased from the journal already; replaying the redaction changes nothing
        }
        guard let target = redactionTarget(request) else {
            throw LedgerDecodingError("redaction of \(request.documentId) version \(request.version) names no redactable revision")
        }
        var c = counters
        c.indexedBytes -= StateCounters.dataBytes(target.data) - SHA256.byteCount
        setCounters(c)
        replaceRevision(target.redacted())
    }
}

extension StateView {
    /// Why `apply(block)` would fail, or nil — the same checks, without
    /// mutating anything (a block received from another node is checked before
    /// it touches the store or the state).
    func problem(applying block: Block) -> String? {
        let owners: [String: (tableId: String, tableName: String)]
        do { owners = try block.applyAids?.owners ?? block.documentTables() } catch { return "\(error)" }
        for revision in block.revisions where owners[revision.metadata.id] == nil {
            return "revision of \(revision.metadata.id) not listed in transactionInfo.documents"
        }
        var catalogVersions: [String: Int] = [:]
        for revision in block.revisions where owners[revision.metadata.id]!.tableId == Ledger.catalogTableId {
            guard let data = revision.data else { return "catalog revision without data" }
            guard let row = try? TableState.parseRow(data) else { return "malformed catalog row of \(revision.metadata.id)" }
            guard row.id == revision.metadata.id else { return "catalog row id differs from document id" }
            let current = catalogVersions[row.id] ?? table(row.id)?.catalogVersion ?? -1
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
            guard table(tableId) != nil || catalogVersions[tableId] != nil || block.isForeign else {
                return "write to unknown table \(tableId)"
            }
            let id = revision.metadata.id
            let before = written[id] ?? document(id).map { ($0.tableId, $0.version, !$0.latest.isDeleted) }
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
            guard let doc = document(r.documentId), doc.tableId == r.tableId,
                  r.version < doc.version || (r.version == doc.version && written[r.documentId] != nil),
                  let revision = revision(of: r.documentId, version: r.version),
                  revision.blockAddress == r.blockAddress, !revision.isDeleted,
                  redacted.insert(r).inserted else {
                return "redaction of \(r.documentId) version \(r.version) names no redactable revision"
            }
        }
        return nil
    }
}

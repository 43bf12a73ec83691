import Ion

/// One journal block — one committed transaction — with the fields of
/// PROTOCOL.md §3.2, in this order in Ion:
/// `blockAddress, transactionId, blockTimestamp, blockHash, entriesHash,
/// previousBlockHash, entriesHashList, transactionInfo, [redactionInfo,] revisions`.
public struct Block: Sendable {
    public var address: BlockAddress
    public var transactionId: String
    public var timestampMs: Int64
    public var blockHash: [UInt8]
    public var entriesHash: [UInt8]
    public var previousBlockHash: [UInt8]
    public var entriesHashList: [[UInt8]]
    /// `{statements: [{statement, startTime, statementDigest}], documents: {docId: {tableName, tableId, statements}}}`
    public var transactionInfo: IonValue
    /// `{revisions: [{blockAddress, tableId, documentId, version}]}` in redaction blocks.
    public var redactionInfo: IonValue?
    public var revisions: [Revision]
    /// Imported (foreign) blocks only: the hash-only entries of QLDB's
    /// `revisions` list (internal system revisions), with their positions in it.
    public var systemRevisions: [SystemRevision] = []
    /// A block imported from a QLDB journal export, kept exactly as QLDB wrote
    /// its hashes (see `BlockHasher.checkForeign`). Journal records mark it
    /// with the annotation `Block.foreignAnnotation`; payloads never show it.
    public var isForeign = false
    /// What the apply step would derive from this block alone, worked out
    /// ahead on another core (`RecordChecker`); nil for blocks built here.
    var applyAids: BlockApplyAids?

    public static let foreignAnnotation = "tally_imported_block"

    /// A hash-only entry of `revisions` (`{hash: {{…}}}`) at `position`.
    public struct SystemRevision: Sendable, Equatable {
        public var position: Int
        public var hash: [UInt8]
        public init(position: Int, hash: [UInt8]) {
            self.position = position
            self.hash = hash
        }
    }

    /// The leaves of the block's revisions Merkle tree in `revisions` order:
    /// user revisions and system (hash-only) entries alike.
    public var revisionLeaves: [[UInt8]] { revisionEntries.map { $0.hash } }

    /// `revisions` as written: each entry a user revision or a hash-only one.
    var revisionEntries: [(hash: [UInt8], revision: Revision?)] {
        var out: [(hash: [UInt8], revision: Revision?)] = []
        out.reserveCapacity(revisions.count + systemRevisions.count)
        var users = revisions.makeIterator()
        var system = systemRevisions.makeIterator()
        var nextSystem = system.next()
        while true {
            if let s = nextSystem, s.position == out.count {
                out.append((s.hash, nil))
                nextSystem = system.next()
            } else if let r = users.next() {
                out.append((r.hash, r))
            } else if let s = nextSystem {
                out.append((s.hash, nil))
                nextSystem = system.next()
            } else {
                return out
            }
        }
    }

    public var blockTimestamp: IonTimestamp { LedgerTime.timestamp(milliseconds: timestampMs) }

    public var ion: IonValue {
        var fields: [(String, IonValue)] = [
            ("blockAddress", address.ion),
            ("transactionId", .string(transactionId)),
            ("blockTimestamp", IonRead.timestampValue(ms: timestampMs)),
            ("blockHash", .blob(blockHash)),
            ("entriesHash", .blob(entriesHash)),
            ("previousBlockHash", .blob(previousBlockHash)),
            ("entriesHashList", .list(entriesHashList.map { .blob($0) })),
            ("transactionInfo", transactionInfo),
        ]
        if let redactionInfo { fields.append(("redactionInfo", redactionInfo)) }
        fields.append(("revisions", .list(revisionEntries.map { $0.revision?.ion ?? .struct([("hash", .blob($0.hash))]) })))
        return .struct(fields)
    }

    /// The journal record's value: `ion`, annotated when the block is foreign.
    public var recordIon: IonValue {
        var value = ion
        if isForeign { value.annotations = [IonSymbol(Block.foreignAnnotation)] }
        return value
    }

    public init(address: BlockAddress, transactionId: String, timestampMs: Int64, blockHash: [UInt8],
                entriesHash: [UInt8], previousBlockHash: [UInt8], entriesHashList: [[UInt8]],
                transactionInfo: IonValue, redactionInfo: IonValue?, revisions: [Revision]) {
        self.address = address
        self.transactionId = transactionId
        self.timestampMs = timestampMs
        self.blockHash = blockHash
        self.entriesHash = entriesHash
        self.previousBlockHash = previousBlockHash
        self.entriesHashList = entriesHashList
        self.transactionInfo = transactionInfo
        self.redactionInfo = redactionInfo
        self.revisions = revisions
    }

    public init(ion: IonValue) throws {
        address = try BlockAddress(ion: IonRead.field(ion, "blockAddress"))
        transactionId = try IonRead.string(ion, "transactionId")
        timestampMs = try IonRead.milliseconds(ion, "blockTimestamp")
        blockHash = try IonRead.blob(ion, "blockHash")
        entriesHash = try IonRead.blob(ion, "entriesHash")
        previousBlockHash = try IonRead.blob(ion, "previousBlockHash")
        entriesHashList = try IonRead.list(ion, "entriesHashList").map { try IonRead.blob($0, name: "entriesHashList") }
        transactionInfo = try IonRead.field(ion, "transactionInfo")
        redactionInfo = ion[field: "redactionInfo"]
        revisions = []
        // QLDB omits `revisions` in a block without any (its verifier allows a null list).
        let entries = ion[field: "revisions"] == nil ? [] : try IonRead.list(ion, "revisions")
        for (position, entry) in entries.enumerated() {
            // Exactly `{hash}`: a user revision that lost a field is an error, not a system entry.
            if case .struct(let fields) = entry.content, fields.count == 1, fields[0].name.text == "hash" {
                systemRevisions.append(SystemRevision(position: position, hash: try IonRead.blob(entry, "hash")))
            } else {
                revisions.append(try Revision(ion: entry))
            }
        }
        isForeign = ion.annotations.contains { $0.text == Block.foreignAnnotation }
    }

    /// docId → (tableId, tableName), from `transactionInfo.documents`.
    public func documentTables() throws -> [String: (tableId: String, tableName: String)] {
        var out: [String: (tableId: String, tableName: String)] = [:]
        // QLDB writes no `documents` for a transaction without user revisions (DDL only).
        guard let documents = transactionInfo[field: "documents"] else { return out }
        for field in try IonRead.fields(documents, name: "documents") {
            guard let id = field.name.text else { throw LedgerDecodingError("document id without text") }
            out[id] = (try IonRead.string(field.value, "tableId"), try IonRead.string(field.value, "tableName"))
        }
        return out
    }

    /// The redaction targets of `redactionInfo`.
    public func redactions() throws -> [RedactionRequest] {
        guard let redactionInfo else { return [] }
        return try IonRead.list(redactionInfo, "revisions").map { try RedactionRequest(ion: $0) }
    }
}

/// `{blockAddress, tableId, documentId, version}`: one revision to redact.
public struct RedactionRequest: Hashable, Sendable {
    public var blockAddress: BlockAddress
    public var tableId: String
    public var documentId: String
    public var version: Int

    public init(blockAddress: BlockAddress, tableId: String, documentId: String, version: Int) {
        self.blockAddress = blockAddress
        self.tableId = tableId
        self.documentId = documentId
        self.version = version
    }

    public var ion: IonValue {
        .struct([("blockAddress", blockAddress.ion), ("tableId", .string(tableId)),
                 ("documentId", .string(documentId)), ("version", .int(version))])
    }

    public init(ion: IonValue) throws {
        blockAddress = try BlockAddress(ion: IonRead.field(ion, "blockAddress"))
        tableId = try IonRead.string(ion, "tableId")
        documentId = try IonRead.string(ion, "documentId")
        version = try IonRead.int(ion, "version")
    }
}

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
        fields.append(("revisions", .list(revisions.map(\.ion))))
        return .struct(fields)
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
        revisions = try IonRead.list(ion, "revisions").map { try Revision(ion: $0) }
    }

    /// docId → (tableId, tableName), from `transactionInfo.documents`.
    public func documentTables() throws -> [String: (tableId: String, tableName: String)] {
        var out: [String: (tableId: String, tableName: String)] = [:]
        let documents = try IonRead.field(transactionInfo, "documents")
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

import Ion

/// What the leader replicates through Raft for one committed transaction:
/// everything needed to build the block, and no hash — every node computes
/// the hashes itself in `Ledger.apply`. Encodes deterministically to bytes.
public struct BlockProposal: Hashable, Sendable {
    public struct Statement: Hashable, Sendable {
        public var text: String
        public var startTimeMs: Int64
        /// Kept so every node derives `statementDigest` (= QLDBHash.statementHash) itself.
        public var parameters: [IonValue]
        /// `QLDBHash.statementHash(text, parameters:)` when the proposer already had it (the
        /// session layer hashes every statement for the commit digest). Not replicated, and not
        /// part of equality: a node that decodes the proposal computes it.
        public var digest: [UInt8]?

        public init(text: String, startTimeMs: Int64, parameters: [IonValue], digest: [UInt8]? = nil) {
            self.text = text
            self.startTimeMs = startTimeMs
            self.parameters = parameters
            self.digest = digest
        }

        public static func == (a: Statement, b: Statement) -> Bool {
            a.text == b.text && a.startTimeMs == b.startTimeMs && a.parameters == b.parameters
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(text)
            hasher.combine(startTimeMs)
            hasher.combine(parameters)
        }

        /// `statementDigest` of `transactionInfo`.
        var statementDigest: [UInt8] {
            guard let digest else { return QLDBHash.statementHash(text, parameters: parameters) }
            assert(digest == QLDBHash.statementHash(text, parameters: parameters), "a statement's digest does not match it")
            return digest
        }
    }

    /// One new revision. `tableId == Ledger.catalogTableId` marks a system
    /// revision of the catalog (DDL): `documentId` is then the user table's id
    /// and `data` its catalog row.
    public struct Write: Hashable, Sendable {
        public var tableId: String
        public var tableName: String
        public var documentId: String
        public var version: Int
        /// nil for a delete.
        public var data: IonValue?
        /// Indices into `statements` of the statements that wrote it.
        public var statements: [Int]

        public init(tableId: String, tableName: String, documentId: String, version: Int, data: IonValue?, statements: [Int]) {
            self.tableId = tableId
            self.tableName = tableName
            self.documentId = documentId
            self.version = version
            self.data = data
            self.statements = statements
        }
    }

    public var transactionId: String
    /// Commit time chosen by the leader; `apply` never lets block time go backwards.
    public var timestampMs: Int64
    public var statements: [Statement]
    /// Catalog (DDL) writes first, then user writes, each document once.
    public var writes: [Write]
    public var redactions: [RedactionRequest]

    public init(transactionId: String, timestampMs: Int64, statements: [Statement], writes: [Write], redactions: [RedactionRequest]) {
        self.transactionId = transactionId
        self.timestampMs = timestampMs
        self.statements = statements
        self.writes = writes
        self.redactions = redactions
    }

    public var ion: IonValue {
        let statementValues: [IonValue] = statements.map {
            .struct([("statement", .string($0.text)), ("startTime", IonValue(.int(.small($0.startTimeMs)))),
                     ("parameters", .list($0.parameters))])
        }
        let writeValues: [IonValue] = writes.map { w in
            var fields: [(String, IonValue)] = [("tableId", .string(w.tableId)), ("tableName", .string(w.tableName)),
                                                ("documentId", .string(w.documentId)), ("version", .int(w.version))]
            if let data = w.data { fields.append(("data", data)) }
            fields.append(("statements", IonRead.ints(w.statements)))
            return .struct(fields)
        }
        return .struct([
            ("transactionId", .string(transactionId)),
            ("timestamp", IonValue(.int(.small(timestampMs)))),
            ("statements", .list(statementValues)),
            ("writes", .list(writeValues)),
            ("redactions", .list(redactions.map(\.ion))),
        ])
    }

    public init(ion: IonValue) throws {
        transactionId = try IonRead.string(ion, "transactionId")
        timestampMs = try IonRead.int64(ion, "timestamp")
        statements = try IonRead.list(ion, "statements").map { s in
            guard case .list(let parameters) = try IonRead.field(s, "parameters").content else {
                throw LedgerDecodingError("'parameters' is not a list")
            }
            return Statement(text: try IonRead.string(s, "statement"), startTimeMs: try IonRead.int64(s, "startTime"),
                             parameters: parameters)
        }
        writes = try IonRead.list(ion, "writes").map { w in
            Write(tableId: try IonRead.string(w, "tableId"), tableName: try IonRead.string(w, "tableName"),
                  documentId: try IonRead.string(w, "documentId"), version: try IonRead.int(w, "version"),
                  data: w[field: "data"],
                  statements: try IonRead.list(w, "statements").map { v in
                      guard case .int(.small(let i)) = v.content else { throw LedgerDecodingError("statement index") }
                      return Int(i)
                  })
        }
        redactions = try IonRead.list(ion, "redactions").map { try RedactionRequest(ion: $0) }
    }

    /// Deterministic bytes for the Raft log.
    public func encoded() -> [UInt8] { BlockCodec.encode(ion) }

    public static func decode(_ bytes: [UInt8]) throws -> BlockProposal {
        try BlockProposal(ion: BlockCodec.decode(bytes))
    }
}

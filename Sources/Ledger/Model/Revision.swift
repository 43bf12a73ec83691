import Ion

/// `{id, version, txTime, txId}` of a revision (PROTOCOL.md §3.3).
public struct RevisionMetadata: Hashable, Sendable {
    public var id: String
    public var version: Int
    public var txTimeMs: Int64
    public var txId: String

    public init(id: String, version: Int, txTimeMs: Int64, txId: String) {
        self.id = id
        self.version = version
        self.txTimeMs = txTimeMs
        self.txId = txId
    }

    public var ion: IonValue {
        IonValue(.struct([IonField("id", .string(id)), IonField("version", .int(version)),
                          IonField("txTime", IonRead.timestampValue(ms: txTimeMs)), IonField("txId", .string(txId))]))
    }

    public init(ion: IonValue) throws {
        id = try IonRead.string(ion, "id")
        version = try IonRead.int(ion, "version")
        txTimeMs = try IonRead.milliseconds(ion, "txTime")
        txId = try IonRead.string(ion, "txId")
    }
}

/// One committed revision of a document:
/// `{blockAddress, hash, data, metadata}`. A delete is a final revision
/// with no `data`; a redacted revision carries `dataHash` instead of `data`.
public struct Revision: Sendable {
    public var blockAddress: BlockAddress
    public var hash: [UInt8]
    public var data: IonValue?
    public var dataHash: [UInt8]?
    public var metadata: RevisionMetadata

    public init(blockAddress: BlockAddress, hash: [UInt8], data: IonValue?, dataHash: [UInt8]? = nil, metadata: RevisionMetadata) {
        self.blockAddress = blockAddress
        self.hash = hash
        self.data = data
        self.dataHash = dataHash
        self.metadata = metadata
    }

    public var isDeleted: Bool { data == nil && dataHash == nil }
    public var isRedacted: Bool { dataHash != nil }

    /// `dot(H(metadata), H(data))`; redacted: `dot(H(metadata), dataHash)`;
    /// deleted (no data): `H(metadata)` — `dot` with the empty hash is the identity.
    public static func hash(metadata: IonValue, data: IonValue?, dataHash: [UInt8]?) -> [UInt8] {
        QLDBHash.dot(metadata.ionHash, data?.ionHash ?? dataHash ?? [])
    }

    public var computedHash: [UInt8] { Revision.hash(metadata: metadata.ion, data: data, dataHash: dataHash) }

    /// The same revision with its data replaced by `dataHash` (PROTOCOL.md §3.9).
    public func redacted() -> Revision {
        guard let data else { return self }
        var copy = self
        copy.dataHash = data.ionHash
        copy.data = nil
        return copy
    }

    public var ion: IonValue {
        var fields: [(String, IonValue)] = [("blockAddress", blockAddress.ion), ("hash", .blob(hash))]
        if let data { fields.append(("data", data)) }
        if let dataHash { fields.append(("dataHash", .blob(dataHash))) }
        fields.append(("metadata", metadata.ion))
        return .struct(fields)
    }

    public init(ion: IonValue) throws {
        blockAddress = try BlockAddress(ion: IonRead.field(ion, "blockAddress"))
        hash = try IonRead.blob(ion, "hash")
        data = ion[field: "data"]
        dataHash = try ion[field: "dataHash"].map { try IonRead.blob($0, name: "dataHash") }
        metadata = try RevisionMetadata(ion: IonRead.field(ion, "metadata"))
    }
}

import Ion

/// The one seam between the ledger and an Ion encoding: journal records and
/// Raft proposals are Ion binary (one top-level value per record), and the
/// payloads clients see are Ion text.
public enum BlockCodec {
    public static func encode(_ value: IonValue) -> [UInt8] { Ion.writeBinary([value]) }

    /// A block's journal record: the value `block.recordIon`.
    public static func record(_ block: Block) -> [UInt8] { BlockRecordWriter.encode(block) }

    public static func decode(_ bytes: [UInt8]) throws -> IonValue {
        let values = try Ion.read(bytes)
        guard values.count == 1 else { throw LedgerDecodingError("record holds \(values.count) values, expected 1") }
        return values[0]
    }

    /// The size limits count (QLDB counts IonBinary bytes).
    public static func encodedSize(_ value: IonValue) -> Int { encode(value).count }

    /// Compact Ion text (no spaces), as the GetBlock/GetRevision payloads carry.
    public static func text(_ value: IonValue) -> String { Ion.writeText([value]) }
}

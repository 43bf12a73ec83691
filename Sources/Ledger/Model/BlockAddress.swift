import Ion

/// A block's position: `{strandId, sequenceNo}` (PROTOCOL.md §3.1).
public struct BlockAddress: Hashable, Sendable, CustomStringConvertible {
    public var strandId: String
    public var sequenceNo: Int

    public init(strandId: String, sequenceNo: Int) {
        self.strandId = strandId
        self.sequenceNo = sequenceNo
    }

    public var ion: IonValue {
        .struct([("strandId", .string(strandId)), ("sequenceNo", .int(sequenceNo))])
    }

    public init(ion: IonValue) throws {
        strandId = try IonRead.string(ion, "strandId")
        sequenceNo = try IonRead.int(ion, "sequenceNo")
        guard sequenceNo >= 0 else { throw LedgerDecodingError("negative sequenceNo") }
    }

    /// Compact Ion text, as QLDB returns `DigestTipAddress` (no spaces).
    public var description: String { "{strandId:\"\(strandId)\",sequenceNo:\(sequenceNo)}" }
}

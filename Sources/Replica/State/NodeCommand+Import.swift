import Ion

extension NodeCommand {
    /// Consecutive blocks of a QLDB journal export for a ledger being
    /// imported. Each block is carried as written in the export (Ion binary
    /// of the block struct); every node re-verifies each one as it appends it.
    /// The proposer keeps a command under `maxBytes`.
    public struct ImportBlocks: Equatable, Sendable {
        /// Above QLDB's 4 MB transaction limit, so any one QLDB block fits in a command.
        public static let maxBytes = 6 * 1024 * 1024

        public var ledgerName: String
        public var ledgerId: String
        public var firstSequenceNo: Int
        public var blocks: [[UInt8]]

        public init(ledgerName: String, ledgerId: String, firstSequenceNo: Int, blocks: [[UInt8]]) {
            self.ledgerName = ledgerName
            self.ledgerId = ledgerId
            self.firstSequenceNo = firstSequenceNo
            self.blocks = blocks
        }

        func add(to b: inout NodeRecordBuilder) {
            b.add("ledger", ledgerName)
            b.add("ledgerId", ledgerId)
            b.add("firstSequenceNo", firstSequenceNo)
            b.add("blocks", .list(blocks.map { .blob($0) }))
        }

        init(_ s: NodeRecordReader) throws {
            self.init(ledgerName: try s.string("ledger"), ledgerId: try s.string("ledgerId"),
                      firstSequenceNo: try s.int("firstSequenceNo"),
                      blocks: try s.list("blocks").map { value in
                          guard case .blob(let bytes) = value.content else { throw NodeCodingError("an imported block is not a blob") }
                          return bytes
                      })
        }
    }

    /// The digest the import must reach: every node compares its own digest
    /// at `tipSequenceNo` before the ledger goes ACTIVE.
    public struct FinishImport: Equatable, Sendable {
        public var ledgerName: String
        public var ledgerId: String
        public var tipSequenceNo: Int
        public var digest: [UInt8]

        public init(ledgerName: String, ledgerId: String, tipSequenceNo: Int, digest: [UInt8]) {
            self.ledgerName = ledgerName
            self.ledgerId = ledgerId
            self.tipSequenceNo = tipSequenceNo
            self.digest = digest
        }

        func add(to b: inout NodeRecordBuilder) {
            b.add("ledger", ledgerName)
            b.add("ledgerId", ledgerId)
            b.add("tipSequenceNo", tipSequenceNo)
            b.add("digest", blob: digest)
        }

        init(_ s: NodeRecordReader) throws {
            self.init(ledgerName: try s.string("ledger"), ledgerId: try s.string("ledgerId"),
                      tipSequenceNo: try s.int("tipSequenceNo"), digest: try s.blob("digest"))
        }
    }
}

import Ion
import Ledger

/// A tag on a ledger or stream: `TagValue` may be null in the model.
public struct ResourceTag: Equatable, Hashable, Sendable {
    public var key: String
    public var value: String?
    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}

/// The proposer's last applied block of a ledger when it proposed a
/// transaction. Every node compares it with its own block at `sequenceNo`.
public struct LedgerCheckpoint: Equatable, Sendable {
    public var sequenceNo: Int
    public var blockHash: [UInt8]
    public init(sequenceNo: Int, blockHash: [UInt8]) {
        self.sequenceNo = sequenceNo
        self.blockHash = blockHash
    }
}

/// Every change to node state that goes through the replicated log. The
/// proposer chooses everything a node needs to apply it identically (ids,
/// timestamps); `apply` reads no clock and draws no random number.
/// Encoded as one Ion binary struct `{op: "<case>", …}` with a fixed field order.
public enum NodeCommand: Equatable, Sendable {
    public struct CreateLedger: Equatable, Sendable {
        public var name: String
        /// Directory name under `<dataDir>/ledgers/`.
        public var ledgerId: String
        public var strandId: String
        public var permissionsMode: String
        public var deletionProtection: Bool
        /// nil = AWS-owned key.
        public var kmsKey: String?
        public var tags: [ResourceTag]
        public var creationTimeMs: Int64
        /// Created by `tally ledger import`: stays CREATING, serving nothing,
        /// until `finishImport` (see NodeCommand+Import.swift).
        public var importing = false

        public init(name: String, ledgerId: String, strandId: String, permissionsMode: String, deletionProtection: Bool,
                    kmsKey: String?, tags: [ResourceTag], creationTimeMs: Int64) {
            self.name = name
            self.ledgerId = ledgerId
            self.strandId = strandId
            self.permissionsMode = permissionsMode
            self.deletionProtection = deletionProtection
            self.kmsKey = kmsKey
            self.tags = tags
            self.creationTimeMs = creationTimeMs
        }
    }

    public struct Transaction: Equatable, Sendable {
        public var ledgerName: String
        /// Encoded inline as the struct field `block` (one Ion encoding, decoded once). Log entries
        /// written before that carry it as a blob `proposal` holding `BlockProposal.encoded()`; both decode.
        public var proposal: BlockProposal
        /// nil when the proposer's ledger had no block yet.
        public var checkpoint: LedgerCheckpoint?

        public init(ledgerName: String, proposal: BlockProposal, checkpoint: LedgerCheckpoint?) {
            self.ledgerName = ledgerName
            self.proposal = proposal
            self.checkpoint = checkpoint
        }
    }

    public struct ExportJournal: Equatable, Sendable {
        public var exportId: String
        public var ledgerName: String
        public var inclusiveStartMs: Int64
        public var exclusiveEndMs: Int64
        /// Directory under the export root (`<exportRoot>/<bucket>/<prefix>`).
        public var bucket: String
        public var prefix: String
        public var objectEncryptionType: String
        public var kmsKeyArn: String?
        public var roleArn: String
        /// `ION_TEXT` or `ION_BINARY`.
        public var outputFormat: String
        public var creationTimeMs: Int64
        /// The access key that asked for it (the per-credential export quota).
        public var requestedBy: String?

        public init(exportId: String, ledgerName: String, inclusiveStartMs: Int64, exclusiveEndMs: Int64, bucket: String,
                    prefix: String, objectEncryptionType: String, kmsKeyArn: String?, roleArn: String,
                    outputFormat: String, creationTimeMs: Int64) {
            self.exportId = exportId
            self.ledgerName = ledgerName
            self.inclusiveStartMs = inclusiveStartMs
            self.exclusiveEndMs = exclusiveEndMs
            self.bucket = bucket
            self.prefix = prefix
            self.objectEncryptionType = objectEncryptionType
            self.kmsKeyArn = kmsKeyArn
            self.roleArn = roleArn
            self.outputFormat = outputFormat
            self.creationTimeMs = creationTimeMs
        }
    }

    public struct StartStream: Equatable, Sendable {
        public var streamId: String
        public var ledgerName: String
        public var streamName: String
        public var roleArn: String
        /// `KinesisConfiguration.StreamArn`: the sink (`file:///…`, `http(s)://…` or a Kinesis ARN).
        public var streamArn: String
        public var aggregationEnabled: Bool
        public var inclusiveStartMs: Int64
        public var exclusiveEndMs: Int64?
        public var tags: [ResourceTag]
        public var creationTimeMs: Int64

        public init(streamId: String, ledgerName: String, streamName: String, roleArn: String, streamArn: String,
                    aggregationEnabled: Bool, inclusiveStartMs: Int64, exclusiveEndMs: Int64?, tags: [ResourceTag],
                    creationTimeMs: Int64) {
            self.streamId = streamId
            self.ledgerName = ledgerName
            self.streamName = streamName
            self.roleArn = roleArn
            self.streamArn = streamArn
            self.aggregationEnabled = aggregationEnabled
            self.inclusiveStartMs = inclusiveStartMs
            self.exclusiveEndMs = exclusiveEndMs
            self.tags = tags
            self.creationTimeMs = creationTimeMs
        }
    }

    case createLedger(CreateLedger)
    /// CREATING → ACTIVE (proposed by the leader once the create has applied).
    case activateLedger(name: String, ledgerId: String)
    /// nil members are left unchanged.
    case updateLedger(name: String, deletionProtection: Bool?, kmsKey: String?)
    case updatePermissionsMode(name: String, permissionsMode: String)
    /// → DELETING (refused while deletion protection is on).
    case deleteLedger(name: String)
    /// DELETING → gone: the ledger's files are removed.
    case purgeLedger(name: String, ledgerId: String)
    case tagResource(arn: String, tags: [ResourceTag])
    case untagResource(arn: String, keys: [String])
    case transaction(Transaction)
    case exportJournal(ExportJournal)
    /// IN_PROGRESS → COMPLETED or CANCELLED (what the leader's export run ended with).
    case finishExport(exportId: String, status: String, message: String?)
    case startStream(StartStream)
    /// The leader delivered every record of blocks up to `deliveredThrough` (at least once).
    case streamProgress(ledgerName: String, streamId: String, deliveredThrough: Int)
    /// ACTIVE → CANCELED, COMPLETED, FAILED or IMPAIRED.
    case finishStream(ledgerName: String, streamId: String, status: String, errorCause: String?)
    /// Blocks of a QLDB journal export, appended by every node after it re-verifies them.
    case importBlocks(ImportBlocks)
    /// Ends an import: every node checks its digest, then CREATING → ACTIVE.
    case finishImport(FinishImport)

    // MARK: - Encoding

    public var ion: IonValue {
        var b = NodeRecordBuilder()
        switch self {
        case .createLedger(let c):
            b.add("op", "createLedger")
            b.add("name", c.name)
            b.add("ledgerId", c.ledgerId)
            b.add("strandId", c.strandId)
            b.add("permissionsMode", c.permissionsMode)
            b.add("deletionProtection", c.deletionProtection)
            b.addOptional("kmsKey", c.kmsKey)
            b.add("tags", NodeCommand.tagsIon(c.tags))
            b.add("creationTime", c.creationTimeMs)
            if c.importing { b.add("importing", true) }
        case .activateLedger(let name, let ledgerId):
            b.add("op", "activateLedger")
            b.add("name", name)
            b.add("ledgerId", ledgerId)
        case .updateLedger(let name, let protection, let kmsKey):
            b.add("op", "updateLedger")
            b.add("name", name)
            b.addOptional("deletionProtection", protection)
            b.addOptional("kmsKey", kmsKey)
        case .updatePermissionsMode(let name, let mode):
            b.add("op", "updatePermissionsMode")
            b.add("name", name)
            b.add("permissionsMode", mode)
        case .deleteLedger(let name):
            b.add("op", "deleteLedger")
            b.add("name", name)
        case .purgeLedger(let name, let ledgerId):
            b.add("op", "purgeLedger")
            b.add("name", name)
            b.add("ledgerId", ledgerId)
        case .tagResource(let arn, let tags):
            b.add("op", "tagResource")
            b.add("arn", arn)
            b.add("tags", NodeCommand.tagsIon(tags))
        case .untagResource(let arn, let keys):
            b.add("op", "untagResource")
            b.add("arn", arn)
            b.add("keys", strings: keys)
        case .transaction(let t):
            b.add("op", "transaction")
            b.add("ledger", t.ledgerName)
            b.add("block", t.proposal.ion)
            if let cp = t.checkpoint {
                b.add("checkpoint", .struct([("sequenceNo", .int(cp.sequenceNo)), ("blockHash", .blob(cp.blockHash))]))
            }
            // Older entries may carry a `commitDigest` blob; it is ignored. The session layer checks the
            // client's commit digest before proposing, so the log does not carry it.
        case .exportJournal(let e):
            b.add("op", "exportJournal")
            b.add("export", e.ion)
        case .finishExport(let id, let status, let message):
            b.add("op", "finishExport")
            b.add("exportId", id)
            b.add("status", status)
            b.addOptional("message", message)
        case .startStream(let s):
            b.add("op", "startStream")
            b.add("stream", s.ion)
        case .streamProgress(let ledger, let id, let through):
            b.add("op", "streamProgress")
            b.add("ledger", ledger)
            b.add("streamId", id)
            b.add("deliveredThrough", through)
        case .finishStream(let ledger, let id, let status, let cause):
            b.add("op", "finishStream")
            b.add("ledger", ledger)
            b.add("streamId", id)
            b.add("status", status)
            b.addOptional("errorCause", cause)
        case .importBlocks(let i):
            b.add("op", "importBlocks")
            i.add(to: &b)
        case .finishImport(let f):
            b.add("op", "finishImport")
            f.add(to: &b)
        }
        return b.value
    }

    /// Deterministic Ion binary for the replicated log. A transaction (the
    /// commit path) is written straight from its proposal; its bytes differ
    /// from the generic encoding's (symbol ids), not its value.
    public func encoded() -> [UInt8] {
        if case .transaction(let t) = self { return TransactionCommandWriter.encode(t) }
        return Ion.writeBinary([ion])
    }

    public static func decode(_ bytes: [UInt8]) throws -> NodeCommand {
        let values = try Ion.read(bytes)
        guard values.count == 1 else { throw NodeCodingError("command holds \(values.count) values") }
        return try NodeCommand(ion: values[0])
    }

    public init(ion: IonValue) throws {
        let s = try NodeRecordReader(ion)
        switch try s.string("op") {
        case "createLedger":
            self = .createLedger(CreateLedger(
                name: try s.string("name"), ledgerId: try s.string("ledgerId"), strandId: try s.string("strandId"),
                permissionsMode: try s.string("permissionsMode"), deletionProtection: try s.bool("deletionProtection"),
                kmsKey: try s.optionalString("kmsKey"), tags: try NodeCommand.tags(s.list("tags")),
                creationTimeMs: try s.int64("creationTime")))
            if s.has("importing"), case .createLedger(var c) = self {
                c.importing = try s.bool("importing")
                self = .createLedger(c)
            }
        case "activateLedger":
            self = .activateLedger(name: try s.string("name"), ledgerId: try s.string("ledgerId"))
        case "updateLedger":
            self = .updateLedger(name: try s.string("name"), deletionProtection: try s.optionalBool("deletionProtection"),
                                 kmsKey: try s.optionalString("kmsKey"))
        case "updatePermissionsMode":
            self = .updatePermissionsMode(name: try s.string("name"), permissionsMode: try s.string("permissionsMode"))
        case "deleteLedger":
            self = .deleteLedger(name: try s.string("name"))
        case "purgeLedger":
            self = .purgeLedger(name: try s.string("name"), ledgerId: try s.string("ledgerId"))
        case "tagResource":
            self = .tagResource(arn: try s.string("arn"), tags: try NodeCommand.tags(s.list("tags")))
        case "untagResource":
            self = .untagResource(arn: try s.string("arn"), keys: try s.strings("keys"))
        case "transaction":
            var checkpoint: LedgerCheckpoint?
            if s.has("checkpoint") {
                let c = try NodeRecordReader(s.field("checkpoint"))
                checkpoint = LedgerCheckpoint(sequenceNo: try c.int("sequenceNo"), blockHash: try c.blob("blockHash"))
            }
            let proposal = s.has("block") ? try BlockProposal(ion: s.field("block"))
                : try BlockProposal.decode(s.blob("proposal"))
            self = .transaction(Transaction(ledgerName: try s.string("ledger"), proposal: proposal, checkpoint: checkpoint))
        case "exportJournal":
            self = .exportJournal(try ExportJournal(ion: s.field("export")))
        case "finishExport":
            self = .finishExport(exportId: try s.string("exportId"), status: try s.string("status"),
                                 message: try s.optionalString("message"))
        case "startStream":
            self = .startStream(try StartStream(ion: s.field("stream")))
        case "streamProgress":
            self = .streamProgress(ledgerName: try s.string("ledger"), streamId: try s.string("streamId"),
                                   deliveredThrough: try s.int("deliveredThrough"))
        case "finishStream":
            self = .finishStream(ledgerName: try s.string("ledger"), streamId: try s.string("streamId"),
                                 status: try s.string("status"), errorCause: try s.optionalString("errorCause"))
        case "importBlocks":
            self = .importBlocks(try ImportBlocks(s))
        case "finishImport":
            self = .finishImport(try FinishImport(s))
        case let other:
            throw NodeCodingError("unknown command '\(other)'")
        }
    }

    static func tagsIon(_ tags: [ResourceTag]) -> IonValue {
        .list(tags.map { t in .struct([("key", .string(t.key)), ("value", t.value.map { .string($0) } ?? .null)]) })
    }

    static func tags(_ values: [IonValue]) throws -> [ResourceTag] {
        try values.map { v in
            let s = try NodeRecordReader(v)
            return ResourceTag(key: try s.string("key"), value: try s.optionalString("value"))
        }
    }
}

extension NodeCommand.ExportJournal {
    public var ion: IonValue {
        var b = NodeRecordBuilder()
        b.add("exportId", exportId)
        b.add("ledger", ledgerName)
        b.add("inclusiveStartTime", inclusiveStartMs)
        b.add("exclusiveEndTime", exclusiveEndMs)
        b.add("bucket", bucket)
        b.add("prefix", prefix)
        b.add("objectEncryptionType", objectEncryptionType)
        b.addOptional("kmsKeyArn", kmsKeyArn)
        b.add("roleArn", roleArn)
        b.add("outputFormat", outputFormat)
        b.add("creationTime", creationTimeMs)
        b.addOptional("requestedBy", requestedBy)
        return b.value
    }

    public init(ion: IonValue) throws {
        let s = try NodeRecordReader(ion)
        self.init(exportId: try s.string("exportId"), ledgerName: try s.string("ledger"),
                  inclusiveStartMs: try s.int64("inclusiveStartTime"), exclusiveEndMs: try s.int64("exclusiveEndTime"),
                  bucket: try s.string("bucket"), prefix: try s.string("prefix"),
                  objectEncryptionType: try s.string("objectEncryptionType"), kmsKeyArn: try s.optionalString("kmsKeyArn"),
                  roleArn: try s.string("roleArn"), outputFormat: try s.string("outputFormat"),
                  creationTimeMs: try s.int64("creationTime"))
        requestedBy = try s.optionalString("requestedBy")
    }
}

extension NodeCommand.StartStream {
    public var ion: IonValue {
        var b = NodeRecordBuilder()
        b.add("streamId", streamId)
        b.add("ledger", ledgerName)
        b.add("streamName", streamName)
        b.add("roleArn", roleArn)
        b.add("streamArn", streamArn)
        b.add("aggregationEnabled", aggregationEnabled)
        b.add("inclusiveStartTime", inclusiveStartMs)
        b.addOptional("exclusiveEndTime", exclusiveEndMs)
        b.add("tags", NodeCommand.tagsIon(tags))
        b.add("creationTime", creationTimeMs)
        return b.value
    }

    public init(ion: IonValue) throws {
        let s = try NodeRecordReader(ion)
        self.init(streamId: try s.string("streamId"), ledgerName: try s.string("ledger"),
                  streamName: try s.string("streamName"), roleArn: try s.string("roleArn"),
                  streamArn: try s.string("streamArn"), aggregationEnabled: try s.bool("aggregationEnabled"),
                  inclusiveStartMs: try s.int64("inclusiveStartTime"), exclusiveEndMs: try s.optionalInt64("exclusiveEndTime"),
                  tags: try NodeCommand.tags(s.list("tags")), creationTimeMs: try s.int64("creationTime"))
    }
}

import Checksum
import Ion

/// QLDB's `LedgerState` as the registry holds it. `DELETED` is never stored:
/// a purged ledger is gone (DescribeLedger answers ResourceNotFoundException).
public enum LedgerLifecycle: String, Sendable {
    case creating = "CREATING"
    case active = "ACTIVE"
    case deleting = "DELETING"
}

/// One ledger's control-plane metadata.
public struct LedgerInfo: Equatable, Sendable {
    public var name: String
    public var ledgerId: String
    public var strandId: String
    public var state: LedgerLifecycle
    public var permissionsMode: String
    public var deletionProtection: Bool
    /// nil = AWS-owned key.
    public var kmsKey: String?
    /// Sorted by key.
    public var tags: [ResourceTag]
    public var creationTimeMs: Int64
    /// Why this node stopped applying the ledger's transactions (divergence), if it did.
    public var divergence: String?
    /// Being imported (`tally ledger import`): CREATING until `finishImport`.
    public var importing = false

    public var ion: IonValue {
        var b = NodeRecordBuilder()
        b.add("name", name)
        b.add("ledgerId", ledgerId)
        b.add("strandId", strandId)
        b.add("state", state.rawValue)
        b.add("permissionsMode", permissionsMode)
        b.add("deletionProtection", deletionProtection)
        b.addOptional("kmsKey", kmsKey)
        b.add("tags", NodeCommand.tagsIon(tags))
        b.add("creationTime", creationTimeMs)
        b.addOptional("divergence", divergence)
        if importing { b.add("importing", true) }
        return b.value
    }

    public init(ion: IonValue) throws {
        let s = try NodeRecordReader(ion)
        name = try s.string("name")
        ledgerId = try s.string("ledgerId")
        strandId = try s.string("strandId")
        guard let st = LedgerLifecycle(rawValue: try s.string("state")) else { throw NodeCodingError("bad ledger state") }
        state = st
        permissionsMode = try s.string("permissionsMode")
        deletionProtection = try s.bool("deletionProtection")
        kmsKey = try s.optionalString("kmsKey")
        tags = try NodeCommand.tags(s.list("tags"))
        creationTimeMs = try s.int64("creationTime")
        divergence = try s.optionalString("divergence")
        importing = s.has("importing") ? try s.bool("importing") : false
    }

    public init(create c: NodeCommand.CreateLedger) {
        name = c.name
        ledgerId = c.ledgerId
        strandId = c.strandId
        state = .creating
        permissionsMode = c.permissionsMode
        deletionProtection = c.deletionProtection
        kmsKey = c.kmsKey
        tags = ResourceTags.merge([], c.tags)
        creationTimeMs = c.creationTimeMs
        divergence = nil
        importing = c.importing
    }
}

/// Export status (`IN_PROGRESS`, `COMPLETED`, `CANCELLED`).
public struct ExportInfo: Equatable, Sendable {
    public var spec: NodeCommand.ExportJournal
    public var status: String
    /// Blocks the export covers, fixed when the command applied (nil: none in the time range).
    public var firstSequenceNo: Int?
    public var lastSequenceNo: Int?
    public var strandId: String
    /// Why it was cancelled, if it was.
    public var message: String?

    public var ion: IonValue {
        var b = NodeRecordBuilder()
        b.add("spec", spec.ion)
        b.add("status", status)
        b.addOptional("first", firstSequenceNo)
        b.addOptional("last", lastSequenceNo)
        b.add("strandId", strandId)
        b.addOptional("message", message)
        return b.value
    }

    public init(spec: NodeCommand.ExportJournal, status: String, firstSequenceNo: Int?, lastSequenceNo: Int?, strandId: String) {
        self.spec = spec
        self.status = status
        self.firstSequenceNo = firstSequenceNo
        self.lastSequenceNo = lastSequenceNo
        self.strandId = strandId
    }

    public init(ion: IonValue) throws {
        let s = try NodeRecordReader(ion)
        spec = try NodeCommand.ExportJournal(ion: s.field("spec"))
        status = try s.string("status")
        firstSequenceNo = try s.optionalInt("first")
        lastSequenceNo = try s.optionalInt("last")
        strandId = try s.string("strandId")
        message = try s.optionalString("message")
    }
}

/// Stream status (`ACTIVE`, `COMPLETED`, `CANCELED`, `FAILED`, `IMPAIRED`) and delivery progress.
public struct StreamInfo: Equatable, Sendable {
    public var spec: NodeCommand.StartStream
    public var status: String
    public var errorCause: String?
    /// Last block sequenceNo whose records were delivered; -1 = the CREATED control
    /// record was delivered but no block yet; nil = nothing delivered.
    public var deliveredThrough: Int?
    public var tags: [ResourceTag]

    /// ACTIVE or IMPAIRED: the leader keeps delivering (an IMPAIRED stream is retried).
    public var isDelivering: Bool { status == "ACTIVE" || status == "IMPAIRED" }

    public var ion: IonValue {
        var b = NodeRecordBuilder()
        b.add("spec", spec.ion)
        b.add("status", status)
        b.addOptional("errorCause", errorCause)
        b.addOptional("deliveredThrough", deliveredThrough)
        b.add("tags", NodeCommand.tagsIon(tags))
        return b.value
    }

    public init(spec: NodeCommand.StartStream) {
        self.spec = spec
        status = "ACTIVE"
        errorCause = nil
        deliveredThrough = nil
        tags = ResourceTags.merge([], spec.tags)
    }

    public init(ion: IonValue) throws {
        let s = try NodeRecordReader(ion)
        spec = try NodeCommand.StartStream(ion: s.field("spec"))
        status = try s.string("status")
        errorCause = try s.optionalString("errorCause")
        deliveredThrough = try s.optionalInt("deliveredThrough")
        tags = try NodeCommand.tags(s.list("tags"))
    }
}

public enum ResourceTags {
    /// QLDB's documented limit per resource.
    public static let maxPerResource = 50

    /// `existing` with `added` set over it, sorted by key.
    public static func merge(_ existing: [ResourceTag], _ added: [ResourceTag]) -> [ResourceTag] {
        var map: [String: String?] = [:]
        for t in existing { map[t.key] = t.value }
        for t in added { map[t.key] = t.value }
        return map.keys.sorted().map { ResourceTag(key: $0, value: map[$0]!) }
    }
}

/// What a node answers when a transaction command applies: enough for the
/// session layer to answer `CommitTransaction`.
public struct TransactionReply: Equatable, Sendable {
    public var transactionId: String
    public var strandId: String
    public var sequenceNo: Int
    public var blockHash: [UInt8]

    public init(transactionId: String, strandId: String, sequenceNo: Int, blockHash: [UInt8]) {
        self.transactionId = transactionId
        self.strandId = strandId
        self.sequenceNo = sequenceNo
        self.blockHash = blockHash
    }

    /// Plain bytes, not Ion: every node builds a reply for every transaction it applies, and only
    /// the proposing node's completion sees it (an in-memory answer, never stored or sent).
    /// `0x01`, then the transaction id and strand id (varint length + UTF-8), the sequence
    /// number (u64, big-endian) and the block hash (varint length + bytes).
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(Self.formatVersion)
        w.blob(Array(transactionId.utf8))
        w.blob(Array(strandId.utf8))
        w.u64(UInt64(bitPattern: Int64(sequenceNo)))
        w.blob(blockHash)
        return w.bytes
    }

    static let formatVersion: UInt8 = 1

    public static func decode(_ bytes: [UInt8]) throws -> TransactionReply {
        var r = ByteReader(bytes)
        do {
            guard try r.u8() == formatVersion else { throw NodeCodingError("reply format is not \(formatVersion)") }
            let transactionId = String(decoding: try r.blob(max: 1 << 16), as: UTF8.self)
            let strandId = String(decoding: try r.blob(max: 1 << 16), as: UTF8.self)
            let sequenceNo = Int(Int64(bitPattern: try r.u64()))
            let blockHash = try r.blob(max: 1 << 16)
            guard r.isAtEnd else { throw NodeCodingError("reply has \(r.remaining) bytes after its fields") }
            return TransactionReply(transactionId: transactionId, strandId: strandId, sequenceNo: sequenceNo, blockHash: blockHash)
        } catch let error as ByteReaderError {
            throw NodeCodingError("malformed reply: \(error)")
        }
    }
}

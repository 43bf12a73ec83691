import Foundation
import Replica
import Ion

/// `backup.ion` in a backup directory: what the backup holds and what a
/// restore must arrive at.
///
///     <backup dir>/backup.ion                          this manifest (written last, atomically)
///     <backup dir>/ledgers/<ledgerId>/journal/         each ledger's journal records 0..<blocks (a FileJournalStore)
///
/// ```
/// {formatVersion: 1, node: "node2", appliedIndex: 812, takenAt: "2026-12-03T17:20:01Z",
///  ledgers: [{<LedgerInfo as in ledgers.ion>, blocks: 431, digest: "9f0c…" (hex, absent with no block)}, …],
///  exports: [...], streams: [...],
///  runs: [{takenAt, incremental, appliedIndex, blocksCopied}, …]}
/// ```
/// All ledgers are captured in one turn of the node's loop, after every
/// journal was synced: the backup is the node state at log index `appliedIndex`.
/// A journal may hold more records than `blocks` (an incremental run that
/// stopped before its manifest was written); restore reads only `blocks`.
public struct BackupManifest {
    public struct LedgerState {
        public var info: LedgerInfo
        public var blocks: Int
        /// The ledger digest after block `blocks - 1`, lowercase hex (as `/status` shows it).
        public var digest: String?
    }

    public struct Run {
        public var takenAt: String
        public var incremental: Bool
        public var appliedIndex: UInt64
        public var blocksCopied: Int
    }

    public static let fileName = "backup.ion"

    public var node: String
    public var appliedIndex: UInt64
    public var takenAt: String
    public var ledgers: [LedgerState]
    public var exports: [ExportInfo]
    public var streams: [StreamInfo]
    public var runs: [Run]

    public static func path(in directory: String) -> String { directory + "/" + fileName }
    static func journalDirectory(in directory: String, ledgerId: String) -> String { "\(directory)/ledgers/\(ledgerId)/journal" }

    /// The manifest in `directory`, or nil when there is none.
    public static func load(directory: String) throws -> BackupManifest? {
        guard let bytes = try DurableFile.read(path(in: directory)) else { return nil }
        let values = try Ion.read(bytes)
        guard values.count == 1 else { throw NodeCodingError("\(path(in: directory)) holds \(values.count) values") }
        return try BackupManifest(ion: values[0])
    }

    /// Atomic replace + fsync.
    func write(directory: String) throws {
        try DurableFile.replace(BackupManifest.path(in: directory), with: Array((Ion.writeText([ion], pretty: true) + "\n").utf8))
    }

    init(node: String, appliedIndex: UInt64, takenAt: String, ledgers: [LedgerState], exports: [ExportInfo],
         streams: [StreamInfo], runs: [Run]) {
        self.node = node
        self.appliedIndex = appliedIndex
        self.takenAt = takenAt
        self.ledgers = ledgers
        self.exports = exports
        self.streams = streams
        self.runs = runs
    }

    init(ion value: IonValue) throws {
        let s = try NodeRecordReader(value)
        guard try s.int("formatVersion") == 1 else { throw NodeCodingError("backup manifest: unknown formatVersion") }
        node = try s.string("node")
        appliedIndex = UInt64(try s.int64("appliedIndex"))
        takenAt = try s.string("takenAt")
        ledgers = try s.list("ledgers").map { v in
            let r = try NodeRecordReader(v)
            let state = LedgerState(info: try LedgerInfo(ion: v), blocks: try r.int("blocks"), digest: try r.optionalString("digest"))
            guard state.blocks >= 0, (state.blocks == 0) == (state.digest == nil) else {
                throw NodeCodingError("backup manifest: ledger \(state.info.name) has \(state.blocks) blocks and \(state.digest == nil ? "no" : "a") digest")
            }
            return state
        }
        exports = try s.list("exports").map { try ExportInfo(ion: $0) }
        streams = try s.list("streams").map { try StreamInfo(ion: $0) }
        runs = try s.list("runs").map { v in
            let r = try NodeRecordReader(v)
            return Run(takenAt: try r.string("takenAt"), incremental: try r.bool("incremental"),
                       appliedIndex: UInt64(try r.int64("appliedIndex")), blocksCopied: try r.int("blocksCopied"))
        }
    }

    var ion: IonValue {
        let ledgerValues: [IonValue] = ledgers.map { l in
            guard case .struct(var fields) = l.info.ion.content else { return l.info.ion }
            fields.append(IonField("blocks", .int(l.blocks)))
            if let d = l.digest { fields.append(IonField("digest", .string(d))) }
            return IonValue(.struct(fields))
        }
        let runValues: [IonValue] = runs.map { r in
            var b = NodeRecordBuilder()
            b.add("takenAt", r.takenAt)
            b.add("incremental", r.incremental)
            b.add("appliedIndex", Int64(r.appliedIndex))
            b.add("blocksCopied", r.blocksCopied)
            return b.value
        }
        return .struct([
            ("formatVersion", .int(1)),
            ("node", .string(node)),
            ("appliedIndex", IonValue(.int(.small(Int64(appliedIndex))))),
            ("takenAt", .string(takenAt)),
            ("ledgers", .list(ledgerValues)),
            ("exports", .list(exports.map(\.ion))),
            ("streams", .list(streams.map(\.ion))),
            ("runs", .list(runValues)),
        ])
    }

    /// Now, as `2026-12-03T17:20:01Z`.
    static func now() -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

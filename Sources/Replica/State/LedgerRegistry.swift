import Foundation
import Ion
import Ledger

/// The node's ledgers, exports and streams, and the files behind them:
///
///     <dataDir>/ledgers.ion                      registry metadata + the log index it reflects
///     <dataDir>/ledgers/<ledgerId>/journal/      one FileJournalStore per ledger
///
/// Changed only by `NodeStateMachine.apply`; read by the session layer and
/// the control plane. Loop thread only.
public final class LedgerRegistry {
    public struct Options {
        public var dataDirectory: String
        public var region: String
        public var account: String
        /// Ledgers that may exist at once (QLDB's default quota was 5).
        public var maxLedgers: Int
        /// IN_PROGRESS exports per ledger at once (QLDB: 2).
        public var maxConcurrentExports: Int
        /// `ledgers.ion` is rewritten at least every this many applied entries
        /// (and whenever control-plane state changed), bounding replay after a restart.
        public var metadataInterval: UInt64
        /// Options for every `Ledger` opened (limits, id generator, clock).
        public var ledgerOptions: Ledger.Options
        /// Keep each ledger's state in LMDB under its directory (the default),
        /// or in memory, rebuilt from the whole journal at every start.
        public var stateOnDisk = true

        public init(dataDirectory: String, region: String = "us-east-1", account: String = "000000000000",
                    maxLedgers: Int = 20, maxConcurrentExports: Int = 2, metadataInterval: UInt64 = 1024,
                    ledgerOptions: Ledger.Options = Ledger.Options()) {
            self.dataDirectory = dataDirectory
            self.region = region
            self.account = account
            self.maxLedgers = maxLedgers
            self.maxConcurrentExports = maxConcurrentExports
            self.metadataInterval = metadataInterval
            self.ledgerOptions = ledgerOptions
        }
    }

    /// One ledger: its metadata and, unless it is being purged, its open journal.
    public final class Entry {
        public internal(set) var info: LedgerInfo
        public internal(set) var ledger: Ledger?
        public var store: FileJournalStore?
        public var recentHashes = RecentBlockHashes()
        /// After a restart: journal blocks in this range already hold the effect of
        /// log entries after the recorded index; replayed commands claim them in order.
        public var replayTail: Range<Int>?

        public init(info: LedgerInfo) { self.info = info }

        /// The hash of block `sequenceNo`, from the cache or the journal.
        public func blockHash(_ sequenceNo: Int) -> [UInt8]? {
            if let h = recentHashes.hash(sequenceNo) { return h }
            guard let ledger, sequenceNo >= 0, sequenceNo < ledger.blockCount else { return nil }
            return try? ledger.block(at: BlockAddress(strandId: ledger.strandId, sequenceNo: sequenceNo)).blockHash
        }
    }

    /// `metadataInterval` may be lowered after opening (`Node` caps it at the Raft compaction threshold).
    public var options: Options
    public internal(set) var entries: [String: Entry] = [:]
    public var exports: [String: ExportInfo] = [:]
    public var streams: [String: StreamInfo] = [:]
    /// The log index `ledgers.ion` reflects (0 = nothing applied yet).
    public private(set) var recordedIndex: UInt64 = 0
    /// What `ledgers.ion` holds now (nil before the first write): the state as of
    /// `recordedIndex` exactly, which the catch-up manifest describes.
    public var savedMetadata: IonValue?

    public static let fileName = "ledgers.ion"
    public var metadataPath: String { options.dataDirectory + "/" + LedgerRegistry.fileName }

    /// Loads `ledgers.ion` (if any) and reopens every ledger's journal; each
    /// journal is re-verified by `Ledger.open`. Throws on any corruption.
    public init(options: Options) throws {
        self.options = options
        try FileManager.default.createDirectory(atPath: options.dataDirectory + "/ledgers", withIntermediateDirectories: true)
        guard let bytes = try DurableFile.read(metadataPath) else { return }
        let values = try Ion.read(bytes)
        guard values.count == 1 else { throw NodeCodingError("\(metadataPath) holds \(values.count) values") }
        savedMetadata = values[0]
        let s = try NodeRecordReader(values[0])
        guard try s.int("formatVersion") == 1 else { throw NodeCodingError("\(metadataPath): unknown formatVersion") }
        recordedIndex = UInt64(try s.int64("appliedIndex"))
        for value in try s.list("ledgers") {
            let info = try LedgerInfo(ion: value)
            let recordedBlocks = try NodeRecordReader(value).int("blocks")
            let entry = Entry(info: info)
            let dir = journalDirectory(ledgerId: info.ledgerId)
            if info.state != .deleting || FileManager.default.fileExists(atPath: dir) {
                try open(entry)
                let count = entry.ledger!.blockCount
                guard count >= recordedBlocks else {
                    throw NodeCodingError("journal of ledger \(info.name) has \(count) blocks; \(metadataPath) recorded \(recordedBlocks)")
                }
                if count > recordedBlocks { entry.replayTail = recordedBlocks..<count }
            }
            entries[info.name] = entry
        }
        for value in try s.list("exports") {
            let e = try ExportInfo(ion: value)
            exports[e.spec.exportId] = e
        }
        for value in try s.list("streams") {
            let st = try StreamInfo(ion: value)
            streams[st.spec.streamId] = st
        }
    }

    public func journalDirectory(ledgerId: String) -> String { "\(options.dataDirectory)/ledgers/\(ledgerId)/journal" }

    /// Opens (creating if needed) the ledger's journal. A journal already holding
    /// blocks (a create replayed after a restart) is re-verified and kept.
    public func open(_ entry: Entry) throws {
        let store = try FileJournalStore.open(directory: journalDirectory(ledgerId: entry.info.ledgerId))
        var ledgerOptions = options.ledgerOptions
        ledgerOptions.stateDirectory = options.stateOnDisk ? "\(options.dataDirectory)/ledgers/\(entry.info.ledgerId)/state" : nil
        do {
            entry.ledger = try Ledger.open(store: store, strandId: entry.info.strandId, options: ledgerOptions)
            entry.store = store
        } catch {
            store.close()
            throw error
        }
    }

    public func add(_ entry: Entry) { entries[entry.info.name] = entry }

    /// Forgets the ledger and removes its files.
    public func purge(_ name: String) {
        guard let entry = entries.removeValue(forKey: name) else { return }
        entry.ledger?.close()
        entry.store?.close()
        entry.store = nil
        entry.ledger = nil
        try? FileManager.default.removeItem(atPath: "\(options.dataDirectory)/ledgers/\(entry.info.ledgerId)")
    }

    /// Writes `ledgers.ion` (atomic replace + fsync) recording `appliedIndex`.
    /// Every journal must already be synced up to what it holds.
    public func save(appliedIndex: UInt64) throws {
        var ledgerValues: [IonValue] = []
        for name in entries.keys.sorted() {
            let entry = entries[name]!
            guard case .struct(var fields) = entry.info.ion.content else { continue }
            // Blocks of a replay tail not claimed yet are not part of the state at `appliedIndex`.
            fields.append(IonField("blocks", .int((entry.ledger?.blockCount ?? 0) - (entry.replayTail?.count ?? 0))))
            ledgerValues.append(IonValue(.struct(fields)))
        }
        let root: IonValue = .struct([
            ("formatVersion", .int(1)),
            ("appliedIndex", IonValue(.int(.small(Int64(appliedIndex))))),
            ("ledgers", .list(ledgerValues)),
            ("exports", .list(exports.keys.sorted().map { exports[$0]!.ion })),
            ("streams", .list(streams.keys.sorted().map { streams[$0]!.ion })),
        ])
        try DurableFile.replace(metadataPath, with: Array((Ion.writeText([root], pretty: true) + "\n").utf8))
        recordedIndex = appliedIndex
        savedMetadata = root
    }

    /// Closes every journal (releases the directory locks).
    public func close() {
        for entry in entries.values {
            entry.ledger?.close()
            entry.store?.close()
            entry.store = nil
        }
    }

    // MARK: - Lookups

    public func entry(named name: String) -> Entry? { entries[name] }

    /// Every ledger's metadata, sorted by name.
    public var ledgerInfos: [LedgerInfo] { entries.keys.sorted().map { entries[$0]!.info } }

    public func ledgerArn(_ name: String) -> String { "arn:aws:qldb:\(options.region):\(options.account):ledger/\(name)" }

    public func streamArn(ledger: String, streamId: String) -> String {
        "arn:aws:qldb:\(options.region):\(options.account):stream/\(ledger)/\(streamId)"
    }

    /// The resource an ARN names: a ledger, or a stream (`stream/<ledger>/<id>`).
    /// Region and account are not compared (a node answers for one account).
    public enum Resource: Equatable {
        case ledger(String)
        case stream(ledger: String, streamId: String)
    }

    public static func parseArn(_ arn: String) -> Resource? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "qldb" else { return nil }
        let path = parts[5].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if path.count == 2, path[0] == "ledger", !path[1].isEmpty { return .ledger(path[1]) }
        if path.count == 3, path[0] == "stream", !path[1].isEmpty, !path[2].isEmpty {
            return .stream(ledger: path[1], streamId: path[2])
        }
        return nil
    }
}

/// The hashes of a ledger's most recent blocks, for the divergence check.
public struct RecentBlockHashes {
    public static let capacity = 4096
    private var hashes: [[UInt8]] = []
    private var first = 0

    public func hash(_ sequenceNo: Int) -> [UInt8]? {
        let i = sequenceNo - first
        return i >= 0 && i < hashes.count ? hashes[i] : nil
    }

    public mutating func record(_ sequenceNo: Int, _ hash: [UInt8]) {
        if sequenceNo != first + hashes.count {
            hashes = []
            first = sequenceNo
        }
        hashes.append(hash)
        if hashes.count > 2 * RecentBlockHashes.capacity {
            hashes.removeFirst(RecentBlockHashes.capacity)
            first += RecentBlockHashes.capacity
        }
    }
}

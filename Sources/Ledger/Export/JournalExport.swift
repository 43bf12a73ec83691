import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Ion

/// Journal export in QLDB's S3 layout (PROTOCOL.md §3.10), to a local directory:
///
///     <dir>/<exportId>.started.manifest                 {ledgerName, exportId, inclusiveStartTime, exclusiveEndTime, bucket, prefix, objectEncryptionType}
///     <dir>/<exportId>.<strandId>.completed.manifest    {keys: ["2024/01/02/03/<strandId>.<first>-<last>.ion", …]}
///     <dir>/YYYY/MM/DD/HH/<strandId>.<first>-<last>.ion  the blocks, in sequence order
///
/// Data files hold whole blocks as `GetBlock` shows them (redacted revisions
/// carry `dataHash`); a file never spans two UTC hours.
public enum JournalExport {
    public enum Format: String, Sendable {
        case ionText = "ION_TEXT"
        case ionBinary = "ION_BINARY"
        /// One JSON object per block and line, down-converted (`IonJSON`):
        /// for reading by other tools; it cannot be re-verified.
        case json = "JSON"

        var fileExtension: String { self == .json ? "json" : "ion" }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var blocks: Int
        public var firstSequenceNo: Int
        public var tip: BlockAddress?
        /// The digest recomputed from the exported block hashes (only when the export starts at block 0).
        public var digest: [UInt8]?
        /// Blocks in QLDB's layout (imported from QLDB), checked with QLDB's rule.
        public var qldbLayoutBlocks = 0
        public var description: String {
            let digestText = digest.map { Base64.encode($0) } ?? "n/a (export does not start at block 0)"
            return "verified \(blocks) blocks from sequenceNo \(firstSequenceNo); tip \(tip.map { "\($0)" } ?? "-"); digest \(digestText)"
                + (qldbLayoutBlocks > 0 ? "; \(qldbLayoutBlocks) blocks in QLDB's layout checked with QLDB's rule" : "")
        }
    }

    /// Writes blocks `range` (all by default) and both manifests; returns the data keys.
    @discardableResult
    public static func write(_ ledger: Ledger, ledgerName: String, to directory: String, exportId: String? = nil,
                             range: ClosedRange<Int>? = nil, format: Format = .ionText, blocksPerFile: Int = 100) throws -> [String] {
        guard ledger.blockCount > 0 else { throw LedgerError.emptyJournal }
        let range = range ?? 0...(ledger.blockCount - 1)
        guard range.lowerBound >= 0, range.upperBound < ledger.blockCount else {
            throw LedgerError.unknownBlock(BlockAddress(strandId: ledger.strandId, sequenceNo: range.upperBound))
        }
        let exportId = exportId ?? ledger.ids.next()
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var keys: [String] = []
        var batch: [Block] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            let file = dataFile(batch, strandId: ledger.strandId, format: format)
            try fm.createDirectory(atPath: "\(directory)/\(file.folder)", withIntermediateDirectories: true)
            try write(file.bytes, to: "\(directory)/\(file.key)")
            keys.append(file.key)
            batch.removeAll()
        }
        var firstTime: Int64?
        var lastTime: Int64 = 0
        for seq in range {
            let block = try ledger.block(at: BlockAddress(strandId: ledger.strandId, sequenceNo: seq))
            if firstTime == nil { firstTime = block.timestampMs }
            lastTime = block.timestampMs
            if startsNewFile(after: batch, block, blocksPerFile: blocksPerFile) { try flush() }
            batch.append(block)
        }
        try flush()
        let started: IonValue = .struct([
            ("ledgerName", .string(ledgerName)), ("exportId", .string(exportId)),
            ("inclusiveStartTime", IonRead.timestampValue(ms: firstTime ?? 0)),
            ("exclusiveEndTime", IonRead.timestampValue(ms: lastTime + 1)),
            ("bucket", .string("local")), ("prefix", .string("")), ("objectEncryptionType", .string("NO_ENCRYPTION")),
            ("outputFormat", .string(format.rawValue)),
        ])
        try write(Array(Ion.writeText([started]).utf8), to: "\(directory)/\(exportId).started.manifest")
        let completed: IonValue = .struct([("keys", .list(keys.map { .string($0) }))])
        try write(Array(Ion.writeText([completed]).utf8), to: "\(directory)/\(exportId).\(ledger.strandId).completed.manifest")
        return keys
    }

    /// Whether `block` must start a new data file after `batch` (full, or another UTC hour).
    public static func startsNewFile(after batch: [Block], _ block: Block, blocksPerFile: Int) -> Bool {
        guard let first = batch.first else { return false }
        return batch.count >= blocksPerFile || first.timestampMs / 3_600_000 != block.timestampMs / 3_600_000
    }

    /// One data file of consecutive blocks: its folder (`YYYY/MM/DD/HH`), key and bytes.
    public static func dataFile(_ blocks: [Block], strandId: String, format: Format) -> (folder: String, key: String, bytes: [UInt8]) {
        guard let first = blocks.first, let last = blocks.last else { return ("", "", []) }
        let t = first.blockTimestamp
        let folder = String(format: "%04d/%02d/%02d/%02d", t.year, t.month, t.day, t.hour)
        let key = "\(folder)/\(strandId).\(first.address.sequenceNo)-\(last.address.sequenceNo).\(format.fileExtension)"
        let values = blocks.map(\.ion)
        let bytes: [UInt8]
        switch format {
        case .ionText: bytes = Array((values.map { Ion.writeText([$0]) }.joined(separator: "\n") + "\n").utf8)
        case .ionBinary: bytes = Ion.writeBinary(values)
        case .json: bytes = Array((values.map { IonJSON.write($0) }.joined(separator: "\n") + "\n").utf8)
        }
        return (folder, key, bytes)
    }

    /// Re-checks an export from its files alone: every block's hashes, the
    /// chain between consecutive blocks (from the strand's genesis when the
    /// export starts at block 0), and recomputes the digest at the last block.
    public static func verify(directory: String) throws -> Report {
        let fm = FileManager.default
        let manifests = try fm.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".completed.manifest") }.sorted()
        guard manifests.count == 1 else { throw LedgerDecodingError("expected one completed manifest in \(directory), found \(manifests.count)") }
        let manifest = try Ion.read(read("\(directory)/\(manifests[0])"))
        guard let keysValue = manifest.first, case .list(let keyValues) = try IonRead.field(keysValue, "keys").content else {
            throw LedgerDecodingError("completed manifest has no keys list")
        }
        if keyValues.contains(where: { if case .string(let k) = $0.content { return k.hasSuffix(".json") } else { return false } }) {
            throw LedgerDecodingError("\(directory) is a JSON export: JSON loses Ion types, so its hashes cannot be recomputed; export as ION_TEXT or ION_BINARY to verify")
        }
        var accumulator = MerkleAccumulator()
        var previous: Block?
        var first = 0
        var qldbLayoutBlocks = 0
        for keyValue in keyValues {
            guard case .string(let key) = keyValue.content else { throw LedgerDecodingError("manifest key is not a string") }
            for value in try Ion.read(read("\(directory)/\(key)")) {
                let block = try Block(ion: value)
                let seq = block.address.sequenceNo
                let expectedPrevious: [UInt8]
                if let previous {
                    guard block.address == BlockAddress(strandId: previous.address.strandId, sequenceNo: previous.address.sequenceNo + 1) else {
                        throw LedgerError.corruptJournal(sequenceNo: seq, reason: "in \(key): does not follow block \(previous.address.sequenceNo)")
                    }
                    expectedPrevious = previous.blockHash
                } else {
                    first = seq
                    expectedPrevious = seq == 0 ? Ledger.genesisPreviousHash(strandId: block.address.strandId) : block.previousBlockHash
                }
                if let problem = Ledger.check(block: block, previousBlockHash: expectedPrevious) {
                    // A block imported from QLDB keeps QLDB's layout: QLDB's own rule applies (Docs/import.md).
                    var foreign = block
                    foreign.isForeign = true
                    let chainedFrom = previous?.blockHash ?? block.previousBlockHash
                    guard BlockHasher.checkForeign(foreign, previousBlockHash: chainedFrom) == nil else {
                        throw LedgerError.corruptJournal(sequenceNo: seq, reason: "in \(key): \(problem)")
                    }
                    qldbLayoutBlocks += 1
                }
                accumulator.append(block.blockHash)
                previous = block
            }
        }
        let digest = first == 0 && accumulator.count > 0 ? accumulator.root(size: accumulator.count) : nil
        return Report(blocks: accumulator.count, firstSequenceNo: first, tip: previous?.address, digest: digest,
                      qldbLayoutBlocks: qldbLayoutBlocks)
    }

    /// Writes a file durably: a temporary file, fsync, rename, fsync of the directory.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try JournalFileIO.writeAtomically(bytes, to: path)
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw LedgerDecodingError("cannot read \(path)") }
        return [UInt8](data)
    }
}

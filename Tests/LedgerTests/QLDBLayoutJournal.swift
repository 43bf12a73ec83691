import Foundation
import Ion
@testable import Ledger

/// Builds journals in QLDB's block layout, as QLDB's published verifier
/// describes them: `entriesHashList` holds H(transactionInfo) and the Merkle
/// root of `revisions` among entries Tally does not produce (internal system
/// metadata), and `revisions` mixes user revisions with hash-only entries.
/// A block with one user revision has four entries, the revision's hash
/// (the root of a one-leaf tree) being one of them.
struct QLDBLayoutJournal {
    var rng: SeededGenerator
    let strandId: String
    let tableId = "5PLf9SXwndd63lPaSIa0O6"
    let tableName = "Vehicle"
    var blocks: [Block] = []
    var documents: [(id: String, version: Int)] = []
    var timeMs: Int64 = 1_650_000_000_123

    init(seed: UInt64, strandId: String = "JdxjkR9bSYB5jMHWcI464T") {
        rng = SeededGenerator(seed: seed)
        self.strandId = strandId
    }

    mutating func randomHash() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) } }

    mutating func id() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        return String((0..<22).map { _ in alphabet[Int.random(in: 0..<62, using: &rng)] })
    }

    /// Appends one block: inserts (and, once documents exist, an update), with
    /// `system` hash-only revisions and four entries in `entriesHashList`.
    mutating func appendBlock(userRevisions: Int = 1, system: Int = 0) {
        let seq = blocks.count
        let address = BlockAddress(strandId: strandId, sequenceNo: seq)
        let txId = id()
        timeMs += Int64(Int.random(in: 0...2500, using: &rng))
        var revisions: [Revision] = []
        var docs: [IonField] = []
        for n in 0..<userRevisions {
            let (docId, version): (String, Int)
            if n == 1, let existing = documents.first {
                (docId, version) = (existing.id, existing.version + 1)
                documents[0].version += 1
            } else {
                (docId, version) = (id(), 0)
                documents.append((docId, 0))
            }
            let data: IonValue = .struct([("VIN", .string("VIN-\(seq)-\(n)")), ("Price", IonValue(.decimal(IonDecimal(coefficient: .small(Int64(seq * 100 + n)), exponent: -2)))),
                                          ("Year", .int(2000 + seq)), ("Owner", IonValue(.symbol(IonSymbol("owner\(n)"))))])
            let metadata = RevisionMetadata(id: docId, version: version, txTimeMs: timeMs, txId: txId)
            revisions.append(Revision(blockAddress: address, hash: Revision.hash(metadata: metadata.ion, data: data, dataHash: nil),
                                      data: data, metadata: metadata))
            docs.append(IonField(IonSymbol(docId), .struct([("tableName", .string(tableName)), ("tableId", .string(tableId)),
                                                            ("statements", .list([.int(0)]))])))
        }
        let statement = "INSERT INTO \(tableName) ?"
        let info: IonValue = .struct([
            ("statements", .list([.struct([("statement", .string(statement)), ("startTime", IonRead.timestampValue(ms: timeMs - 5)),
                                           ("statementDigest", .blob(QLDBHash.statementHash(statement, parameters: [])))])])),
            ("documents", IonValue(.struct(docs))),
        ])
        var systemRevisions: [Block.SystemRevision] = []
        for s in 0..<system { systemRevisions.append(.init(position: s * 2, hash: randomHash())) }
        var block = Block(address: address, transactionId: txId, timestampMs: timeMs, blockHash: [], entriesHash: [],
                          previousBlockHash: blocks.last?.blockHash ?? randomHash(), entriesHashList: [],
                          transactionInfo: info, redactionInfo: nil, revisions: revisions)
        block.systemRevisions = systemRevisions
        block.entriesHashList = [randomHash(), info.ionHash, QLDBHash.merkleRoot(block.revisionLeaves), randomHash()]
        block.entriesHash = QLDBHash.merkleRoot(block.entriesHashList)
        block.blockHash = QLDBHash.dot(block.entriesHash, block.previousBlockHash)
        blocks.append(block)
    }

    /// Appends a DDL-only block as QLDB writes one: the table's creation is in
    /// hash-only system revisions, and `transactionInfo` has no `documents`.
    mutating func appendDDLBlock() {
        let seq = blocks.count
        timeMs += 700
        let statement = "CREATE TABLE \(tableName)"
        let info: IonValue = .struct([
            ("statements", .list([.struct([("statement", .string(statement)), ("startTime", IonRead.timestampValue(ms: timeMs - 3)),
                                           ("statementDigest", .blob(QLDBHash.statementHash(statement, parameters: [])))])])),
        ])
        var block = Block(address: BlockAddress(strandId: strandId, sequenceNo: seq), transactionId: id(), timestampMs: timeMs,
                          blockHash: [], entriesHash: [], previousBlockHash: blocks.last?.blockHash ?? randomHash(),
                          entriesHashList: [], transactionInfo: info, redactionInfo: nil, revisions: [])
        block.systemRevisions = [.init(position: 0, hash: randomHash()), .init(position: 1, hash: randomHash())]
        block.entriesHashList = [info.ionHash, QLDBHash.merkleRoot(block.revisionLeaves), randomHash()]
        block.entriesHash = QLDBHash.merkleRoot(block.entriesHashList)
        block.blockHash = QLDBHash.dot(block.entriesHash, block.previousBlockHash)
        blocks.append(block)
    }

    /// Writes the export in QLDB's S3 layout; returns the data object keys.
    @discardableResult
    func write(to directory: String, format: JournalExport.Format, blocksPerFile: Int = 4, exportId: String = "4hGLzPdsuWhAvBeGj8TOOd") throws -> [String] {
        var keys: [String] = []
        var start = 0
        while start < blocks.count {
            let chunk = Array(blocks[start..<min(start + blocksPerFile, blocks.count)])
            let file = JournalExport.dataFile(chunk, strandId: strandId, format: format)
            try FileManager.default.createDirectory(atPath: "\(directory)/\(file.folder)", withIntermediateDirectories: true)
            try JournalExport.write(file.bytes, to: "\(directory)/\(file.key)")
            keys.append(file.key)
            start += blocksPerFile
        }
        try QLDBLayoutJournal.writeManifest(keys, to: directory, exportId: exportId, strandId: strandId)
        return keys
    }

    static func writeManifest(_ keys: [String], to directory: String, exportId: String = "4hGLzPdsuWhAvBeGj8TOOd", strandId: String) throws {
        let completed: IonValue = .struct([("keys", .list(keys.map { .string($0) }))])
        try JournalExport.write(Array(Ion.writeText([completed]).utf8), to: "\(directory)/\(exportId).\(strandId).completed.manifest")
    }

    /// The digest as PROTOCOL.md §3.5 defines it, without the accumulator.
    var digest: [UInt8] { QLDBHash.merkleRoot(blocks.map(\.blockHash)) }
}

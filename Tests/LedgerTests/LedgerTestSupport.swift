import Foundation
import Ion
import PartiQL
import XCTest
@testable import Ledger

extension XCTestCase {
    /// A fresh path under the temporary directory (not created), removed with
    /// everything under it when the test ends.
    func temporaryPath(_ prefix: String) -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// A settable clock (milliseconds since the epoch).
final class FakeClock: @unchecked Sendable {
    var now: Int64
    init(_ now: Int64 = 1_700_000_000_000) { self.now = now }
    func advance(_ ms: Int64) { now += ms }
}

/// A journal store whose records tests can tamper with.
final class TamperableStore: JournalStore {
    var records: [[UInt8]] = []
    var syncedCount = 0
    var count: Int { records.count }
    func append(_ record: [UInt8]) throws -> Int { records.append(record); return records.count - 1 }
    func sync() throws { syncedCount = records.count }
    func read(_ index: Int) throws -> [UInt8] { records[index] }
    func overwrite(_ index: Int, with record: [UInt8]) throws {
        precondition(record.count == records[index].count && index < syncedCount)
        records[index] = record
    }
    func forEach(from: Int, _ body: (Int, [UInt8]) throws -> Void) throws {
        var i = from
        while i < records.count { try body(i, records[i]); i += 1 }
    }
}

func makeLedger(seed: UInt64 = 1, store: JournalStore = MemoryJournalStore(), strandId: String? = nil,
                clock: FakeClock = FakeClock(), limits: LedgerLimits = LedgerLimits()) throws -> Ledger {
    try Ledger.open(store: store, strandId: strandId,
                    options: Ledger.Options(limits: limits, ids: IDGenerator(SeededGenerator(seed: seed)), clock: { clock.now }, elapsedClock: { clock.now }))
}

func doc(_ fields: (String, IonValue)...) -> IonValue { .struct(fields) }

/// Creates table T indexed on k with documents k=1 (`one`) and k=2 (`two`).
func fillIndexedTable(_ ledger: Ledger) throws -> (one: String, two: String) {
    try ledger.run {
        _ = try $0.createTable(name: "T", tags: [])
        _ = try $0.createIndex(table: "T", field: "k")
    }
    var one = "", two = ""
    try ledger.run {
        one = try $0.insert(table: "T", document: doc(("k", .int(1)), ("v", .string("a"))))
        two = try $0.insert(table: "T", document: doc(("k", .int(2)), ("v", .string("b"))))
    }
    return (one, two)
}

/// A ledger of `blocks` blocks of the seeded `Workload`, on a memory journal:
/// the source of records for tests of replicated appends.
func workloadLedger(seed: UInt64, blocks: Int) throws -> Ledger {
    let clock = FakeClock()
    let source = try makeLedger(seed: seed, store: MemoryJournalStore(), clock: clock)
    var workload = Workload(seed: seed)
    _ = try workload.run(source, clock: clock, blocks: blocks)
    return source
}

/// A ledger replicating `source` on disk (journal in `dir`/journal, LMDB state
/// in `dir`/state), with `source`'s blocks `firstBatch` applied as one
/// state-store batch.
func diskReplica(of source: Ledger, in dir: String, firstBatch: Range<Int>) throws -> (journal: FileJournalStore, ledger: Ledger) {
    let journal = try FileJournalStore.open(directory: dir + "/journal")
    let ledger = try Ledger.open(store: journal, strandId: source.strandId, options: Ledger.Options(stateDirectory: dir + "/state"))
    try ledger.beginBatch()
    try ledger.appendReplicated(from: source, firstBatch)
    try ledger.flushBatch()
    return (journal, ledger)
}

/// Opens a `diskReplica`'s journal and ledger again (the caller closed both).
func reopenDiskReplica(in dir: String) throws -> (journal: FileJournalStore, ledger: Ledger) {
    let journal = try FileJournalStore.open(directory: dir + "/journal")
    return (journal, try Ledger.open(store: journal, options: Ledger.Options(stateDirectory: dir + "/state")))
}

extension Ledger {
    /// Appends `source`'s records `sequenceNos` as replicated blocks.
    func appendReplicated(from source: Ledger, _ sequenceNos: Range<Int>) throws {
        for seq in sequenceNos { try appendReplicated(record: source.journalRecord(sequenceNo: seq)) }
    }

    /// Runs `body` in a transaction, commits and applies it.
    @discardableResult
    func run(_ statement: String = "stmt", _ body: (LedgerTransaction) throws -> Void) throws -> Block? {
        let tx = begin()
        try tx.recordStatement(text: statement, parameters: [])
        try body(tx)
        return try commit(tx)
    }
}

/// A seeded random mix of DDL, inserts, updates, deletes, index creation and redactions.
struct Workload {
    var rng: SeededGenerator
    var tableCount = 0

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    /// Prepares one random transaction's proposal (nil if it wrote nothing).
    mutating func nextProposal(_ ledger: Ledger, clock: FakeClock) throws -> BlockProposal? {
        clock.advance(Int64(int(3)))  // several blocks may share a millisecond
        let tx = ledger.begin()
        let tables = tx.activeTables()
        if tables.isEmpty || (int(100) < 4 && tableCount < 5) {
            tableCount += 1
            let name = "T\(tableCount)"
            try tx.recordStatement(text: "CREATE TABLE \(name)", parameters: [])
            _ = try tx.createTable(name: name, tags: [])
            if int(2) == 0 {
                try tx.recordStatement(text: "INSERT INTO \(name) ?", parameters: [])
                _ = try tx.insert(table: name, document: doc(("k", .int(int(5))), ("v", .string("first"))))
            }
            return try tx.commit()
        }
        let table = tables[int(tables.count)].name
        let roll = int(100)
        if roll < 5 {
            let field = ["k", "v", "n"][int(3)]
            if try !tx.indexedFields(table: table).contains(field) {
                try tx.recordStatement(text: "CREATE INDEX ON \(table) (\(field))", parameters: [])
                _ = try tx.createIndex(table: table, field: field)
                return try tx.commit()
            }
        }
        if roll < 9, let request = redactable(ledger) {
            try tx.recordStatement(text: "EXEC REDACT_REVISION ?, ?, ?", parameters: [request.blockAddress.ion])
            _ = try tx.redactRevision(blockAddress: request.blockAddress.ion, tableID: request.tableId, documentID: request.documentId)
            return try tx.commit()
        }
        for _ in 0..<(1 + int(4)) {
            let docs = try tx.scan(table: table)
            let op = int(10)
            if docs.isEmpty || op < 4 {
                let value = doc(("k", .int(int(5))), ("v", .string("s\(int(1000))")), ("n", .int(int(1_000_000))))
                try tx.recordStatement(text: "INSERT INTO \(table) ?", parameters: [value])
                _ = try tx.insert(table: table, document: value)
            } else if op < 9 {
                let target = docs[int(docs.count)]
                try tx.recordStatement(text: "UPDATE \(table) SET n = ? BY id WHERE id = ?", parameters: [.int(op)])
                try tx.update(table: table, id: target.id, document: doc(("k", .int(int(5))), ("v", target.data[field: "v"] ?? .null),
                                                                          ("n", .int(int(1_000_000)))))
            } else {
                let target = docs[int(docs.count)]
                try tx.recordStatement(text: "DELETE FROM \(table) BY id WHERE id = ?", parameters: [.string(target.id)])
                try tx.delete(table: table, id: target.id)
            }
        }
        return try tx.commit()
    }

    /// An inactive, non-redacted revision with data, if any.
    mutating func redactable(_ ledger: Ledger) -> RedactionRequest? {
        let state = ledger.state
        let candidates = state.tableOrder.flatMap { state.documentIds(inTable: $0) }.sorted().compactMap(state.document)
        for doc in candidates {
            for revision in state.revisions(of: doc.id).dropLast() where revision.data != nil {
                let request = RedactionRequest(blockAddress: revision.blockAddress, tableId: doc.tableId,
                                               documentId: doc.id, version: revision.metadata.version)
                if int(3) == 0 { return request }
            }
        }
        return nil
    }

    /// Commits and applies `count` random transactions; returns the proposals applied.
    mutating func run(_ ledger: Ledger, clock: FakeClock, blocks count: Int) throws -> [BlockProposal] {
        var proposals: [BlockProposal] = []
        while proposals.count < count {
            guard let proposal = try nextProposal(ledger, clock: clock) else { continue }
            try ledger.apply(proposal)
            proposals.append(proposal)
        }
        return proposals
    }
}

func flipBit(_ bytes: [UInt8], _ bit: Int) -> [UInt8] {
    var copy = bytes
    copy[bit / 8] ^= UInt8(1 << (bit % 8))
    return copy
}

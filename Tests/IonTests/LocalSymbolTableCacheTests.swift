import Dispatch
@testable import Ion
import XCTest

/// A stream's first local symbol table is looked up by its bytes
/// (`LocalSymbolTableCache`) before it is decoded: a table read before gives
/// the same symbols, a different one never does, and a bad one is never kept.
final class LocalSymbolTableCacheTests: XCTestCase {
    /// A struct whose field names no other test uses (the cache is shared by the process).
    private func document(_ tag: String, _ n: Int) -> IonValue { Self.document(tag, n) }

    private static func document(_ tag: String, _ n: Int) -> IonValue {
        .struct([("first_\(tag)", .int(n)), ("second_\(tag)", .string("v\(n)")),
                 ("nested_\(tag)", .struct([("inner_\(tag)", .symbol("sym_\(tag)"))]))])
    }

    func testARepeatedTableIsReadFromTheCache() throws {
        let tag = "repeat\(UInt32.random(in: 0...UInt32.max))"
        let bytes = Ion.writeBinary([document(tag, 1)])
        XCTAssertEqual(try Ion.read(bytes), [document(tag, 1)])
        let before = LocalSymbolTableCache.shared.hitCount
        XCTAssertEqual(try Ion.read(bytes), [document(tag, 1)])
        XCTAssertEqual(try Ion.read(Ion.writeBinary([document(tag, 2)])), [document(tag, 2)], "same table, other values")
        XCTAssertGreaterThanOrEqual(LocalSymbolTableCache.shared.hitCount - before, 2)
    }

    func testTablesOfTheSameLengthAreNotConfused() throws {
        let a = "same\(UInt32.random(in: 0...UInt32.max))"
        let b = String(a.dropLast()) + (a.last == "1" ? "2" : "1")
        let first = Ion.writeBinary([document(a, 1)])
        let second = Ion.writeBinary([document(b, 1)])
        XCTAssertEqual(first.count, second.count)
        for _ in 0..<3 {
            XCTAssertEqual(try Ion.read(first), [document(a, 1)])
            XCTAssertEqual(try Ion.read(second), [document(b, 1)])
        }
    }

    func testABadTableIsRefusedEveryTime() throws {
        // $ion_symbol_table::{symbols:["a"], symbols:["b"]}, then the symbol $10.
        let bytes: [UInt8] = [0xE0, 0x01, 0x00, 0xEA,
                              0xEB, 0x81, 0x83, 0xD8, 0x87, 0xB2, 0x81, 0x61, 0x87, 0xB2, 0x81, 0x62,
                              0x71, 0x0A]
        for _ in 0..<3 {
            XCTAssertThrowsError(try Ion.read(bytes)) { error in
                XCTAssertTrue("\(error)".contains("more than one 'symbols' field"), "\(error)")
            }
        }
    }

    func testTheReadLimitsAreKeptApart() throws {
        let tag = "limits\(UInt32.random(in: 0...UInt32.max))"
        let bytes = Ion.writeBinary([document(tag, 3)])
        XCTAssertEqual(try Ion.read(bytes), [document(tag, 3)])
        let before = LocalSymbolTableCache.shared.hitCount
        XCTAssertEqual(try Ion.read(bytes, options: .untrusted), [document(tag, 3)])
        XCTAssertEqual(LocalSymbolTableCache.shared.hitCount, before, "a table read under other limits is decoded")
    }

    func testManyThreadsReadTheirOwnTables() throws {
        let tags = (0..<8).map { "threads\($0)_\(UInt32.random(in: 0...UInt32.max))" }
        let streams = tags.map { Ion.writeBinary([document($0, 7)]) }
        /// One count per thread: each writes only its own.
        struct Failures: @unchecked Sendable { let counts: UnsafeMutablePointer<Int> }
        let failures = Failures(counts: .allocate(capacity: 8))
        failures.counts.initialize(repeating: 0, count: 8)
        defer { failures.counts.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<400 {
                let k = (t + i) % tags.count
                if (try? Ion.read(streams[k])) != [Self.document(tags[k], 7)] { failures.counts[t] += 1 }
            }
        }
        XCTAssertEqual((0..<8).map { failures.counts[$0] }.reduce(0, +), 0)
    }
}

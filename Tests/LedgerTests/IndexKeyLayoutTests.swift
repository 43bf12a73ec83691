import Foundation
import Ion
import XCTest
@testable import Ledger

/// Index keys are the value's canonical encoding up to `maxPlainBytes`, its
/// SHA-256 beyond: neighbouring values file together, no key is a proper
/// prefix of another, and lookups on the LMDB store find exactly their
/// documents on both sides of the limit.
final class IndexKeyLayoutTests: XCTestCase {
    /// A string's canonical encoding is its tag, a 4-byte length and its UTF-8.
    func string(encodingTo bytes: Int) -> IonValue { .string(String(repeating: "x", count: bytes - 5)) }

    func testEncodingsUpToTheLimitArePlainAndLongerOnesHashed() {
        let atLimit = IndexKey.of(string(encodingTo: IndexKey.maxPlainBytes))
        XCTAssertEqual(atLimit.first, IndexKey.plain)
        XCTAssertEqual(atLimit.count, 1 + IndexKey.maxPlainBytes)
        let past = IndexKey.of(string(encodingTo: IndexKey.maxPlainBytes + 1))
        XCTAssertEqual(past.first, IndexKey.hashed)
        XCTAssertEqual(past.count, 33)
        XCTAssertNotEqual(past, IndexKey.of(string(encodingTo: IndexKey.maxPlainBytes + 2)))
        XCTAssertEqual(IndexKey.of(.int(7)), IndexKey.of(IonValue(.decimal(IonDecimal(coefficient: 70, exponent: -1)))))
    }

    /// 64-bit integers take a path without BigInt; their keys must be the bytes the BigInt path
    /// writes (keys on disk are compared byte for byte).
    func testSmallIntegersEncodeAsTheirBigIntegerForm() {
        var values: [Int64] = [0, 1, -1, 7, 10, -10, 100, 1200, -1200, 1_000_000_000_000_000_000, 999_999_999_999,
                               Int64.max, Int64.min, Int64.min + 1, -9_000_000_000_000_000_000]
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let v = Int64(bitPattern: rng.next()) >> Int64(rng.next() % 63)
            values.append(v)
            values.append(v / 1000 * 1000)
        }
        for v in values {
            // A decimal of the same value takes the BigInt path.
            let viaBigInt = IndexKey.of(IonValue(.decimal(IonDecimal(coefficient: .small(v), exponent: 0))))
            XCTAssertEqual(IndexKey.of(IonValue(.int(.small(v)))), viaBigInt, "\(v)")
            if v.magnitude < UInt64(Int64.max / 100) {
                let scaled = IndexKey.of(IonValue(.decimal(IonDecimal(coefficient: .small(v * 100), exponent: -2))))
                XCTAssertEqual(IndexKey.of(IonValue(.int(.small(v)))), scaled, "\(v)")
            }
        }
        XCTAssertEqual(Array(IndexKey.of(.int(1200)).dropFirst()), Array("n".utf8) + [0, 0, 0, 4] + Array("12e2".utf8))
    }

    func testNeighbouringValuesFileNextToEachOther() {
        let strings = (100_000..<101_000).map { IndexKey.of(.string("k\($0)")) }
        XCTAssertEqual(strings, strings.sorted { $0.lexicographicallyPrecedes($1) }, "strings of one length sort by text")
        // Numbers are filed by value as coefficient and exponent (1000 is 1e3), so those of one digit count sort by value.
        let ints = (1_000..<2_000).filter { $0 % 10 != 0 }.map { IndexKey.of(.int($0)) }
        XCTAssertEqual(ints, ints.sorted { $0.lexicographicallyPrecedes($1) })
    }

    func testNoKeyIsAProperPrefixOfAnother() {
        var rng = SeededGenerator(seed: 42)
        func random(_ depth: Int) -> IonValue {
            switch rng.next() % (depth > 2 ? 4 : 7) {
            case 0: return .int(Int(rng.next() % 2000) - 1000)
            case 1: return .string(String(repeating: "ab", count: Int(rng.next() % 140)))
            case 2: return .bool(rng.next() % 2 == 0)
            case 3: return .null
            case 4: return .list((0..<Int(rng.next() % 4)).map { _ in random(depth + 1) })
            case 5: return IonValue(.sexp((0..<Int(rng.next() % 3)).map { _ in random(depth + 1) }))
            default: return .struct((0..<Int(rng.next() % 3)).map { i in ("f\(i)", random(depth + 1)) })
            }
        }
        let keys = Set((0..<3_000).map { _ in IndexKey.of(random(0)) }).sorted { $0.lexicographicallyPrecedes($1) }
        XCTAssertGreaterThan(keys.count, 1_000)
        XCTAssertTrue(keys.contains { $0.first == IndexKey.hashed } && keys.contains { $0.first == IndexKey.plain })
        // In sorted order a key that prefixes others comes right before the first of them.
        for (a, b) in zip(keys, keys.dropFirst()) {
            XCTAssertFalse(b.starts(with: a), "\(a.count)-byte key prefixes a \(b.count)-byte key")
        }
    }

    func testLookupsOnTheLMDBStoreFindExactlyTheirDocuments() throws {
        let dir = NSTemporaryDirectory() + "tally-index-key-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let long = String(repeating: "z", count: 400)
        let values: [IonValue] = [
            .string("a"), .string("ab"), .string("abc"), .int(1), .int(10), .int(100), .list([.int(1)]),
            .list([.int(1), .int(2)]), .string(long), .string(long + "y"), string(encodingTo: IndexKey.maxPlainBytes),
            string(encodingTo: IndexKey.maxPlainBytes + 1),
        ]
        func check(_ ledger: Ledger, _ ids: [[String]]) throws {
            let tx = ledger.begin()
            for (value, expected) in zip(values, ids) {
                XCTAssertEqual(try tx.lookup(table: "T", field: "k", value: value).map(\.id).sorted(), expected.sorted(), "\(value)")
            }
        }
        let journal = MemoryJournalStore()
        let ledger = try Ledger.open(store: journal, options: Ledger.Options(stateDirectory: dir))
        try ledger.run { tx in
            _ = try tx.createTable(name: "T", tags: [])
            _ = try tx.createIndex(table: "T", field: "k")
        }
        var ids: [[String]] = []
        for value in values {
            var made: [String] = []
            try ledger.run { tx in
                for n in 0..<2 { made.append(try tx.insert(table: "T", document: doc(("k", value), ("n", .int(n))))) }
            }
            ids.append(made)
        }
        try check(ledger, ids)
        try ledger.sync()
        ledger.close()
        let reopened = try Ledger.open(store: journal, options: Ledger.Options(stateDirectory: dir))
        defer { reopened.close() }
        try check(reopened, ids)
    }
}

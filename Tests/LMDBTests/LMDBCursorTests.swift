import Foundation
import XCTest
@testable import LMDB

final class LMDBCursorTests: LMDBTestCase {
    /// "doc:A:1".."doc:C:3" plus neighbours just outside the "doc:B" prefix.
    private func fill(_ env: Environment) throws -> Database {
        let db = try env.openDatabase("versions")
        try env.write { txn in
            for id in ["C", "A", "B"] {
                for version in [3, 1, 2] { try txn.put(db, bytes("doc:\(id):\(version)"), bytes("\(id)\(version)")) }
            }
            try txn.put(db, bytes("doc:B"), bytes("exact prefix"))
            try txn.put(db, bytes("doc:A~"), bytes("after A"))
            try txn.put(db, bytes("dod"), bytes("after doc"))
        }
        return db
    }

    func testRangesArePlainByteOrderWithExclusiveUpperBound() throws {
        let env = try open()
        let db = try fill(env)
        try env.read { txn in
            let all = try entries(txn, db).map(\.0)
            XCTAssertEqual(all, ["doc:A:1", "doc:A:2", "doc:A:3", "doc:A~", "doc:B", "doc:B:1", "doc:B:2", "doc:B:3",
                                 "doc:C:1", "doc:C:2", "doc:C:3", "dod"])
            XCTAssertEqual(try entries(txn, db, reverse: true).map(\.0), all.reversed())
            XCTAssertEqual(try entries(txn, db, from: bytes("doc:B:2"), below: bytes("doc:C:2")).map(\.0),
                           ["doc:B:2", "doc:B:3", "doc:C:1"])
            XCTAssertEqual(try entries(txn, db, from: bytes("doc:B:2"), below: bytes("doc:C:2"), reverse: true).map(\.0),
                           ["doc:C:1", "doc:B:3", "doc:B:2"])
            XCTAssertEqual(try entries(txn, db, from: bytes("doc:B:0"), below: bytes("doc:B:1")).map(\.0), [])
            XCTAssertEqual(try entries(txn, db, from: bytes("e")).map(\.0), [])
            XCTAssertEqual(try entries(txn, db, below: bytes("doc:A:2"), reverse: true).map(\.0), ["doc:A:1"])
        }
    }

    func testPrefixScansForwardAndBackward() throws {
        let env = try open()
        let db = try fill(env)
        try env.read { txn in
            XCTAssertEqual(try entries(txn, db, prefix: bytes("doc:B:")).map(\.1), ["B1", "B2", "B3"])
            XCTAssertEqual(try entries(txn, db, prefix: bytes("doc:B:"), reverse: true).map(\.1), ["B3", "B2", "B1"])
            XCTAssertEqual(try entries(txn, db, prefix: bytes("doc:C:"), reverse: true).first?.1, "C3",
                           "the latest version is the first entry of a reverse prefix scan")
            XCTAssertEqual(try entries(txn, db, prefix: bytes("doc:Z")).count, 0)
            XCTAssertEqual(try entries(txn, db, prefix: bytes("do")).count, 12)
            var seen = 0
            try txn.scan(db, prefix: bytes("doc:")) { _, _ in seen += 1; return seen < 2 }
            XCTAssertEqual(seen, 2, "returning false stops the scan")
        }
    }

    func testPrefixOfAllOnesHasNoUpperBound() throws {
        let env = try open()
        let db = try env.openDatabase("ff")
        try env.write { txn in
            try txn.put(db, [0xFE], [1])
            try txn.put(db, [0xFF], [2])
            try txn.put(db, [0xFF, 0xFF, 0x01], [3])
        }
        XCTAssertEqual(Key.successor(ofPrefix: [0x01, 0xFF]), [0x02])
        XCTAssertNil(Key.successor(ofPrefix: [0xFF, 0xFF]))
        try env.read { txn in
            var values: [UInt8] = []
            try txn.scan(db, prefix: [0xFF, 0xFF], reverse: true) { _, value in values += value; return true }
            XCTAssertEqual(values, [3])
            values = []
            try txn.scan(db, prefix: [0xFF]) { _, value in values += value; return true }
            XCTAssertEqual(values, [2, 3])
        }
    }

    func testCursorStepsAndSeeks() throws {
        let env = try open()
        let db = try fill(env)
        try env.read { txn in
            let cursor = try txn.cursor(db)
            XCTAssertEqual(try cursor.next()?.key, bytes("doc:A:1"), "an unpositioned cursor starts at the first entry")
            XCTAssertEqual(try cursor.seek(atOrAfter: bytes("doc:B:")), .init(key: bytes("doc:B:1"), value: bytes("B1")))
            XCTAssertEqual(try cursor.next()?.key, bytes("doc:B:2"))
            XCTAssertEqual(try cursor.previous()?.key, bytes("doc:B:1"))
            XCTAssertEqual(try cursor.seek(atOrBefore: bytes("doc:B:9"))?.key, bytes("doc:B:3"))
            XCTAssertEqual(try cursor.seek(atOrBefore: bytes("doc:B:2"))?.key, bytes("doc:B:2"))
            XCTAssertEqual(try cursor.seek(atOrBefore: bytes("zzz"))?.key, bytes("dod"))
            XCTAssertNil(try cursor.seek(atOrBefore: bytes("a")))
            XCTAssertNil(try cursor.seek(exactly: bytes("doc:B:9")))
            XCTAssertEqual(try cursor.seek(exactly: bytes("doc:B"))?.value, bytes("exact prefix"))
            XCTAssertEqual(try cursor.last()?.key, bytes("dod"))
            XCTAssertNil(try cursor.next())
            XCTAssertEqual(try cursor.first()?.key, bytes("doc:A:1"))
            XCTAssertNil(try cursor.previous())
            var count = 0
            _ = try cursor.first()
            while try cursor.next() != nil { count += 1 }
            XCTAssertEqual(count, 11)
        }
    }

    func testCursorEndsWithItsTransaction() throws {
        let env = try open()
        let db = try fill(env)
        let txn = try env.beginRead()
        let cursor = try txn.cursor(db)
        let closedEarly = try txn.cursor(db)
        closedEarly.close()
        XCTAssertNotNil(try cursor.first())
        txn.end()
        assertThrowsLMDB(try cursor.next()) { $0.isMisuse }
        assertThrowsLMDB(try closedEarly.next()) { $0.isMisuse }

        var escaped: Cursor?
        try env.write { txn in
            escaped = try txn.cursor(db)
            try txn.put(db, bytes("new"), bytes("v"))
            XCTAssertEqual(try escaped?.last()?.key, bytes("new"), "a cursor sees its own transaction's writes")
        }
        assertThrowsLMDB(try escaped?.first()) { $0.isMisuse }
    }

    func testKeyEncodingsSortNumerically() throws {
        let env = try open()
        let db = try env.openDatabase("numbers")
        let signed: [Int64] = [.min, -1_000_000, -1, 0, 1, 255, 256, 1 << 40, .max]
        let unsigned: [UInt64] = [0, 1, 255, 256, 65_535, 1 << 32, .max]
        try env.write { txn in
            for v in signed.shuffled() { try txn.put(db, Key.build { $0.append("s"); $0.append(v) }, [UInt8]()) }
            for v in unsigned.shuffled() { try txn.put(db, Key.build { $0.append("u"); $0.append(v) }, [UInt8]()) }
        }
        try env.read { txn in
            var gotSigned: [Int64] = [], gotUnsigned: [UInt64] = []
            try txn.scan(db, prefix: bytes("s")) { key, _ in
                if let v = Key.readInt64(key, at: 1) { gotSigned.append(v) }
                return true
            }
            try txn.scan(db, prefix: bytes("u")) { key, _ in
                if let v = Key.readUInt64(key, at: 1) { gotUnsigned.append(v) }
                return true
            }
            XCTAssertEqual(gotSigned, signed)
            XCTAssertEqual(gotUnsigned, unsigned)
        }
        XCTAssertNil(Key.readUInt64([1, 2, 3], at: 0), "a short buffer reads as nil")
        XCTAssertNil(Key.readUInt64(Key.uint64(1), at: 1))
        XCTAssertEqual(Key.build { $0.append(UInt32(0x01020304)) }, [1, 2, 3, 4])
    }

    func testCompositeKeysWithIdsAndTerminatedStrings() throws {
        let env = try open()
        let db = try env.openDatabase("composite")
        let ids = ["0000000000000000000001", "5gJmbrgl6N1ArQcBU4Ad7A", "zzzzzzzzzzzzzzzzzzzzzz"]
        try env.write { txn in
            for id in ids.reversed() {
                for version in [UInt64(10), 2, 1] {
                    try txn.put(db, Key.build { $0.append(id); $0.append(version) }, bytes("\(id)@\(version)"))
                }
            }
            for name in ["ab", "a", "b"] {
                try txn.put(db, Key.build { $0.appendTerminated(name); $0.append(UInt64(1)) }, bytes(name))
            }
        }
        try env.read { txn in
            let latest = try entries(txn, db, prefix: bytes(ids[1]), reverse: true).first?.1
            XCTAssertEqual(latest, "\(ids[1])@10", "big-endian versions sort numerically (10 after 2)")
            XCTAssertEqual(try entries(txn, db, prefix: bytes(ids[1])).map(\.1), [1, 2, 10].map { "\(ids[1])@\($0)" })
            XCTAssertEqual(try entries(txn, db, prefix: Key.build { $0.appendTerminated("a") }).map(\.1), ["a"],
                           "a terminated string is not a prefix of a longer one")
            XCTAssertEqual(try entries(txn, db, from: bytes("a"), below: bytes("c")).map(\.1), ["a", "ab", "b"])
        }
    }
}

import Foundation
import XCTest
@testable import LMDB

final class LMDBBasicTests: LMDBTestCase {
    func testPutGetDeleteAndOverwrite() throws {
        let env = try open()
        let db = try env.openDatabase("docs")
        try env.write { txn in
            try txn.put(db, bytes("a"), bytes("one"))
            try txn.put(db, bytes("b"), bytes("two"))
            XCTAssertEqual(try txn.get(db, bytes("a")), bytes("one"), "a write is visible in its own transaction")
        }
        try env.read { txn in
            XCTAssertEqual(try txn.get(db, bytes("a")), bytes("one"))
            XCTAssertEqual(try txn.get(db, bytes("b")), bytes("two"))
            XCTAssertNil(try txn.get(db, bytes("c")))
            XCTAssertEqual(try txn.withValue(db, bytes("b")) { $0.count }, 3)
            XCTAssertNil(try txn.withValue(db, bytes("c")) { $0.count })
        }
        try env.write { txn in
            try txn.put(db, bytes("a"), bytes("uno"))
            XCTAssertTrue(try txn.delete(db, bytes("b")))
            XCTAssertFalse(try txn.delete(db, bytes("b")), "deleting a missing key is false, not an error")
            XCTAssertFalse(try txn.put(db, bytes("a"), bytes("x"), flags: .noOverwrite))
            XCTAssertTrue(try txn.put(db, bytes("c"), [UInt8](), flags: .noOverwrite), "empty values are allowed")
        }
        try env.read { txn in
            XCTAssertEqual(try txn.get(db, bytes("a")), bytes("uno"))
            XCTAssertNil(try txn.get(db, bytes("b")))
            XCTAssertEqual(try txn.get(db, bytes("c")), [])
            XCTAssertEqual(try txn.stat(db).entries, 2)
        }
        XCTAssertEqual(try env.openDatabase("docs"), db, "opening again returns the same handle")
    }

    func testLargeValuesSpanOverflowPages() throws {
        let env = try open()
        let db = try env.openDatabase("blobs")
        var generator = SystemRandomNumberGenerator()
        let big = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let medium = [UInt8](repeating: 7, count: 10_000)
        try env.write { txn in
            try txn.put(db, bytes("big"), big)
            try txn.put(db, bytes("medium"), Data(medium))
        }
        try env.read { txn in
            XCTAssertEqual(try txn.get(db, bytes("big")), big)
            XCTAssertEqual(try txn.get(db, bytes("medium")), medium)
            XCTAssertGreaterThan(try txn.stat(db).overflowPages, 256, "1 MiB takes more than 256 pages of 4 KiB")
        }
    }

    func testDupSortValuesAreSortedAndDeletedOneByOne() throws {
        let env = try open()
        let index = try env.openDatabase("by-name", dupSort: true)
        try env.write { txn in
            for id in ["id3", "id1", "id2"] { try txn.put(index, bytes("alice"), bytes(id)) }
            try txn.put(index, bytes("bob"), bytes("id9"))
            XCTAssertFalse(try txn.put(index, bytes("alice"), bytes("id1"), flags: .noDuplicateData))
        }
        try env.write { txn in
            XCTAssertTrue(try txn.delete(index, bytes("alice"), value: bytes("id2")))
            XCTAssertFalse(try txn.delete(index, bytes("alice"), value: bytes("id2")))
        }
        try env.read { txn in
            XCTAssertEqual(try entries(txn, index, prefix: bytes("alice")).map(\.1), ["id1", "id3"])
            XCTAssertEqual(try txn.get(index, bytes("alice")), bytes("id1"), "get returns the first value")
            XCTAssertEqual(try txn.stat(index).entries, 3)
        }
        try env.write { txn in XCTAssertTrue(try txn.delete(index, bytes("alice"))) }
        try env.read { txn in XCTAssertEqual(try entries(txn, index).map(\.0), ["bob"]) }
        assertThrowsLMDB(try env.openDatabase("by-name")) { $0.isMisuse }
    }

    func testClearEmptiesADatabase() throws {
        let env = try open()
        let db = try env.openDatabase("tmp")
        try env.write { txn in for i in 0..<100 { try txn.put(db, Key.uint64(UInt64(i)), bytes("v")) } }
        try env.write { txn in try txn.clear(db) }
        try env.read { txn in XCTAssertEqual(try txn.stat(db).entries, 0) }
    }

    func testInvalidKeysAreErrorsNotCrashes() throws {
        let env = try open()
        let db = try env.openDatabase("docs")
        try env.write { txn in
            assertThrowsLMDB(try txn.put(db, [UInt8](repeating: 1, count: 512), bytes("v"))) {
                $0 == .lmdb(code: MDB_BAD_VALSIZE_CODE)
            }
        }
        try env.read { txn in XCTAssertEqual(try txn.stat(db).entries, 0) }
    }

    func testMisuseIsRefused() throws {
        let env = try open()
        let db = try env.openDatabase("docs")
        var escaped: WriteTransaction?
        try env.write { escaped = $0 }
        assertThrowsLMDB(try escaped?.put(db, bytes("k"), bytes("v")), "write after commit") { $0.isMisuse }
        let reader = try env.beginRead()
        reader.end()
        reader.end()
        assertThrowsLMDB(try reader.get(db, bytes("k")), "read after end") { $0.isMisuse }
        assertThrowsLMDB(try env.write { _ in try env.write { _ in } }, "nested write") { $0.isMisuse }
        assertThrowsLMDB(try self.open("env"), "same directory twice") { $0.isMisuse }

        let other = try open("other")
        let foreign = try other.openDatabase("docs")
        assertThrowsLMDB(try env.read { try $0.get(foreign, bytes("k")) }, "foreign database") { $0.isMisuse }

        let held = try env.beginRead()
        XCTAssertFalse(env.close(), "close refuses while a transaction is open")
        held.end()
        XCTAssertTrue(env.close())
        XCTAssertTrue(env.close())
        assertThrowsLMDB(try env.read { _ in }, "closed environment") { $0.isMisuse }
    }

    func testErrorDescriptionCarriesCodeAndText() {
        XCTAssertEqual(LMDBError.mapFull.code, -30792)
        XCTAssertTrue(LMDBError.mapFull.description.contains("MDB_MAP_FULL"), LMDBError.mapFull.description)
        XCTAssertTrue(LMDBError.corrupted.indicatesCorruption)
        XCTAssertFalse(LMDBError.mapFull.indicatesCorruption)
        XCTAssertEqual(LMDBError(code: -30793), .invalid)
    }
}

/// `MDB_BAD_VALSIZE`, spelled out so the tests need not import CLMDB.
let MDB_BAD_VALSIZE_CODE: Int32 = -30781

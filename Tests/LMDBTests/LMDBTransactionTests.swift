import Foundation
import XCTest
@testable import LMDB

final class LMDBTransactionTests: LMDBTestCase {
    func testSnapshotDoesNotSeeLaterCommitsWhileTheWriterCarriesOn() throws {
        let env = try open()
        let db = try env.openDatabase("counter")
        try env.write { try $0.put(db, bytes("n"), Key.uint64(0)) }
        let snapshot = try env.beginRead()
        let done = DispatchSemaphore(value: 0)
        Thread {
            for i in 1...200 {
                try? env.write { txn in
                    try txn.put(db, bytes("n"), Key.uint64(UInt64(i)))
                    try txn.put(db, Key.uint64(UInt64(i)), bytes("row"))
                }
            }
            done.signal()
        }.start()
        // The snapshot reads while commits land, and still sees the old state.
        for _ in 0..<50 {
            XCTAssertEqual(try snapshot.get(db, bytes("n")).flatMap { Key.readUInt64($0) }, 0)
            XCTAssertEqual(try snapshot.stat(db).entries, 1)
        }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success, "the writer was never blocked by the reader")
        XCTAssertEqual(try snapshot.get(db, bytes("n")).flatMap { Key.readUInt64($0) }, 0)
        snapshot.end()
        try env.read { txn in
            XCTAssertEqual(try txn.get(db, bytes("n")).flatMap { Key.readUInt64($0) }, 200)
            XCTAssertEqual(try txn.stat(db).entries, 201)
        }
    }

    func testReadTransactionMovesBetweenThreads() throws {
        let env = try open()
        let db = try env.openDatabase("docs")
        try env.write { try $0.put(db, bytes("k"), bytes("before")) }
        let txn = try env.beginRead()          // begun on this thread
        try env.write { try $0.put(db, bytes("k"), bytes("after")) }
        nonisolated(unsafe) var seen: Result<[UInt8]?, Error> = .success(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            seen = Result { try txn.get(db, bytes("k")) }  // used on another thread
            txn.end()                                      // and ended there
            done.signal()
        }.start()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(try seen.get(), bytes("before"))
        XCTAssertFalse(txn.isActive)
        XCTAssertTrue(env.close(), "the reader slot was released by the other thread")
    }

    func testManyThreadsReadWhileOneWrites() throws {
        let env = try open()
        let db = try env.openDatabase("docs")
        try env.write { txn in for i in 0..<1000 { try txn.put(db, Key.uint64(UInt64(i)), Key.uint64(UInt64(i))) } }
        let failures = NSLock()
        nonisolated(unsafe) var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            do {
                if worker == 0 {
                    for i in 0..<100 { try env.write { try $0.put(db, bytes("w\(i)"), bytes("v")) } }
                    return
                }
                for round in 0..<100 {
                    try env.read { txn in
                        let k = UInt64((round * 7 + worker) % 1000)
                        guard try txn.get(db, Key.uint64(k)) == Key.uint64(k) else { throw LMDBError.corrupted }
                    }
                }
            } catch {
                failures.withLock { errors.append("\(error)") }
            }
        }
        XCTAssertEqual(errors, [])
    }

    func testThrowingAbortsAndLeavesNothing() throws {
        struct Stop: Error {}
        let env = try open()
        let db = try env.openDatabase("docs")
        try env.write { try $0.put(db, bytes("keep"), bytes("v")) }
        XCTAssertThrowsError(try env.write { txn in
            try txn.put(db, bytes("lost"), bytes("v"))
            try txn.delete(db, bytes("keep"))
            throw Stop()
        }) { XCTAssertTrue($0 is Stop) }
        try env.read { txn in
            XCTAssertNil(try txn.get(db, bytes("lost")))
            XCTAssertEqual(try txn.get(db, bytes("keep")), bytes("v"))
        }
        let info = try env.info()
        try env.write { try $0.put(db, bytes("next"), bytes("v")) }
        XCTAssertEqual(try env.info().lastTransactionID, info.lastTransactionID + 1, "the aborted one took no id")
    }

    func testReopenAfterCloseKeepsData() throws {
        var options = smallOptions()
        options.durability = .full
        do {
            let env = try open("env", options)
            let db = try env.openDatabase("docs")
            try env.write { txn in for i in 0..<1000 { try txn.put(db, Key.uint64(UInt64(i)), bytes("v\(i)")) } }
            XCTAssertTrue(env.close())
        }
        let env = try open("env", options)
        let db = try env.openDatabase("docs")
        try env.read { txn in
            XCTAssertEqual(try txn.stat(db).entries, 1000)
            XCTAssertEqual(try txn.get(db, Key.uint64(999)), bytes("v999"))
        }
        let info = try env.info()
        XCTAssertGreaterThan(info.lastTransactionID, 0)
        XCTAssertGreaterThan(info.usedBytes, 2 * info.pageSize)
        XCTAssertEqual(info.mapSize, options.mapSize)
        XCTAssertEqual(env.pageSize, info.pageSize)
        XCTAssertEqual(try env.usedBytes(), info.usedBytes)
        try env.write { txn in try txn.put(db, Key.uint64(5000), [UInt8](repeating: 7, count: 64 << 10)) }
        XCTAssertGreaterThan(try env.usedBytes(), info.usedBytes)
        XCTAssertEqual(try env.usedBytes(), try env.info().usedBytes)
    }

    func testMapGrowsWhenFull() throws {
        let env = try open("env", smallOptions(mapSize: 256 << 10))
        let db = try env.openDatabase("docs")
        let value = [UInt8](repeating: 0xAB, count: 1000)
        var attempts = 0
        try env.write { txn in
            attempts += 1
            for i in 0..<4000 { try txn.put(db, Key.uint64(UInt64(i)), value) }   // ~4 MB in one transaction
        }
        for batch in 0..<10 {   // and across many transactions
            try env.write { txn in
                for i in 0..<500 { try txn.put(db, Key.build { $0.append(UInt64(batch)); $0.append(UInt64(i)) }, value) }
            }
        }
        XCTAssertGreaterThan(attempts, 1, "the first transaction was retried in a larger map")
        let info = try env.info()
        XCTAssertGreaterThanOrEqual(info.mapSize, 8 << 20)
        try env.read { txn in XCTAssertEqual(try txn.stat(db).entries, 9000) }
        print("map grew from 256 KiB to \(info.mapSize >> 10) KiB; \(info.usedBytes >> 10) KiB used")
    }

    func testMapFullSurfacesWhenGrowthIsImpossible() throws {
        var options = smallOptions(mapSize: 256 << 10)
        options.mapSizeLimit = 512 << 10
        let env = try open("capped", options)
        let db = try env.openDatabase("docs")
        assertThrowsLMDB(try env.write { txn in
            for i in 0..<2000 { try txn.put(db, Key.uint64(UInt64(i)), [UInt8](repeating: 1, count: 1000)) }
        }) { $0 == .mapFull }

        options.mapSizeLimit = 64 << 20
        options.resizeWaitTimeout = 0.2
        let blocked = try open("blocked", options)
        let db2 = try blocked.openDatabase("docs")
        let reader = try blocked.beginRead()   // held by the writing thread: the map cannot be remapped
        assertThrowsLMDB(try blocked.write { txn in
            for i in 0..<2000 { try txn.put(db2, Key.uint64(UInt64(i)), [UInt8](repeating: 1, count: 1000)) }
        }) { $0 == .mapFull }
        reader.end()
        try blocked.write { txn in
            for i in 0..<2000 { try txn.put(db2, Key.uint64(UInt64(i)), [UInt8](repeating: 1, count: 1000)) }
        }
        try blocked.resize(to: 128 << 20)
        XCTAssertEqual(try blocked.info().mapSize, 128 << 20)
    }

    func testCopyMakesAnOpenableBackup() throws {
        let env = try open()
        let db = try env.openDatabase("docs")
        try env.write { txn in for i in 0..<5000 { try txn.put(db, Key.uint64(UInt64(i)), bytes("value \(i)")) } }
        try env.write { txn in for i in 0..<4000 { try txn.delete(db, Key.uint64(UInt64(i))) } }
        for compact in [false, true] {
            let target = directory + "/backup-\(compact)"
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            try env.copy(to: target, compact: compact)
            let size = try FileManager.default.attributesOfItem(atPath: target + "/data.mdb")[.size] as? Int ?? 0
            print("copy compact=\(compact): \(size) bytes")
            let backup = try Environment(path: target, options: smallOptions())
            let copied = try backup.openDatabase("docs")
            try backup.read { txn in
                XCTAssertEqual(try txn.stat(copied).entries, 1000)
                XCTAssertEqual(try txn.get(copied, Key.uint64(4999)), bytes("value 4999"))
            }
        }
    }

    func testDurabilityCanChangeAndSyncWorks() throws {
        let env = try open()
        let db = try env.openDatabase("docs")
        for durability in [Environment.Durability.noSync, .noMetaSync, .full] {
            try env.setDurability(durability)
            try env.write { try $0.put(db, bytes("k"), bytes("\(durability)")) }
            try env.sync(force: true)
            try env.sync(force: false)
        }
        try env.read { XCTAssertEqual(try $0.get(db, bytes("k")), bytes("full")) }
    }
}

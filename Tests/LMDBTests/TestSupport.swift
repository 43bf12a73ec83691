import Foundation
import XCTest
@testable import LMDB

/// A fresh directory under the temporary directory, removed by `tearDown`.
class LMDBTestCase: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "lmdb-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Options with a map small enough for tests (growth still allowed).
    func smallOptions(mapSize: Int = 64 << 20) -> Environment.Options {
        var options = Environment.Options()
        options.mapSize = mapSize
        options.durability = .noSync
        return options
    }

    func open(_ subdirectory: String = "env", _ options: Environment.Options? = nil) throws -> Environment {
        try Environment(path: directory + "/" + subdirectory, options: options ?? smallOptions())
    }

    /// Every entry of `db` in scan order, copied.
    func entries(_ txn: Transaction, _ db: Database, from: [UInt8]? = nil, below: [UInt8]? = nil,
                 prefix: [UInt8]? = nil, reverse: Bool = false) throws -> [(String, String)] {
        var out: [(String, String)] = []
        let visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool = {
            out.append((String(decoding: $0, as: UTF8.self), String(decoding: $1, as: UTF8.self)))
            return true
        }
        if let prefix {
            try txn.scan(db, prefix: prefix, reverse: reverse, visit)
        } else {
            try txn.scan(db, from: from, below: below, reverse: reverse, visit)
        }
        return out
    }
}

func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

/// Asserts that `body` throws an `LMDBError` matching `matches`.
func assertThrowsLMDB<T>(_ body: @autoclosure () throws -> T, _ message: String = "",
                         file: StaticString = #filePath, line: UInt = #line,
                         _ matches: (LMDBError) -> Bool) {
    do {
        _ = try body()
        XCTFail("no error thrown \(message)", file: file, line: line)
    } catch let error as LMDBError {
        XCTAssertTrue(matches(error), "unexpected \(error) \(message)", file: file, line: line)
    } catch {
        XCTFail("not an LMDBError: \(error) \(message)", file: file, line: line)
    }
}

extension LMDBError {
    var isMisuse: Bool {
        if case .misuse = self { return true }
        return false
    }
}

import Foundation
import XCTest
import FuzzTargets

/// Runs every seed in Fuzz/corpus/<target>/ through its fuzz target once,
/// without libFuzzer, so the corpora and the targets' round-trip checks stay
/// valid (a failed check traps the test process). scripts/fuzz does the fuzzing.
final class FuzzCorpusTests: XCTestCase {
    static let corpusRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    func testEveryTargetRunsItsCorpus() throws {
        for (name, run) in FuzzTargets.all {
            let dir = Self.corpusRoot.appendingPathComponent(name)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            XCTAssertGreaterThanOrEqual(files.count, 8, "\(name): the seed corpus is missing or tiny")
            for file in files {
                let data = try Data(contentsOf: dir.appendingPathComponent(file))
                run([UInt8](data))
            }
        }
    }

    func testTargetNamesMatchTheCorpusDirectories() throws {
        let dirs = try FileManager.default.contentsOfDirectory(atPath: Self.corpusRoot.path).sorted()
        XCTAssertEqual(dirs, FuzzTargets.all.map(\.name).sorted())
    }
}

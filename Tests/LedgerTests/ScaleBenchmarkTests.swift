import Foundation
import XCTest
@testable import Ledger

/// `tally bench scale`: phases other than `load` refuse a directory without a loaded ledger
/// (they created an empty one there, and the node catch-up phase then stopped on a precondition).
final class ScaleBenchmarkTests: XCTestCase {
    private func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "scale-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testPhasesRefuseADirectoryWithoutALoadAndCreateNothing() throws {
        let dir = try scratch()
        for phase in [{ try ScaleBenchmark.query(directory: dir, samples: 10) },
                      { try ScaleBenchmark.audit(directory: dir) },
                      { try ScaleBenchmark.reopen(directory: dir) }] as [() throws -> String] {
            XCTAssertThrowsError(try phase()) { error in
                XCTAssertTrue("\(error)".contains("--phase load --dir \(dir)"), "\(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testALoadedDirectoryIsMeasured() throws {
        let dir = try scratch() + "/ledger"
        _ = try ScaleBenchmark.load(count: 5, directory: dir)
        let report = try ScaleBenchmark.query(directory: dir, samples: 10)
        XCTAssertTrue(report.contains("lookup"), report)
        XCTAssertTrue(try ScaleBenchmark.audit(directory: dir).contains("6 blocks"))
    }
}

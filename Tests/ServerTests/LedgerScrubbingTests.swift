import Foundation
import Ion
import Ledger
import Net
import XCTest
@testable import Replica
@testable import Server

/// The node's background scrubber on a real event loop: steps run on the
/// worker pool; a healthy ledger scrubs clean, a flipped bit in a synced
/// journal record is reported (progress, /status JSON, metrics).
final class LedgerScrubbingTests: XCTestCase {
    func waitFor(_ what: String, _ condition: () throws -> Bool) rethrows {
        let deadline = Date().addingTimeInterval(20)
        while try !condition() && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(try condition(), "timed out waiting for \(what)")
    }

    func testScrubberFindsAFlippedBitAndReportsIt() throws {
        let dir = makeTempDirectory(self)
        let node = try TestNode(dir: dir)
        node.createLedger("cars")
        for i in 0..<20 { try node.insert("cars", car("V\(i)", i)) }
        let ledger = try XCTUnwrap(node.machine.ledger(named: "cars"))
        try ledger.sync()

        let loop = try EventLoop(name: "scrub-test")
        loop.start()
        defer { loop.shutdown() }
        let scrubbing = LedgerScrubbing(loop: loop, megabytesPerSecond: 0.01, logger: NodeLog.node)   // ~10 KB a step
        func progress() throws -> JournalScrubber.Progress? {
            try loop.submit {
                scrubbing.tick(ledgers: [("cars", ledger)])
                return scrubbing.progress(of: "cars")
            }
        }
        try waitFor("a clean pass") { (try progress()?.passes ?? 0) >= 1 }
        var p = try XCTUnwrap(try progress())
        XCTAssertEqual(p.mismatchesTotal, 0)
        XCTAssertEqual(p.verifiedBlocksTotal >= ledger.blockCount, true)

        // Flip a bit inside block 9's record, behind the store's back.
        let record = try ledger.journalRecord(sequenceNo: 9)
        let journal = try XCTUnwrap(FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String }
            .first { $0.hasSuffix(".seg") }).map { dir + "/" + $0 }!
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: journal)))
        let at = try XCTUnwrap((0...(bytes.count - record.count)).first { Array(bytes[$0..<($0 + record.count)]) == record })
        bytes[at + record.count / 2] ^= 0x04
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: journal))
        handle.seek(toFileOffset: UInt64(at + record.count / 2))
        handle.write(Data([bytes[at + record.count / 2]]))
        handle.closeFile()

        try waitFor("the mismatch") { (try progress()?.mismatchesTotal ?? 0) >= 1 }
        p = try XCTUnwrap(try progress())
        XCTAssertEqual(p.mismatchesTotal, 1)
        XCTAssertEqual(p.lastMismatch?.hasPrefix("block 9:"), true, p.lastMismatch ?? "")

        // As /status and the metrics show it.
        let status = LedgerStatusReport(name: "cars", tipAddress: nil, digest: nil, divergent: true, scrub: .init(p))
        let json = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
        XCTAssertTrue(json.contains("\"mismatches\":1"), json)
        XCTAssertTrue(json.contains("block 9:"), json)
        let fake = FakeMetricsNode(ledgerCount: 0)
        fake.ledgers = [LedgerMetricsSnapshot(name: "cars", journalBytes: 1, indexedBytes: 1, blocks: 21, divergence: true,
                                              scrubVerifiedBlocks: UInt64(p.verifiedBlocks), scrubMismatches: UInt64(p.mismatchesTotal))]
        let metrics = TallyMetrics(processMetrics: false)
        metrics.source = fake
        let samples = try MetricsExposition.samples(metrics.expositionText())
        XCTAssertEqual(samples.first { $0.name == "tally_scrub_mismatches_total" && $0.labels["ledger"] == "cars" }?.value, 1)
        XCTAssertNotNil(samples.first { $0.name == "tally_scrub_verified_blocks" && $0.labels["ledger"] == "cars" })
    }

    /// Found by profiling: a small journal was re-read back to back, about a
    /// fifth of a core for ever. A pass now starts at most every `passInterval`.
    func testPassesRestBetweenThemselves() throws {
        let dir = makeTempDirectory(self)
        let node = try TestNode(dir: dir)
        node.createLedger("cars")
        for i in 0..<5 { try node.insert("cars", car("V\(i)", i)) }
        let ledger = try XCTUnwrap(node.machine.ledger(named: "cars"))
        try ledger.sync()
        let loop = try EventLoop(name: "scrub-rest")
        loop.start()
        defer { loop.shutdown() }
        var clock = 1000.0
        let scrubbing = LedgerScrubbing(loop: loop, megabytesPerSecond: 5, passInterval: 60, logger: NodeLog.node,
                                        now: { clock })
        func tick() throws -> JournalScrubber.Progress? {
            try loop.submit {
                scrubbing.tick(ledgers: [("cars", ledger)])
                return scrubbing.progress(of: "cars")
            }
        }
        try waitFor("a first pass") { (try tick()?.passes ?? 0) >= 1 }
        let after = try XCTUnwrap(try tick())
        for _ in 0..<20 { _ = try tick(); usleep(5_000) }
        XCTAssertEqual(try tick()?.passes, 1, "no second pass within the interval")
        XCTAssertEqual(try tick()?.verifiedBlocksTotal, after.verifiedBlocksTotal)
        try loop.submit { clock += 61 }
        try waitFor("a second pass once the interval passed") { (try tick()?.passes ?? 0) >= 2 }
    }
}

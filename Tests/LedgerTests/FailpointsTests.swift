import Foundation
import XCTest
@testable import Ledger

final class FailpointsTests: XCTestCase {
    override func tearDown() { Failpoints.disarm() }

    func testParse() throws {
        let s = try Failpoints.Settings.parse("fsync=error; fsync_delay_ms=250;clock_offset_ms=-60000", pathPrefix: "/d/")
        XCTAssertTrue(s.fsyncError)
        XCTAssertEqual(s.fsyncDelayMilliseconds, 250)
        XCTAssertEqual(s.clockOffsetMilliseconds, -60_000)
        XCTAssertEqual(s.pathPrefix, "/d/")
        let commit = try Failpoints.Settings.parse("state_commit=error", pathPrefix: "/d/")
        XCTAssertTrue(commit.stateCommitError && commit.isArmed)
        Failpoints.arm(commit)
        XCTAssertEqual(Failpoints.beforeStateCommit("/d/ledger/state"), ENOSPC)
        XCTAssertNil(Failpoints.beforeStateCommit("/e/ledger/state"))
        Failpoints.disarm()
        XCTAssertNil(Failpoints.beforeStateCommit("/d/ledger/state"))
        XCTAssertFalse(try Failpoints.Settings.parse("off").isArmed)
        XCTAssertFalse(try Failpoints.Settings.parse("").isArmed)
        for bad in ["fsync=maybe", "state_commit=later", "fsync_delay_ms=-1", "fsync_delay_ms=999999", "clock_offset_ms=x", "nope=1", "fsync"] {
            XCTAssertThrowsError(try Failpoints.Settings.parse(bad), bad) { XCTAssertTrue($0 is FailpointError, bad) }
        }
    }

    private func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "failpoints-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    private func sync(_ path: String) throws {
        let fd = try JournalFileIO.openFile(path, O_WRONLY | O_CREAT)
        defer { JournalFileIO.closeFile(fd) }
        try JournalFileIO.syncFile(fd, path: path)
    }

    func testFsyncErrorHitsOnlyFilesUnderThePrefixAndDisarms() throws {
        let inside = try tempDir(), outside = try tempDir()
        Failpoints.arm(try .parse("fsync=error", pathPrefix: inside + "/"))
        XCTAssertThrowsError(try sync(inside + "/seg")) { error in
            guard case JournalStoreError.io(let op, _, let code, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(op, "fsync")
            XCTAssertEqual(code, EIO)
        }
        XCTAssertNoThrow(try sync(outside + "/seg"))
        XCTAssertThrowsError(try AtomicFile.replace(inside + "/marker", with: [1, 2, 3]))
        Failpoints.disarm()
        XCTAssertNoThrow(try sync(inside + "/seg"))
    }

    func testFsyncDelay() throws {
        let dir = try tempDir()
        Failpoints.arm(try .parse("fsync_delay_ms=120", pathPrefix: dir + "/"))
        let t0 = LedgerTime.monotonicNanoseconds()
        try sync(dir + "/seg")
        XCTAssertGreaterThanOrEqual(LedgerTime.monotonicNanoseconds() - t0, 120_000_000)
    }

    func testClockOffsetShiftsTheWallClockNotTheMonotonicOne() throws {
        let wall0 = LedgerTime.nowMilliseconds(), mono0 = LedgerTime.monotonicNanoseconds()
        Failpoints.arm(try .parse("clock_offset_ms=3600000"))
        let wall1 = LedgerTime.nowMilliseconds(), mono1 = LedgerTime.monotonicNanoseconds()
        XCTAssertGreaterThanOrEqual(wall1 - wall0, 3_600_000)
        XCTAssertLessThan(wall1 - wall0, 3_600_000 + 60_000)
        XCTAssertLessThan(mono1 - mono0, 60_000_000_000)
        Failpoints.arm(try .parse("clock_offset_ms=-3600000"))
        XCTAssertLessThanOrEqual(LedgerTime.nowMilliseconds() - wall0, -3_600_000 + 60_000)
        Failpoints.disarm()
        XCTAssertLessThan(abs(LedgerTime.nowMilliseconds() - wall0), 60_000)
    }

    /// Whatever the wall clock does, a ledger's block times never go back.
    func testABackwardClockJumpDoesNotMakeBlockTimesGoBack() throws {
        let ledger = try Ledger.open(store: MemoryJournalStore(), strandId: nil, options: Ledger.Options())
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        let before = try XCTUnwrap(try ledger.run { _ = try $0.insert(table: "T", document: doc(("a", .int(1)))) })
        Failpoints.arm(try .parse("clock_offset_ms=-3600000"))
        let after = try XCTUnwrap(try ledger.run { _ = try $0.insert(table: "T", document: doc(("a", .int(2)))) })
        XCTAssertGreaterThanOrEqual(after.timestampMs, before.timestampMs)
        XCTAssertLessThan(after.timestampMs - before.timestampMs, 60_000)
    }
}

extension FailpointsTests {
    /// Regression: the lifetime was measured on the wall clock, so a jump forward
    /// ended every open transaction and a jump back extended them.
    func testAWallClockJumpNeitherEndsNorExtendsATransaction() throws {
        let ledger = try Ledger.open(store: MemoryJournalStore(), strandId: nil, options: Ledger.Options())
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        let tx = ledger.begin()
        Failpoints.arm(try .parse("clock_offset_ms=3600000"))
        XCTAssertNoThrow(try tx.insert(table: "T", document: doc(("a", .int(1)))))

        var limits = LedgerLimits()
        limits.transactionLifetimeMs = 1000
        let wall = FakeClock(), elapsed = FakeClock()
        let short = try Ledger.open(store: MemoryJournalStore(), strandId: nil,
                                    options: Ledger.Options(limits: limits, clock: { wall.now }, elapsedClock: { elapsed.now }))
        let t2 = short.begin()
        wall.advance(-3_600_000)
        elapsed.advance(1001)
        XCTAssertThrowsError(try t2.createTable(name: "U", tags: [])) { XCTAssertTrue($0 is TransactionClosed, "\($0)") }
    }
}

import Foundation
import Ledger
import Raft
import XCTest
@testable import Replica

/// The leader saves its log on a pool thread while Raft reads the log on the
/// loop. A read must not wait for the save's fsync (it did: one lock covered
/// both, and the loop stalled behind every fsync); it sees the log as it was
/// until the save's entries are durable, then sees them.
final class RaftLogReadDuringSaveTests: XCTestCase {
    override func tearDown() { Failpoints.disarm() }

    func testReadsDoNotWaitForASavesFsyncAndSeeItsEntriesOnceDurable() throws {
        let dir = clusterTempDir("read-during-save")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try FileRaftStorage(directory: dir)
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 0), entries: clusterEntries(1...3, term: 1))

        Failpoints.arm(try .parse("fsync_delay_ms=1500", pathPrefix: dir + "/"))
        let saved = DispatchSemaphore(value: 0)
        let finished = LockedFlag()
        DispatchQueue.global().async {
            try? s.save(hardState: nil, entries: clusterEntries(4...5, term: 1))
            finished.set()
            saved.signal()
        }
        Thread.sleep(forTimeInterval: 0.2)   // the save is inside its delayed fsync

        XCTAssertEqual(s.lastIndex, 3, "the entries being saved are not durable yet")
        XCTAssertEqual(s.firstIndex, 1)
        XCTAssertEqual(try s.term(at: 3), 1)
        XCTAssertEqual(try s.entries(from: 1, to: 4, maxSize: .max), clusterEntries(1...3, term: 1))
        XCTAssertThrowsError(try s.entries(from: 4, to: 6, maxSize: .max))
        XCTAssertFalse(finished.isSet, "the reads returned while the save was still syncing")

        XCTAssertEqual(saved.wait(timeout: .now() + 30), .success)
        Failpoints.disarm()
        XCTAssertEqual(s.lastIndex, 5)
        XCTAssertEqual(try s.entries(from: 1, to: 6, maxSize: .max), clusterEntries(1...5, term: 1))
        s.close()

        let reopened = try FileRaftStorage(directory: dir)
        XCTAssertEqual(reopened.lastIndex, 5)
        XCTAssertEqual(try reopened.entries(from: 1, to: 6, maxSize: .max), clusterEntries(1...5, term: 1))
        reopened.close()
    }

    func testAFailedSaveLeavesItsEntriesUnseen() throws {
        let dir = clusterTempDir("failed-save")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try FileRaftStorage(directory: dir)
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 0), entries: clusterEntries(1...2, term: 1))
        Failpoints.arm(try .parse("fsync=error", pathPrefix: dir + "/"))
        XCTAssertThrowsError(try s.save(hardState: nil, entries: clusterEntries(3...4, term: 1)))
        Failpoints.disarm()
        XCTAssertEqual(s.lastIndex, 2)
        XCTAssertNotNil(s.failure)
        XCTAssertThrowsError(try s.save(hardState: nil, entries: clusterEntries(3...3, term: 1)), "unusable until reopened")
        s.close()
    }
}

private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

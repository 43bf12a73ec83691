import Raft
import XCTest

/// Catch-up of a node whose next entries the leader has compacted away.
final class SnapshotTests: XCTestCase {
    func testEmptyNodeCatchesUpFromASnapshotThenReplicates() {
        let c = TestCluster(size: 3)
        c.isolate(3)  // node 3 never sees anything: an empty node
        c.campaign(1)
        for i in 1...10 { try! c.node(1).propose(bytes("tx\(i)")) }
        c.stabilize()
        XCTAssertEqual(c.node(1).commitIndex, 11)

        // The applications on 1 and 2 snapshot their state at the applied
        // index and compact the log (in Tally the payload names journal blocks).
        for id: NodeID in [1, 2] {
            try! c.storage(id).createSnapshot(at: 11, confState: ConfState(voters: c.ids), data: bytes("journal up to 11"))
            try! c.storage(id).compact(upTo: 11)
        }

        c.recover()
        c.tick(1)  // heartbeat; node 3's response makes the leader notice the gap
        XCTAssertEqual(c.installedSnapshots[3]!.map(\.metadata.index), [11])
        XCTAssertEqual(c.installedSnapshots[3]!.first?.data, bytes("journal up to 11"))
        XCTAssertEqual(c.node(3).commitIndex, 11)
        XCTAssertEqual(c.storage(3).firstIndex, 12)

        try! c.node(1).propose(bytes("tx11"))
        c.stabilize()
        XCTAssertEqual(c.appliedData(3), ["tx11"], "after the snapshot, ordinary replication resumes")
        XCTAssertEqual(c.node(3).commitIndex, 12)
    }

    func testLostSnapshotIsResent() {
        let c = TestCluster(size: 3)
        c.isolate(3)
        c.campaign(1)
        for i in 1...3 { try! c.node(1).propose(bytes("tx\(i)")) }
        c.stabilize()
        try! c.storage(1).createSnapshot(at: 4, confState: nil, data: bytes("s"))
        try! c.storage(1).compact(upTo: 4)

        c.recover()
        c.dropKinds = [.snapshot]  // the transport reports the failure
        c.tick(1)
        XCTAssertTrue(c.installedSnapshots[3]!.isEmpty)
        c.dropKinds = []
        c.tick(1, times: 2)
        XCTAssertEqual(c.installedSnapshots[3]!.map(\.metadata.index), [4])
        XCTAssertEqual(c.node(3).lastIndex, 4)
    }

    func testMemoryStorageCompactionAndTerms() throws {
        let s = storageWithLog(terms: [1, 1, 2, 3], voters: [1], hardState: HardState(term: 3, commit: 4))
        XCTAssertEqual(s.firstIndex, 1)
        XCTAssertEqual(s.lastIndex, 4)
        XCTAssertEqual(try s.term(at: 3), 2)
        try s.createSnapshot(at: 3, confState: nil, data: [])
        try s.compact(upTo: 3)
        XCTAssertEqual(s.firstIndex, 4)
        XCTAssertEqual(try s.term(at: 3), 2, "the compaction point keeps its term")
        XCTAssertThrowsError(try s.term(at: 2)) { XCTAssertEqual($0 as? StorageError, .compacted) }
        XCTAssertThrowsError(try s.entries(from: 3, to: 5, maxSize: .max)) { XCTAssertEqual($0 as? StorageError, .compacted) }
        XCTAssertThrowsError(try s.term(at: 5)) { XCTAssertEqual($0 as? StorageError, .unavailable) }

        // Appending at an existing index replaces the suffix.
        s.append([Entry(term: 4, index: 4), Entry(term: 4, index: 5)])
        XCTAssertEqual(try s.entries(from: 4, to: 6, maxSize: .max).map(\.term), [4, 4])
        XCTAssertThrowsError(try s.applySnapshot(Snapshot(metadata: SnapshotMetadata(index: 2, term: 1)))) {
            XCTAssertEqual($0 as? StorageError, .snapshotOutOfDate)
        }
    }
}

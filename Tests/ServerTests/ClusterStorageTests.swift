import Foundation
import Raft
import XCTest
@testable import Replica
@testable import Server

final class ClusterStorageTests: XCTestCase {
    func testReopenRoundTrip() throws {
        let dir = clusterTempDir("rt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s: FileRaftStorage? = try FileRaftStorage(directory: dir, voters: [1, 2, 3], segmentSize: 512)
        try s!.save(hardState: HardState(term: 1, vote: 2, commit: 0), entries: clusterEntries(1...20, term: 1))
        try s!.save(hardState: HardState(term: 2, vote: 3, commit: 15), entries: clusterEntries(21...40, term: 2))
        let before = try allEntries(s!)
        s!.close()
        s = nil
        let r = try FileRaftStorage(directory: dir, voters: [1, 2, 3], segmentSize: 512)
        XCTAssertEqual(r.initialState().hardState, HardState(term: 2, vote: 3, commit: 15))
        XCTAssertEqual(r.initialState().confState.voters, [1, 2, 3])
        XCTAssertEqual(r.firstIndex, 1)
        XCTAssertEqual(r.lastIndex, 40)
        XCTAssertEqual(try allEntries(r), before)
        XCTAssertEqual(try r.term(at: 0), 0)
        XCTAssertEqual(try r.term(at: 30), 2)
        XCTAssertNil(r.recoveryNote)
        // Several segments were used (512-byte segments).
        XCTAssertGreaterThan(try FileManager.default.contentsOfDirectory(atPath: dir + "/log").count, 1)
    }

    func testSuffixTruncation() throws {
        let dir = clusterTempDir("trunc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try FileRaftStorage(directory: dir, segmentSize: 300)
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 3), entries: clusterEntries(1...12, term: 1))
        // A new leader overwrites 6... with its own term (crossing segment boundaries).
        try s.save(hardState: HardState(term: 3, vote: 2, commit: 3), entries: clusterEntries(6...8, term: 3))
        XCTAssertEqual(s.lastIndex, 8)
        XCTAssertEqual(try s.term(at: 5), 1)
        XCTAssertEqual(try s.term(at: 6), 3)
        s.close()
        let r = try FileRaftStorage(directory: dir, segmentSize: 300)
        XCTAssertEqual(r.lastIndex, 8)
        XCTAssertEqual(try allEntries(r), clusterEntries(1...5, term: 1) + clusterEntries(6...8, term: 3))
        try r.save(hardState: nil, entries: clusterEntries(9...10, term: 3))
        r.close()
        let r2 = try FileRaftStorage(directory: dir, segmentSize: 300)
        XCTAssertEqual(try allEntries(r2), clusterEntries(1...5, term: 1) + clusterEntries(6...10, term: 3))
    }

    /// A record cut short after the slot's recorded end (a torn write) is dropped
    /// at every possible cut; a cut inside the recorded region is refused.
    /// With preallocated zeros after the records, the torn write lands on them;
    /// without, it is appended: both are dropped the same way.
    func testTornTailAtEveryOffset() throws {
        for preallocation in [0, 1 << 20] {
            try tornTailAtEveryOffset(preallocation: preallocation)
        }
    }

    private func tornTailAtEveryOffset(preallocation: Int) throws {
        let dir = clusterTempDir("torn")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let open = { try FileRaftStorage(directory: dir, preallocation: preallocation) }
        let s = try open()
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 5), entries: clusterEntries(1...10, term: 1))
        s.close()
        let segName = try FileManager.default.contentsOfDirectory(atPath: dir + "/log").first!
        let segPath = dir + "/log/" + segName
        let synced = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segPath)))
        let end = raftRecordsEnd(synced)
        XCTAssertEqual(synced.count, preallocation == 0 ? end : end + preallocation, "zeros written ahead")
        XCTAssertTrue(synced[end...].allSatisfy { $0 == 0 })
        let state = try Data(contentsOf: URL(fileURLWithPath: dir + "/state"))
        let record = RaftLogFormat.encodeRecord(Entry(term: 1, index: 11, data: Array("the torn one".utf8)))
        for cut in 0..<record.count {
            try Data(raftSegment(synced, writing: record[0..<cut])).write(to: URL(fileURLWithPath: segPath))
            try state.write(to: URL(fileURLWithPath: dir + "/state"))
            let r = try open()
            XCTAssertEqual(r.lastIndex, 10, "cut at \(cut)")
            XCTAssertEqual(try allEntries(r), clusterEntries(1...10, term: 1), "cut at \(cut)")
            XCTAssertEqual(r.initialState().hardState, HardState(term: 1, vote: 1, commit: 5))
            // A torn write of zeros only (a record's length starts with them) reads as a preallocated tail.
            if record[0..<cut].contains(where: { $0 != 0 }) {
                XCTAssertNotNil(r.recoveryNote, "cut at \(cut)")
            } else {
                XCTAssertNil(r.recoveryNote, "cut at \(cut)")
            }
            r.close()
            let after = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segPath)))
            XCTAssertEqual(Array(after.prefix(end)), Array(synced.prefix(end)))
            XCTAssertTrue(after[end...].allSatisfy { $0 == 0 }, "the torn bytes are gone (cut at \(cut))")
        }
        // Written whole, it is kept: it was fsync'ed before the slot caught up.
        try Data(raftSegment(synced, writing: record)).write(to: URL(fileURLWithPath: segPath))
        try state.write(to: URL(fileURLWithPath: dir + "/state"))
        let whole = try open()
        XCTAssertEqual(whole.lastIndex, 11)
        XCTAssertNil(whole.recoveryNote)
        whole.close()
        // Corruption inside the acknowledged prefix: refuse with a clear error.
        var bad = synced
        bad[end - 3] ^= 0xFF
        try Data(bad).write(to: URL(fileURLWithPath: segPath))
        XCTAssertThrowsError(try open()) { e in
            XCTAssertTrue("\(e)".contains("corrupt"), "\(e)")
        }
        // Missing acknowledged bytes (the last record cut short, or its last byte zeroed): refuse too.
        try Data(synced.prefix(end - 1)).write(to: URL(fileURLWithPath: segPath))
        XCTAssertThrowsError(try open())
        var zeroed = synced
        zeroed[end - 1] = zeroed[end - 1] == 0 ? 1 : 0
        try Data(zeroed).write(to: URL(fileURLWithPath: segPath))
        XCTAssertThrowsError(try open())
    }

    func testCompactionAndSnapshot() throws {
        let dir = clusterTempDir("compact")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try FileRaftStorage(directory: dir, voters: [1, 2, 3], segmentSize: 400)
        for b in stride(from: 1, through: 26, by: 5) {
            try s.save(hardState: HardState(term: 2, vote: 1, commit: UInt64(b + 4)), entries: clusterEntries(UInt64(b)...UInt64(b + 4), term: 2))
        }
        let segsBefore = try FileManager.default.contentsOfDirectory(atPath: dir + "/log").count
        try s.createSnapshot(at: 25, confState: ConfState(voters: [1, 2, 3]), data: [9, 9, 9])
        try s.compact(upTo: 25)
        XCTAssertEqual(s.firstIndex, 26)
        XCTAssertEqual(try s.term(at: 25), 2)
        XCTAssertThrowsError(try s.entries(from: 20, to: 27, maxSize: .max))
        XCTAssertLessThan(try FileManager.default.contentsOfDirectory(atPath: dir + "/log").count, segsBefore)
        try s.save(hardState: HardState(term: 2, vote: 1, commit: 32), entries: clusterEntries(31...32, term: 2))
        s.close()
        let r = try FileRaftStorage(directory: dir, voters: [1, 2, 3], segmentSize: 400)
        XCTAssertEqual(r.firstIndex, 26)
        XCTAssertEqual(r.lastIndex, 32)
        XCTAssertEqual(try r.snapshot().metadata, SnapshotMetadata(index: 25, term: 2, confState: ConfState(voters: [1, 2, 3])))
        XCTAssertEqual(try r.snapshot().data, [9, 9, 9])
        XCTAssertEqual(try allEntries(r), clusterEntries(26...32, term: 2))
        // Installing a leader's snapshot replaces the whole log.
        let snap = Snapshot(metadata: SnapshotMetadata(index: 100, term: 5, confState: ConfState(voters: [1, 2, 3])), data: [1])
        try r.save(hardState: HardState(term: 5, vote: 0, commit: 100), entries: [], snapshot: snap)
        XCTAssertEqual(r.firstIndex, 101)
        XCTAssertEqual(r.lastIndex, 100)
        try r.save(hardState: nil, entries: clusterEntries(101...103, term: 5))
        r.close()
        let r2 = try FileRaftStorage(directory: dir, segmentSize: 400)
        XCTAssertEqual(r2.firstIndex, 101)
        XCTAssertEqual(try allEntries(r2), clusterEntries(101...103, term: 5))
        XCTAssertEqual(r2.initialState().hardState.commit, 100)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/log").count, 1)
    }

    func testNodeIDMapping() throws {
        XCTAssertEqual(ClusterNodeID.numeric("node1"), 1)
        XCTAssertEqual(ClusterNodeID.numeric("ledger-b12"), 12)
        XCTAssertNil(ClusterNodeID.numeric("alpha"))
        XCTAssertNil(ClusterNodeID.numeric("node0"))
        XCTAssertThrowsError(try ClusterPeer(name: "alpha", host: "h", port: 1))
        XCTAssertEqual(try ClusterPeer(name: "alpha", id: 7, host: "h", port: 1).id, 7)
    }

    func testMessageCodecRoundTripAndGarbage() throws {
        let snap = Snapshot(metadata: SnapshotMetadata(index: 9, term: 3, confState: ConfState(voters: [1, 2, 3])), data: [1, 2, 3])
        let msgs: [Message] = [
            Message(kind: .append, from: 1, to: 2, term: 5, logTerm: 4, index: 10,
                    entries: [Entry(term: 5, index: 11, kind: .normal, data: [0xFF, 0]), Entry(term: 5, index: 12, kind: .empty)],
                    commit: 9),
            Message(kind: .appendResponse, from: 2, to: 1, term: 5, logTerm: 3, index: 10, reject: true, rejectHint: 7),
            Message(kind: .vote, from: 3, to: 1, term: UInt64.max, logTerm: 2, index: 1 << 40, leadershipTransfer: true),
            Message(kind: .heartbeat, from: 1, to: 3, term: 5, commit: 4, context: [1, 2, 3, 4]),
            Message(kind: .snapshot, from: 1, to: 2, term: 5, snapshot: snap),
            Message(kind: .readIndex, from: 2, to: 1, context: Array("ctx".utf8)),
        ]
        for m in msgs { XCTAssertEqual(try RaftMessageCodec.decode(RaftMessageCodec.encode(m)), m) }
        // Every truncation and random corruption either decodes to something or throws; never traps.
        var rng = SystemRandomNumberGenerator()
        for m in msgs {
            let b = RaftMessageCodec.encode(m)
            for cut in 0..<b.count { XCTAssertThrowsError(try RaftMessageCodec.decode(Array(b[0..<cut]))) }
            for _ in 0..<200 {
                var c = b
                c[Int.random(in: 0..<c.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                _ = try? RaftMessageCodec.decode(c)
            }
        }
        for _ in 0..<2000 {
            let junk = (0..<Int.random(in: 0...64)).map { _ in UInt8.random(in: 0...255) }
            _ = try? RaftMessageCodec.decode(junk)
        }
    }
}

import Foundation
import Raft
import XCTest
@testable import Replica
@testable import Server

/// The state slot is fsync'ed only when it must be (a term or vote, a new
/// segment, a truncation), so after a power cut its recorded end of the log may
/// lag. Records past it were fsync'ed before they were acknowledged: recovery
/// keeps them while they read back whole, and drops a torn write after them.
final class ClusterStorageSlotTests: XCTestCase {
    private struct Files {
        let dir: String
        var segment: String { dir + "/log/" + (try! FileManager.default.contentsOfDirectory(atPath: dir + "/log").first!) }
        var state: String { dir + "/state" }
        func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
        func write(_ bytes: [UInt8], to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
    }

    /// Writes 1...5 (the slot is fsync'ed: a new segment), then 6...15 in two
    /// appends that leave the slot to the page cache; returns the files and the
    /// state file as the first save left it (what a power cut may leave).
    private func ledgerWithALaggingSlot(_ tag: String, preallocation: Int = 1 << 20) throws -> (Files, [UInt8]) {
        let files = Files(dir: clusterTempDir(tag))
        let s = try FileRaftStorage(directory: files.dir, preallocation: preallocation)
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 2), entries: clusterEntries(1...5, term: 1))
        let durable = try files.read(files.state)
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 7), entries: clusterEntries(6...10, term: 1))
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 12), entries: clusterEntries(11...15, term: 1))
        s.close()
        return (files, durable)
    }

    func testRecordsPastALaggingSlotAreKept() throws {
        let (files, durable) = try ledgerWithALaggingSlot("lag")
        defer { try? FileManager.default.removeItem(atPath: files.dir) }
        try files.write(durable, to: files.state)  // the later slot writes were lost
        let r = try FileRaftStorage(directory: files.dir)
        XCTAssertEqual(try allEntries(r), clusterEntries(1...15, term: 1), "every fsync'ed record is back")
        XCTAssertEqual(r.initialState().hardState, HardState(term: 1, vote: 1, commit: 2))
        XCTAssertNil(r.recoveryNote)
        try r.save(hardState: nil, entries: clusterEntries(16...16, term: 1))
        r.close()
        XCTAssertEqual(try allEntries(FileRaftStorage(directory: files.dir)), clusterEntries(1...16, term: 1))
    }

    func testATornWritePastALaggingSlotIsDroppedAtEveryCut() throws {
        for preallocation in [0, 1 << 20] {
            let (files, durable) = try ledgerWithALaggingSlot("lagtorn", preallocation: preallocation)
            defer { try? FileManager.default.removeItem(atPath: files.dir) }
            let segment = files.segment
            let written = try files.read(segment)
            let end = raftRecordsEnd(written)
            let record = RaftLogFormat.encodeRecord(Entry(term: 1, index: 16, data: Array("the torn one".utf8)))
            for cut in 0..<record.count {
                try files.write(raftSegment(written, writing: record[0..<cut]), to: segment)
                try files.write(durable, to: files.state)
                let r = try FileRaftStorage(directory: files.dir, preallocation: preallocation)
                XCTAssertEqual(try allEntries(r), clusterEntries(1...15, term: 1), "cut at \(cut)")
                if record[0..<cut].contains(where: { $0 != 0 }) {
                    XCTAssertNotNil(r.recoveryNote, "cut at \(cut)")
                } else {
                    XCTAssertNil(r.recoveryNote, "zeros only: a preallocated tail (cut at \(cut))")
                }
                r.close()
                let after = try files.read(segment)
                XCTAssertEqual(Array(after.prefix(end)), Array(written.prefix(end)), "cut at \(cut)")
                XCTAssertTrue(after[end...].allSatisfy { $0 == 0 }, "the torn bytes are gone from the file (cut at \(cut))")
            }
        }
    }

    func testDamagePastALaggingSlotEndsTheLogButBeforeItIsRefused() throws {
        let (files, durable) = try ledgerWithALaggingSlot("lagflip")
        defer { try? FileManager.default.removeItem(atPath: files.dir) }
        let segment = files.segment
        let written = try files.read(segment)
        // Past the recorded end (in record 12): indistinguishable from a torn
        // write, so the log ends before it and nothing damaged is served.
        let record12 = try XCTUnwrap(find(clusterEntries(12...12, term: 1)[0], in: written))
        var flipped = written
        flipped[record12 + 10] ^= 0x01
        try files.write(flipped, to: segment)
        try files.write(durable, to: files.state)
        let r = try FileRaftStorage(directory: files.dir)
        XCTAssertEqual(try allEntries(r), clusterEntries(1...11, term: 1))
        XCTAssertNotNil(r.recoveryNote)
        r.close()
        // Before it (in record 3): acknowledged data is damaged; refuse.
        let record3 = try XCTUnwrap(find(clusterEntries(3...3, term: 1)[0], in: written))
        flipped = written
        flipped[record3 + 10] ^= 0x01
        try files.write(flipped, to: segment)
        try files.write(durable, to: files.state)
        XCTAssertThrowsError(try FileRaftStorage(directory: files.dir)) { e in
            XCTAssertTrue("\(e)".contains("corrupt"), "\(e)")
        }
    }

    /// A term is made durable before entries of that term are written, so a
    /// record newer than the slot's term cannot be whole: it ends the log.
    func testRecordsOfANewerTermThanTheSlotAreNotKept() throws {
        let files = Files(dir: clusterTempDir("lagterm"))
        defer { try? FileManager.default.removeItem(atPath: files.dir) }
        let s = try FileRaftStorage(directory: files.dir)
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 2), entries: clusterEntries(1...5, term: 1))
        let termOne = try files.read(files.state)
        try s.save(hardState: HardState(term: 2, vote: 2, commit: 5), entries: clusterEntries(6...8, term: 2))
        s.close()
        XCTAssertEqual(try allEntries(FileRaftStorage(directory: files.dir)), clusterEntries(1...5, term: 1) + clusterEntries(6...8, term: 2))
        try files.write(termOne, to: files.state)
        let r = try FileRaftStorage(directory: files.dir)
        XCTAssertEqual(try allEntries(r), clusterEntries(1...5, term: 1))
        XCTAssertEqual(r.initialState().hardState.term, 1)
    }

    private func find(_ e: Entry, in bytes: [UInt8]) -> Int? {
        let record = RaftLogFormat.encodeRecord(e)
        guard bytes.count >= record.count else { return nil }
        for i in 0...(bytes.count - record.count) where bytes[i] == record[0] && Array(bytes[i..<(i + record.count)]) == record {
            return i
        }
        return nil
    }
}

import Foundation
import Raft
import XCTest
@testable import Replica

/// The segment being appended to runs `preallocation` bytes of zeros past its
/// last record, so that appends overwrite blocks the file has (fdatasync, no
/// size change); a segment is cut to its last record when the log moves on.
final class RaftLogPreallocationTests: XCTestCase {
    private func segments(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir + "/log").sorted().map { dir + "/log/" + $0 }
    }

    private func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    func testAppendsFillTheZerosBeforeTheFileGrows() throws {
        let dir = clusterTempDir("prealloc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try FileRaftStorage(directory: dir, segmentSize: 1 << 20, preallocation: 4096)
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 0), entries: clusterEntries(1...1, term: 1))
        let path = try XCTUnwrap(segments(dir).first)
        var file = try bytes(path)
        var end = raftRecordsEnd(file)
        XCTAssertEqual(file.count, end + 4096)
        let grownTo = file.count
        var sizes: Set<Int> = []
        for i in UInt64(2)...200 {
            try s.save(hardState: nil, entries: clusterEntries(i...i, term: 1))
            file = try bytes(path)
            end = raftRecordsEnd(file)
            sizes.insert(file.count)
            XCTAssertTrue(file[end...].allSatisfy { $0 == 0 }, "zeros after the records (entry \(i))")
            XCTAssertGreaterThanOrEqual(file.count, end)
        }
        XCTAssertTrue(sizes.contains(grownTo), "appends landed inside the zeros without growing the file")
        XCTAssertGreaterThan(sizes.count, 1, "and it grew once they were used up")
        XCTAssertEqual(try allEntries(s), clusterEntries(1...200, term: 1))
        s.close()
    }

    func testAReopenedLogKeepsItsZerosAndAppendsInPlace() throws {
        let dir = clusterTempDir("prealloc-reopen")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try FileRaftStorage(directory: dir, preallocation: 64 << 10)
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 3), entries: clusterEntries(1...5, term: 1))
        s.close()
        let path = try XCTUnwrap(segments(dir).first)
        let size = try bytes(path).count
        let r = try FileRaftStorage(directory: dir, preallocation: 64 << 10)
        XCTAssertNil(r.recoveryNote, "a preallocated tail is not a torn write")
        XCTAssertEqual(try allEntries(r), clusterEntries(1...5, term: 1))
        try r.save(hardState: nil, entries: clusterEntries(6...8, term: 1))
        r.close()
        XCTAssertEqual(try bytes(path).count, size, "written over the zeros")
        XCTAssertEqual(try allEntries(FileRaftStorage(directory: dir)), clusterEntries(1...8, term: 1))
    }

    /// Either way round: a log written without zeros opens with them, and one written with them opens without.
    func testTheLogOpensWhateverPreallocationWroteIt() throws {
        for (first, second) in [(0, 1 << 20), (1 << 20, 0)] {
            let dir = clusterTempDir("prealloc-switch")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let s = try FileRaftStorage(directory: dir, segmentSize: 2048, preallocation: first)
            try s.save(hardState: HardState(term: 1, vote: 1, commit: 10), entries: clusterEntries(1...40, term: 1))
            s.close()
            let r = try FileRaftStorage(directory: dir, segmentSize: 2048, preallocation: second)
            XCTAssertNil(r.recoveryNote)
            try r.save(hardState: nil, entries: clusterEntries(41...80, term: 1))
            r.close()
            XCTAssertEqual(try allEntries(FileRaftStorage(directory: dir, segmentSize: 2048, preallocation: first)),
                           clusterEntries(1...80, term: 1), "\(first) then \(second)")
        }
    }

    func testASegmentTheLogLeavesEndsAtItsLastRecord() throws {
        let dir = clusterTempDir("prealloc-rotate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try FileRaftStorage(directory: dir, segmentSize: 1024, preallocation: 512)
        for i in UInt64(1)...60 { try s.save(hardState: nil, entries: clusterEntries(i...i, term: 1)) }
        let paths = try segments(dir)
        XCTAssertGreaterThan(paths.count, 2)
        for path in paths.dropLast() {
            let file = try bytes(path)
            XCTAssertEqual(file.count, raftRecordsEnd(file), "\(path) was cut to its records")
        }
        s.close()
        XCTAssertEqual(try allEntries(FileRaftStorage(directory: dir, segmentSize: 1024, preallocation: 512)),
                       clusterEntries(1...60, term: 1))
    }

    /// A conflicting suffix is cut from the file: its records must not come back from the zeros' side.
    func testTruncatedRecordsDoNotComeBack() throws {
        let dir = clusterTempDir("prealloc-truncate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try FileRaftStorage(directory: dir, preallocation: 8192)
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 2), entries: clusterEntries(1...10, term: 1))
        try s.save(hardState: HardState(term: 2, vote: 2, commit: 2), entries: clusterEntries(4...5, term: 2))
        s.close()
        let path = try XCTUnwrap(segments(dir).first)
        let file = try bytes(path)
        XCTAssertTrue(file[raftRecordsEnd(file)...].allSatisfy { $0 == 0 }, "nothing of 6…10 is left after the end")
        let r = try FileRaftStorage(directory: dir, preallocation: 8192)
        XCTAssertEqual(try allEntries(r), clusterEntries(1...3, term: 1) + clusterEntries(4...5, term: 2))
        XCTAssertNil(r.recoveryNote)
        r.close()
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Ledger
import XCTest
import Checksum

/// The ledger's seeded SplitMix64, for reproducible random sizes.
typealias StorageTestRNG = SeededGenerator

final class StorageTests: XCTestCase {
    private var directories: [String] = []

    override func tearDown() {
        for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
        directories = []
        super.tearDown()
    }

    private func makeDirectory() -> String {
        let path = NSTemporaryDirectory() + "tally-storage-test-" + UUID().uuidString
        directories.append(path)
        return path
    }

    // MARK: Helpers that read the files by Docs/storage-format.md

    struct Frame { var file: String; var offset: Int; var length: Int }

    /// Segment files in order.
    func segmentFiles(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix("journal-") && $0.hasSuffix(".seg") }
            .sorted()
            .map { directory + "/" + $0 }
    }

    /// Every record frame on disk, parsed independently of the store.
    func frames(_ directory: String) throws -> [Frame] {
        var result: [Frame] = []
        for file in try segmentFiles(directory) {
            let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            XCTAssertEqual(Array(data[0..<8]), Array("TALLYJ01".utf8))
            XCTAssertEqual(le32(data, 8), 1)
            XCTAssertEqual(le32(data, 12), 24)
            let first = Int(le32(data, 16)) | Int(le32(data, 20)) << 32
            XCTAssertEqual(first, result.count, "segment \(file) starts at the next record")
            XCTAssertEqual(file.hasSuffix(String(format: "journal-%020ld.seg", first)), true)
            var offset = 24
            while offset < data.count {
                let length = Int(le32(data, offset))
                XCTAssertEqual(le32(data, offset + 4), CRC32C.checksum(Array(data[(offset + 8)..<(offset + 8 + length)])))
                result.append(Frame(file: file, offset: offset, length: length))
                offset += 8 + length
            }
        }
        return result
    }

    func le32(_ data: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24
    }

    func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
    }

    func truncate(_ path: String, to size: Int) {
        XCTAssertEqual(Glibc.truncate(path, off_t(size)), 0)
    }

    func flipByte(_ path: String, at offset: Int, mask: UInt8 = 0x40) throws {
        // In place (same inode), so an open store sees it too.
        let fd = Glibc.open(path, O_RDWR)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { _ = Glibc.close(fd) }
        var byte: UInt8 = 0
        XCTAssertEqual(pread(fd, &byte, 1, off_t(offset)), 1)
        byte ^= mask
        XCTAssertEqual(pwrite(fd, &byte, 1, off_t(offset)), 1)
    }

    func record(_ i: Int, length: Int? = nil) -> [UInt8] {
        let n = length ?? (i * 7) % 97
        return (0..<n).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0 &* 13) }
    }

    func allRecords(_ store: JournalStore) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        try store.forEach(from: 0) { index, bytes in
            XCTAssertEqual(index, out.count)
            out.append(bytes)
        }
        return out
    }

    // MARK: CRC-32C

    func testCRC32CKnownAnswers() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // RFC 3720 §B.4.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
    }

    func testCRC32CMatchesBitwiseReferenceAndComposes() {
        func reference(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        var rng = StorageTestRNG(seed: 9)
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for start in 0..<9 {
            for end in stride(from: start, through: data.count, by: 7) {
                let slice = data[start..<end]
                XCTAssertEqual(CRC32C.checksum(slice), reference(slice), "\(start)..<\(end)")
                let mid = (start + end) / 2
                XCTAssertEqual(CRC32C.checksum(data[mid..<end], continuing: CRC32C.checksum(data[start..<mid])),
                               reference(slice))
            }
        }
    }

    // MARK: Memory store

    func testMemoryStoreSemantics() throws {
        let store = MemoryJournalStore(maxRecordSize: 10)
        XCTAssertEqual(try store.append([1]), 0)
        XCTAssertEqual(try store.append([]), 1)
        XCTAssertEqual(store.count, 2)
        XCTAssertEqual(store.syncedCount, 0)
        try store.sync()
        XCTAssertEqual(store.syncedCount, 2)
        try store.append([3])
        store.dropUnsynced()
        XCTAssertEqual(store.count, 2)
        XCTAssertEqual(try store.read(0), [1])
        XCTAssertThrowsError(try store.read(2))
        XCTAssertThrowsError(try store.append([UInt8](repeating: 0, count: 11)))
        XCTAssertEqual(try allRecords(store), [[1], []])
    }

    // MARK: File store basics

    func testRoundTripAcrossSegments() throws {
        let directory = makeDirectory()
        var expected: [[UInt8]] = []
        do {
            let store = try FileJournalStore.open(directory: directory, segmentSize: 300)
            XCTAssertTrue(store.recoveryReport.isClean)
            XCTAssertEqual(store.count, 0)
            for i in 0..<120 {
                let r = record(i)
                XCTAssertEqual(try store.append(r), i)
                expected.append(r)
                if i % 10 == 9 { try store.sync() }
            }
            XCTAssertEqual(try store.read(57), expected[57])
            store.close()
            XCTAssertThrowsError(try store.append([1]))
        }
        XCTAssertGreaterThan(try segmentFiles(directory).count, 10)
        XCTAssertEqual(try frames(directory).map(\.length), expected.map(\.count))

        let store = try FileJournalStore.open(directory: directory, segmentSize: 300)
        XCTAssertTrue(store.recoveryReport.isClean, store.recoveryReport.description)
        XCTAssertEqual(store.count, 120)
        XCTAssertEqual(store.syncedCount, 120)
        for i in [0, 1, 59, 119] { XCTAssertEqual(try store.read(i), expected[i]) }
        XCTAssertEqual(try allRecords(store), expected)
        var tail: [Int] = []
        try store.forEach(from: 115) { index, bytes in
            XCTAssertEqual(bytes, expected[index])
            tail.append(index)
        }
        XCTAssertEqual(tail, [115, 116, 117, 118, 119])
        try store.forEach(from: 120) { _, _ in XCTFail("nothing after the end") }
        XCTAssertThrowsError(try store.forEach(from: 121) { _, _ in })
        XCTAssertThrowsError(try store.read(120)) { error in
            XCTAssertEqual(error as? JournalStoreError, .indexOutOfRange(index: 120, count: 120))
        }
        XCTAssertThrowsError(try store.read(-1))
        // Appending continues after reopen.
        XCTAssertEqual(try store.append([9, 9]), 120)
        try store.sync()
        store.close()
        let again = try FileJournalStore.open(directory: directory, segmentSize: 300)
        XCTAssertEqual(try again.read(120), [9, 9])
        again.close()
    }

    func testCountAndSyncedCountSemantics() throws {
        let directory = makeDirectory()
        let store = try FileJournalStore.open(directory: directory)
        XCTAssertEqual(store.count, 0)
        XCTAssertEqual(store.syncedCount, 0)
        try store.append([1])
        try store.append([2])
        XCTAssertEqual(store.count, 2)
        XCTAssertEqual(store.syncedCount, 0)
        try store.sync()
        XCTAssertEqual(store.syncedCount, 2)
        try store.sync()   // nothing new: no-op
        try store.append([3])
        XCTAssertEqual(store.count, 3)
        XCTAssertEqual(store.syncedCount, 2)
        XCTAssertEqual(try store.read(2), [3])   // buffered records are readable
        store.close()
        // Intact records past the synced count survive a process crash and are kept.
        let reopened = try FileJournalStore.open(directory: directory)
        XCTAssertEqual(reopened.count, 3)
        XCTAssertEqual(reopened.syncedCount, 3)
        XCTAssertEqual(reopened.recoveryReport.syncedCountAtOpen, 2)
        XCTAssertEqual(reopened.recoveryReport.unsyncedRecordsKept, 1)
        XCTAssertTrue(reopened.recoveryReport.isClean)
        reopened.close()
    }

    func testSecondOpenIsLockedOut() throws {
        let directory = makeDirectory()
        let store = try FileJournalStore.open(directory: directory)
        XCTAssertThrowsError(try FileJournalStore.open(directory: directory)) { error in
            XCTAssertEqual(error as? JournalStoreError, .locked(directory: directory))
        }
        store.close()
        let again = try FileJournalStore.open(directory: directory)
        again.close()
    }

    func testEmptyAndLargeRecords() throws {
        let directory = makeDirectory()
        var rng = StorageTestRNG(seed: 5)
        let big = (0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let records: [[UInt8]] = [[], [], big, [], [7], big.reversed(), []]
        let store = try FileJournalStore.open(directory: directory, segmentSize: 1 << 20)
        for r in records { try store.append(r) }
        try store.sync()
        store.close()
        let reopened = try FileJournalStore.open(directory: directory, segmentSize: 1 << 20)
        XCTAssertEqual(reopened.count, records.count)
        for i in records.indices { XCTAssertEqual(try reopened.read(i), records[i]) }
        XCTAssertEqual(try allRecords(reopened), records)
        reopened.close()
        // [] [] | big | [] [7] | big | []: a record too big for a segment gets one of its own.
        XCTAssertEqual(try segmentFiles(directory).count, 5)
    }

    func testOversizeRecordIsRejectedBeforeWriting() throws {
        let directory = makeDirectory()
        let store = try FileJournalStore.open(directory: directory, maxRecordSize: 100)
        try store.append([UInt8](repeating: 1, count: 100))
        let files = try segmentFiles(directory)
        let before = try fileSize(files[0])
        XCTAssertThrowsError(try store.append([UInt8](repeating: 1, count: 101))) { error in
            XCTAssertEqual(error as? JournalStoreError, .recordTooLarge(size: 101, limit: 100))
        }
        XCTAssertEqual(store.count, 1)
        XCTAssertEqual(try fileSize(files[0]), before)
        XCTAssertEqual(try segmentFiles(directory), files)
        store.close()
    }

    // MARK: Recovery

    /// The last record was appended but never synced; the crash tore it at every possible byte.
    func testTornLastRecordAtEveryOffsetRecoversTheSyncedRecords() throws {
        let lastLength = 40
        for cut in 0..<(8 + lastLength) {
            let directory = makeDirectory()
            let store = try FileJournalStore.open(directory: directory)
            for i in 0..<5 { try store.append(record(i)) }
            try store.sync()
            try store.append(record(99, length: lastLength))
            store.close()
            let file = try segmentFiles(directory)[0]
            let frame = try frames(directory)[5]
            truncate(file, to: frame.offset + cut)

            let reopened = try FileJournalStore.open(directory: directory)
            XCTAssertEqual(reopened.count, 5, "cut \(cut)")
            XCTAssertEqual(reopened.syncedCount, 5)
            XCTAssertEqual(try allRecords(reopened), (0..<5).map { record($0) })
            if cut == 0 {
                XCTAssertTrue(reopened.recoveryReport.isClean)
            } else {
                let t = try XCTUnwrap(reopened.recoveryReport.truncation)
                XCTAssertEqual(t.file, file)
                XCTAssertEqual(t.offset, frame.offset)
                XCTAssertEqual(t.record, 5)
                XCTAssertEqual(t.bytesDropped, cut)
            }
            XCTAssertEqual(try fileSize(file), frame.offset)
            // The store goes on from there.
            XCTAssertEqual(try reopened.append([1, 2, 3]), 5)
            try reopened.sync()
            reopened.close()
            let third = try FileJournalStore.open(directory: directory)
            XCTAssertEqual(try third.read(5), [1, 2, 3])
            XCTAssertTrue(third.recoveryReport.isClean)
            third.close()
        }
    }

    /// The unsynced record opened a new segment; the crash tore the new file anywhere.
    func testTornNewSegmentAtEveryOffset() throws {
        let lastLength = 20
        for cut in 0..<(24 + 8 + lastLength) {
            let directory = makeDirectory()
            let store = try FileJournalStore.open(directory: directory, segmentSize: 100)
            for i in 0..<4 { try store.append(record(i, length: 30)) }   // 38-byte frames: two per segment
            try store.sync()
            try store.append(record(4, length: lastLength))
            store.close()
            let files = try segmentFiles(directory)
            XCTAssertEqual(files.count, 3)
            truncate(files[2], to: cut)

            let reopened = try FileJournalStore.open(directory: directory, segmentSize: 100)
            XCTAssertEqual(reopened.count, 4, "cut \(cut)")
            XCTAssertEqual(try allRecords(reopened), (0..<4).map { record($0, length: 30) })
            if cut < 24 {
                XCTAssertEqual(reopened.recoveryReport.removedSegments, [files[2]])
            } else if cut == 24 {
                XCTAssertTrue(reopened.recoveryReport.isClean)
            } else {
                XCTAssertEqual(reopened.recoveryReport.truncation?.record, 4)
            }
            XCTAssertEqual(try reopened.append([4]), 4)
            try reopened.sync()
            reopened.close()
            let third = try FileJournalStore.open(directory: directory, segmentSize: 100)
            XCTAssertEqual(third.count, 5)
            XCTAssertEqual(try third.read(4), [4])
            third.close()
        }
    }

    /// Without segment index files every segment is scanned at open (see
    /// `testSealedSegmentsAreNotScannedAtOpen` for the indexed case).
    func testCorruptSyncedRecordRefusesToOpen() throws {
        let directory = makeDirectory()
        let store = try FileJournalStore.open(directory: directory, segmentSize: 1024)
        for i in 0..<60 { try store.append(record(i, length: 50)) }
        try store.sync()
        store.close()
        removeSegmentIndexes(directory)
        let all = try frames(directory)
        // A record in the middle of a segment (not first, not last in its file).
        let target = try XCTUnwrap((1..<59).first { i in
            all[i].file == all[i - 1].file && all[i].file == all[i + 1].file && i > 20
        })
        let frame = all[target]

        // A flipped payload byte.
        try flipByte(frame.file, at: frame.offset + 8 + 17)
        XCTAssertThrowsError(try openScanning(directory, segmentSize: 1024)) { error in
            guard case let .corrupt(file, offset, record, reason)? = error as? JournalStoreError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(file, frame.file)
            XCTAssertEqual(offset, frame.offset)
            XCTAssertEqual(record, target)
            XCTAssertTrue(reason.contains("CRC"), reason)
            let text = "\(error)"
            XCTAssertTrue(text.contains(frame.file), text)
            XCTAssertTrue(text.contains("offset \(frame.offset)"), text)
            XCTAssertTrue(text.contains("record \(target)"), text)
        }
        try flipByte(frame.file, at: frame.offset + 8 + 17)   // repair

        // A damaged length field.
        try flipByte(frame.file, at: frame.offset + 1, mask: 0x01)
        XCTAssertThrowsError(try openScanning(directory, segmentSize: 1024)) { error in
            guard case let .corrupt(file, offset, record, _)? = error as? JournalStoreError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(file, frame.file)
            XCTAssertEqual(offset, frame.offset)
            XCTAssertEqual(record, target)
        }
        try flipByte(frame.file, at: frame.offset + 1, mask: 0x01)

        // A stored CRC byte.
        try flipByte(frame.file, at: frame.offset + 5)
        XCTAssertThrowsError(try openScanning(directory, segmentSize: 1024))
        try flipByte(frame.file, at: frame.offset + 5)

        // A segment header.
        try flipByte(frame.file, at: 3)
        XCTAssertThrowsError(try openScanning(directory, segmentSize: 1024)) { error in
            guard case let .corrupt(file, offset, _, reason)? = error as? JournalStoreError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(file, frame.file)
            XCTAssertEqual(offset, 0)
            XCTAssertTrue(reason.contains("magic"), reason)
        }
        try flipByte(frame.file, at: 3)

        // Truncated inside the synced prefix.
        let lastFile = all[59].file
        truncate(lastFile, to: all[59].offset + 10)
        XCTAssertThrowsError(try openScanning(directory, segmentSize: 1024)) { error in
            guard case let .corrupt(file, _, record, _)? = error as? JournalStoreError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(file, lastFile)
            XCTAssertEqual(record, 59)
        }
        truncate(lastFile, to: all[59].offset)
        XCTAssertThrowsError(try openScanning(directory, segmentSize: 1024)) { error in
            guard case let .corrupt(_, _, record, reason)? = error as? JournalStoreError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(record, 59)
            XCTAssertTrue(reason.contains("synced"), reason)
        }
        // A whole segment of synced records missing.
        let files = try segmentFiles(directory)
        try FileManager.default.removeItem(atPath: files[1])
        XCTAssertThrowsError(try openScanning(directory, segmentSize: 1024))
    }

    /// Removes `journal-*.idx`, so the next open scans every segment.
    func removeSegmentIndexes(_ directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(".idx") {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    func openScanning(_ directory: String, segmentSize: Int) throws -> FileJournalStore {
        removeSegmentIndexes(directory)
        return try FileJournalStore.open(directory: directory, segmentSize: segmentSize)
    }

    /// Sealed segments inside the synced prefix are opened from their index
    /// files, not scanned (open time and memory do not grow with the journal):
    /// damage in them is found when the record is read (every read re-checks
    /// the CRC), by the scrubber and by `tally audit`; the last segment is
    /// still scanned at open.
    func testSealedSegmentsAreNotScannedAtOpen() throws {
        let directory = makeDirectory()
        let store = try FileJournalStore.open(directory: directory, segmentSize: 1024)
        for i in 0..<60 { try store.append(record(i, length: 50)) }
        try store.sync()
        store.close()
        let all = try frames(directory)
        let files = try segmentFiles(directory)
        XCTAssertGreaterThan(files.count, 3)
        for file in files.dropLast() {
            XCTAssertTrue(FileManager.default.fileExists(atPath: String(file.dropLast(4)) + ".idx"), file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: String(files.last!.dropLast(4)) + ".idx"))
        let target = try XCTUnwrap((1..<59).first { all[$0].file == files[1] && all[$0 - 1].file == files[1] })
        let frame = all[target]
        try flipByte(frame.file, at: frame.offset + 8 + 17)
        let reopened = try FileJournalStore.open(directory: directory, segmentSize: 1024)
        XCTAssertEqual(reopened.count, 60)
        XCTAssertEqual(try reopened.read(target - 1), record(target - 1, length: 50))
        XCTAssertThrowsError(try reopened.read(target)) { error in
            guard case let .corrupt(file, offset, record, reason)? = error as? JournalStoreError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(file, frame.file)
            XCTAssertEqual(offset, frame.offset)
            XCTAssertEqual(record, target)
            XCTAssertTrue(reason.contains("CRC"), reason)
        }
        XCTAssertThrowsError(try reopened.forEach(from: 0) { _, _ in })
        // Appends, reads across segments and a reopen after more segments were sealed.
        for i in 60..<90 { try reopened.append(record(i, length: 50)) }
        try reopened.sync()
        XCTAssertEqual(try reopened.read(85), record(85, length: 50))
        reopened.close()
        try flipByte(frame.file, at: frame.offset + 8 + 17)   // repair
        let again = try FileJournalStore.open(directory: directory, segmentSize: 1024)
        XCTAssertEqual(try allRecords(again), (0..<90).map { record($0, length: 50) })
        again.close()
        // A stale or damaged index is ignored (the segment is scanned).
        let idx = String(files[1].dropLast(4)) + ".idx"
        try flipByte(idx, at: 40)
        let scanned = try FileJournalStore.open(directory: directory, segmentSize: 1024)
        XCTAssertEqual(try allRecords(scanned), (0..<90).map { record($0, length: 50) })
        scanned.close()
    }

    func testCorruptionFoundOnRead() throws {
        let directory = makeDirectory()
        let store = try FileJournalStore.open(directory: directory)
        for i in 0..<10 { try store.append(record(i, length: 20)) }
        try store.sync()
        let frame = try frames(directory)[4]
        try flipByte(frame.file, at: frame.offset + 12)
        XCTAssertThrowsError(try store.read(4)) { error in
            guard case let .corrupt(file, offset, record, _)? = error as? JournalStoreError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(file, frame.file)
            XCTAssertEqual(offset, frame.offset)
            XCTAssertEqual(record, 4)
        }
        XCTAssertThrowsError(try store.forEach(from: 0) { _, _ in })
        XCTAssertEqual(try store.read(5), record(5, length: 20))
        store.close()
    }

    func testCorruptUnsyncedTailIsDropped() throws {
        let directory = makeDirectory()
        let store = try FileJournalStore.open(directory: directory, segmentSize: 400)
        for i in 0..<10 { try store.append(record(i, length: 30)) }
        try store.sync()
        for i in 10..<20 { try store.append(record(i, length: 30)) }
        store.close()
        let all = try frames(directory)
        let frame = all[13]
        try flipByte(frame.file, at: frame.offset + 8 + 3)
        let reopened = try FileJournalStore.open(directory: directory, segmentSize: 400)
        XCTAssertEqual(reopened.count, 13)
        XCTAssertEqual(reopened.syncedCount, 13)
        XCTAssertEqual(try allRecords(reopened), (0..<13).map { record($0, length: 30) })
        let report = reopened.recoveryReport
        XCTAssertEqual(report.syncedCountAtOpen, 10)
        XCTAssertEqual(report.unsyncedRecordsKept, 3)
        XCTAssertEqual(report.truncation?.file, frame.file)
        XCTAssertEqual(report.truncation?.offset, frame.offset)
        XCTAssertEqual(report.truncation?.record, 13)
        XCTAssertTrue(report.truncation?.reason.contains("CRC") ?? false)
        // Segments after the cut were removed.
        let laterFiles = Set(all[14...].map(\.file)).subtracting([frame.file])
        XCTAssertEqual(Set(report.removedSegments), laterFiles)
        XCTAssertFalse(laterFiles.isEmpty)
        XCTAssertTrue(report.description.contains("record 13"), report.description)
        reopened.close()
    }

    /// Seeded random appends, syncs and crashes that damage bytes past the synced point:
    /// nothing synced is ever lost, and whatever is kept is exactly what was appended.
    func testRandomizedCrashesNeverLoseSyncedRecords() throws {
        var rng = StorageTestRNG(seed: 0x7A11)
        let directory = makeDirectory()
        let segmentSize = 700
        var model: [[UInt8]] = []      // what the store holds (appended, in order)
        var synced = 0                 // records acknowledged durable
        var crashes = 0
        for round in 0..<150 {
            let store = try FileJournalStore.open(directory: directory, segmentSize: segmentSize)
            XCTAssertGreaterThanOrEqual(store.count, synced, "round \(round)")
            XCTAssertLessThanOrEqual(store.count, model.count, "round \(round)")
            XCTAssertEqual(store.syncedCount, store.count)
            model.removeSubrange(store.count...)
            XCTAssertEqual(try allRecords(store), model, "round \(round)")
            synced = store.count

            for _ in 0..<Int.random(in: 0...25, using: &rng) {
                let length = Int.random(in: 0...250, using: &rng)
                let r = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                XCTAssertEqual(try store.append(r), model.count)
                model.append(r)
                if Int.random(in: 0..<6, using: &rng) == 0 {
                    try store.sync()
                    synced = model.count
                }
            }
            store.close()

            // Crash: damage only bytes of records that were never synced.
            let all = try frames(directory)
            XCTAssertEqual(all.count, model.count)
            guard synced < all.count else { continue }
            crashes += 1
            let victim = Int.random(in: synced..<all.count, using: &rng)
            let frame = all[victim]
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:   // torn write
                truncate(frame.file, to: frame.offset + Int.random(in: 0..<(8 + frame.length), using: &rng))
                for later in Set(all[victim...].map(\.file)) where later > frame.file {
                    try FileManager.default.removeItem(atPath: later)
                }
            case 1:   // bit rot / garbage in an unsynced record
                try flipByte(frame.file, at: frame.offset + Int.random(in: 0..<(8 + frame.length), using: &rng),
                             mask: UInt8.random(in: 1...255, using: &rng))
            case 2:   // garbage appended after the last record
                let handle = try XCTUnwrap(FileHandle(forWritingAtPath: all[all.count - 1].file))
                handle.seekToEndOfFile()
                handle.write(Data((0..<Int.random(in: 1...30, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
                handle.closeFile()
            case 3:   // the newest segment lost entirely, if it holds only unsynced records
                let last = all[all.count - 1].file
                if let firstInLast = all.firstIndex(where: { $0.file == last }), firstInLast >= synced {
                    try FileManager.default.removeItem(atPath: last)
                }
            default:  // a clean crash: nothing damaged
                break
            }
        }
        XCTAssertGreaterThan(crashes, 50)
        let final = try FileJournalStore.open(directory: directory, segmentSize: segmentSize)
        XCTAssertGreaterThanOrEqual(final.count, synced)
        model.removeSubrange(final.count...)
        XCTAssertEqual(try allRecords(final), model)
        final.close()
    }

    /// Group commit from a writer thread while another thread keeps appending.
    func testSyncConcurrentWithAppends() throws {
        let directory = makeDirectory()
        let store = try FileJournalStore.open(directory: directory, segmentSize: 4096)
        let total = 3000
        let records = (0..<total).map { record($0) }
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                for i in 0..<total {
                    do {
                        let index = try store.append(records[i])
                        XCTAssertEqual(index, i)
                    } catch {
                        XCTFail("append: \(error)")
                    }
                }
            } else {
                var lastSynced = 0
                for _ in 0..<60 {
                    do { try store.sync() } catch { XCTFail("sync: \(error)") }
                    let synced = store.syncedCount
                    XCTAssertGreaterThanOrEqual(synced, lastSynced)
                    XCTAssertLessThanOrEqual(synced, store.count)
                    lastSynced = synced
                }
            }
        }
        try store.sync()
        XCTAssertEqual(store.syncedCount, total)
        store.close()
        let reopened = try FileJournalStore.open(directory: directory, segmentSize: 4096)
        XCTAssertEqual(reopened.recoveryReport.unsyncedRecordsKept, 0)
        XCTAssertEqual(try allRecords(reopened), records)
        reopened.close()
    }

    // MARK: Figures

    /// Prints append+sync throughput (group commit of 100 records of 1 KiB).
    func testThroughputFigures() throws {
        let directory = makeDirectory()
        let store = try FileJournalStore.open(directory: directory)
        let payload = [UInt8](repeating: 0xAB, count: 1024)
        let batches = 50
        let perBatch = 100
        var start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<batches {
            for _ in 0..<perBatch { try store.append(payload) }
            try store.sync()
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        start = DispatchTime.now().uptimeNanoseconds
        var bytes = 0
        for i in 0..<store.count { bytes += try store.read(i).count }
        let readElapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        start = DispatchTime.now().uptimeNanoseconds
        try store.forEach(from: 0) { _, r in bytes += r.count }
        let scanElapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        store.close()
        start = DispatchTime.now().uptimeNanoseconds
        let reopened = try FileJournalStore.open(directory: directory)
        let openElapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        reopened.close()
        let n = batches * perBatch
        print(String(format: "Storage figures: %ld×1 KiB appends, sync per %ld: %.0f records/s, %.1f ms per sync batch; "
                     + "read(i) %.1f µs; forEach %.1f µs/record; open+scan %.1f ms [%ld]",
                     n, perBatch, Double(n) / elapsed, elapsed * 1000 / Double(batches),
                     readElapsed * 1e6 / Double(n), scanElapsed * 1e6 / Double(n), openElapsed * 1000, bytes))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum

/// What `FileJournalStore.open` found and repaired. Byte layout and rules: Docs/storage-format.md.
public struct JournalRecoveryReport: Sendable, Equatable, CustomStringConvertible {
    /// A cut made in a segment file: everything from `offset` on was dropped.
    public struct Truncation: Sendable, Equatable {
        public var file: String
        /// Byte offset of the first dropped byte (the damaged record's frame).
        public var offset: Int
        /// Index the damaged record would have had.
        public var record: Int
        public var reason: String
        /// Bytes removed from this file.
        public var bytesDropped: Int
    }

    /// The count in the `synced` file when the store was opened.
    public var syncedCountAtOpen: Int = 0
    /// Records present after recovery (all of them durable once open returns).
    public var recordCount: Int = 0
    /// Intact records beyond the synced count that were kept.
    public var unsyncedRecordsKept: Int = 0
    /// Where a torn or corrupt unacknowledged tail was cut off, if anywhere.
    public var truncation: Truncation?
    /// Whole segment files deleted because they lay after the cut (or had a torn header).
    public var removedSegments: [String] = []
    /// Bytes dropped in total (the truncated tail plus removed files).
    public var bytesDropped: Int = 0

    /// True when nothing had to be dropped.
    public var isClean: Bool { truncation == nil && removedSegments.isEmpty }

    public var description: String {
        var text = "journal recovery: \(recordCount) records (\(syncedCountAtOpen) synced before, \(unsyncedRecordsKept) unsynced kept)"
        if let t = truncation {
            text += "; dropped \(t.bytesDropped) bytes of \(t.file) from offset \(t.offset) (record \(t.record)): \(t.reason)"
        }
        if !removedSegments.isEmpty {
            text += "; removed segments \(removedSegments.joined(separator: ", "))"
        }
        if isClean { text += "; clean" }
        return text
    }
}

/// A `JournalStore` in segment files; see Docs/storage-format.md for the bytes.
///
/// - `append` writes the framed record with one `pwritev` (no user-space buffer);
/// - `sync` fsyncs the current segment (earlier segments were fsynced when they
///   were closed for appending), then atomically replaces the `synced` file;
/// - `read(i)` is one `pread` through an in-memory index and re-checks the CRC.
///
/// Thread safety: all methods may be called from any thread; `sync` runs its
/// fsyncs without blocking appends. `close()` must not race with other calls.
public final class FileJournalStore: JournalStore, @unchecked Sendable {
    public static let segmentMagic: [UInt8] = Array("TALLYJ01".utf8)
    public static let syncedMagic: [UInt8] = Array("TALLYS01".utf8)
    public static let formatVersion: UInt32 = 1
    public static let segmentHeaderSize = 24
    public static let recordHeaderSize = 8
    public static let syncedFileSize = 20
    public static let syncedFileName = "synced"
    public static let lockFileName = "LOCK"
    public static let defaultSegmentSize = 64 << 20
    public static let defaultMaxRecordSize = 64 << 20

    public let directory: String
    /// A segment is closed for appending once the next record would take it past this size
    /// (a record larger than this gets a segment of its own).
    public let segmentSize: Int
    public let maxRecordSize: Int
    /// What `open` found and repaired.
    public let recoveryReport: JournalRecoveryReport

    final class Segment {
        let firstIndex: Int
        let path: String
        let fd: Int32
        /// Bytes in the file (header + complete frames).
        var size: Int
        /// Frame offsets of a segment still open for appending (or scanned, before it is indexed).
        var offsets: [UInt32] = []
        /// A sealed segment's offsets, from its index file (then `offsets` is empty).
        var sealed: JournalSegmentIndex?

        init(firstIndex: Int, path: String, fd: Int32, size: Int) {
            self.firstIndex = firstIndex
            self.path = path
            self.fd = fd
            self.size = size
        }

        var recordCount: Int { sealed?.count ?? offsets.count }
        var endIndex: Int { firstIndex + recordCount }

        /// Byte offset of the frame of the segment's `local`-th record.
        func frameOffset(_ local: Int) -> Int { sealed.map { $0.offset(local) } ?? Int(offsets[local]) }

        /// Payload length of the `local`-th record: up to the next frame (or the end of the file).
        func payloadLength(_ local: Int) -> Int {
            let end = local + 1 < recordCount ? frameOffset(local + 1) : size
            return end - frameOffset(local) - FileJournalStore.recordHeaderSize
        }

        /// Replaces the in-memory offsets by the segment's index file (written if needed).
        func seal(writing: Bool) {
            guard sealed == nil, !offsets.isEmpty else { return }
            if writing {
                guard (try? JournalSegmentIndex.write(segmentPath: path, firstIndex: firstIndex, segmentSize: size,
                                                      offsets: offsets)) != nil else { return }
            }
            if let index = JournalSegmentIndex.load(segmentPath: path, firstIndex: firstIndex, segmentSize: size),
               index.count == offsets.count {
                sealed = index
                offsets = []
            }
        }
    }

    let lock = JournalStoreLock()
    let syncLock = JournalStoreLock()
    // Guarded by `lock`:
    var segments: [Segment]
    var total: Int            // records in all segments
    var synced: Int
    var failure: String?      // set by close() or a failed write/fsync
    /// Frames appended while buffering (`beginBuffering`), not yet written: they
    /// belong in the last segment from `pendingOffset` on, as records
    /// `total - pendingCount ..< total` (already counted in `total` and the offsets).
    var buffering = false
    var pending: [UInt8] = []
    var pendingOffset = 0
    var pendingCount = 0
    let directoryFD: Int32
    let lockFD: Int32

    init(directory: String, segmentSize: Int, maxRecordSize: Int, report: JournalRecoveryReport,
                 segments: [Segment], total: Int, synced: Int,
                 directoryFD: Int32, lockFD: Int32) {
        self.directory = directory
        self.segmentSize = segmentSize
        self.maxRecordSize = maxRecordSize
        self.recoveryReport = report
        self.segments = segments
        self.total = total
        self.synced = synced
        self.directoryFD = directoryFD
        self.lockFD = lockFD
    }

    deinit {
        closeFiles()
    }

    // MARK: - JournalStore

    public var count: Int { lock.withLock { total } }
    public var syncedCount: Int { lock.withLock { synced } }

    @discardableResult
    public func append(_ record: [UInt8]) throws -> Int {
        guard record.count <= maxRecordSize else {
            throw JournalStoreError.recordTooLarge(size: record.count, limit: maxRecordSize)
        }
        let frameSize = Self.recordHeaderSize + record.count
        let header = Self.frameHeader(record)

        return try lock.withLock {
            try checkUsable()
            var segment = segments[segments.count - 1]
            if segment.recordCount > 0 && segment.size + frameSize > segmentSize {
                try writePending()
                try roll()
                segment = segments[segments.count - 1]
            }
            let offset = segment.size
            if buffering {
                return try appendPending(header: header, record: record, to: segment)
            }
            do {
                try header.withUnsafeBytes { h in
                    try record.withUnsafeBytes { p in
                        try JournalFileIO.pwriteFrame(segment.fd, header: h, payload: p, at: offset, path: segment.path)
                    }
                }
            } catch {
                // Take back a partial frame so the file stays a sequence of whole records.
                do {
                    try JournalFileIO.truncateFile(segment.fd, to: offset, path: segment.path)
                } catch {
                    failure = "could not remove a partially written record from \(segment.path): \(error)"
                }
                throw error
            }
            segment.size += frameSize
            segment.offsets.append(UInt32(offset))
            total += 1
            return total - 1
        }
    }

    public func overwrite(_ index: Int, with record: [UInt8]) throws {
        try lock.withLock {
            try checkUsable()
            try writePending()
            guard index >= 0 && index < total else {
                throw JournalStoreError.indexOutOfRange(index: index, count: total)
            }
            let segment = segmentContaining(index)
            guard record.count == segment.payloadLength(index - segment.firstIndex) else {
                throw JournalStoreError.invalidArgument("an overwrite must keep the record's length")
            }
            guard index < synced else { throw JournalStoreError.invalidArgument("only synced records can be overwritten") }
            let frame = Self.frameHeader(record) + record
            do {
                try JournalOverwrite.perform(directory: directory, directoryFD: directoryFD, segmentPath: segment.path,
                                             fd: segment.fd, offset: segment.frameOffset(index - segment.firstIndex),
                                             frame: frame)
            } catch {
                failure = "an in-place overwrite of record \(index) failed: \(error); reopen to finish it"
                throw error
            }
        }
    }

    public func sync() throws {
        try syncLock.withLock {
            let (target, segment, alreadySynced) = try lock.withLock { () throws -> (Int, Segment, Int) in
                try checkUsable()
                try writePending()
                return (total, segments[segments.count - 1], synced)
            }
            if target == alreadySynced { return }
            // Segments before the current one were fsynced when they were closed for appending
            // (under `lock`), so the records in [alreadySynced, target) are all covered by
            // the segments fsynced so far plus this one.
            do {
                try JournalFileIO.syncFile(segment.fd, path: segment.path)
                try writeSyncedFile(target)
            } catch {
                lock.withLock { failure = "sync failed: \(error)" }
                throw error
            }
            lock.withLock {
                // The synced prefix only grows, and never past what was appended.
                assert(target >= alreadySynced && target <= total, "synced \(target) of \(total) records, was \(alreadySynced)")
                synced = max(synced, target)
            }
        }
    }

    public func read(_ index: Int) throws -> [UInt8] {
        let (segment, offset, length) = try lock.withLock { () throws -> (Segment, Int, Int) in
            if let failure, failure == Self.closedReason { throw JournalStoreError.unusable(reason: failure) }
            guard index >= 0 && index < total else {
                throw JournalStoreError.indexOutOfRange(index: index, count: total)
            }
            if index >= total - pendingCount { try writePending() }
            let segment = segmentContaining(index)
            let local = index - segment.firstIndex
            return (segment, segment.frameOffset(local), segment.payloadLength(local))
        }
        var frame = try JournalFileIO.readBytes(segment.fd, length: Self.recordHeaderSize + length, at: offset, path: segment.path)
        try Self.checkFrame(frame[...], expectedLength: length, segment: segment, offset: offset, record: index)
        frame.removeFirst(Self.recordHeaderSize)
        return frame
    }

    public func forEach(from start: Int, _ body: (Int, [UInt8]) throws -> Void) throws {
        let end = try lock.withLock { () throws -> Int in
            if pendingCount > 0 { try writePending() }
            return total
        }
        guard start >= 0 && start <= end else {
            throw JournalStoreError.indexOutOfRange(index: start, count: end)
        }
        let chunkTarget = 4 << 20
        var index = start
        while index < end {
            // Plan one read: consecutive records of one segment, about 4 MiB.
            let (segment, firstOffset, plan) = try lock.withLock { () throws -> (Segment, Int, [Int]) in
                if let failure, failure == Self.closedReason { throw JournalStoreError.unusable(reason: failure) }
                let segment = segmentContaining(index)
                let stop = min(end, segment.endIndex)
                var plan: [Int] = []
                var bytes = 0
                var i = index
                while i < stop {
                    let length = segment.payloadLength(i - segment.firstIndex)
                    let frame = Self.recordHeaderSize + length
                    if !plan.isEmpty && bytes + frame > chunkTarget { break }
                    plan.append(length)
                    bytes += frame
                    i += 1
                }
                return (segment, segment.frameOffset(index - segment.firstIndex), plan)
            }
            let total = plan.reduce(0) { $0 + Self.recordHeaderSize + $1 }
            let chunk = try JournalFileIO.readBytes(segment.fd, length: total, at: firstOffset, path: segment.path)
            var position = 0
            for length in plan {
                let frameEnd = position + Self.recordHeaderSize + length
                let frame = chunk[position ..< min(frameEnd, chunk.count)]
                try Self.checkFrame(frame, expectedLength: length, segment: segment,
                                    offset: firstOffset + position, record: index)
                try body(index, Array(chunk[(position + Self.recordHeaderSize) ..< frameEnd]))
                position = frameEnd
                index += 1
            }
        }
    }

    /// Closes the files and releases the directory lock. Later calls throw `.unusable`.
    public func close() {
        lock.withLock {
            try? writePending()
            closeFiles()
        }
    }

    // MARK: - Internals

    fileprivate static let closedReason = "the store is closed"

    func checkUsable() throws {
        if let failure { throw JournalStoreError.unusable(reason: failure) }
    }

    /// Caller holds `lock`.
    func segmentContaining(_ index: Int) -> Segment {
        var low = 0
        var high = segments.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if segments[mid].firstIndex <= index { low = mid } else { high = mid - 1 }
        }
        return segments[low]
    }

    /// Closes the current segment for appending (fsync) and starts a new one. Caller holds `lock`.
    func roll() throws {
        let current = segments[segments.count - 1]
        do {
            try JournalFileIO.syncFile(current.fd, path: current.path)
        } catch {
            failure = "fsync of a full segment failed: \(error)"
            throw error
        }
        // Sealed and durable: its offsets move from memory to its index file
        // (if that cannot be written, they stay in memory and the next open scans it).
        current.seal(writing: true)
        let segment = try Self.createSegment(directory: directory, firstIndex: total)
        do {
            try JournalFileIO.syncFile(directoryFD, path: directory)
        } catch {
            failure = "fsync of the journal directory failed: \(error)"
            JournalFileIO.closeFile(segment.fd)
            throw error
        }
        segments.append(segment)
    }

    /// Creates a segment file holding just its header (not fsynced).
    static func createSegment(directory: String, firstIndex: Int) throws -> Segment {
        let path = directory + "/" + segmentName(firstIndex)
        let fd = try JournalFileIO.openFile(path, O_RDWR | O_CREAT | O_EXCL)
        var w = ByteWriter()
        w.raw(segmentMagic)
        w.u32le(formatVersion)
        w.u32le(UInt32(segmentHeaderSize))
        w.u64le(UInt64(firstIndex))
        let header = w.bytes
        do {
            try header.withUnsafeBytes { try JournalFileIO.pwriteAll(fd, $0, at: 0, path: path) }
        } catch {
            JournalFileIO.closeFile(fd)
            _ = try? JournalFileIO.unlinkFile(path)
            throw error
        }
        return Segment(firstIndex: firstIndex, path: path, fd: fd, size: segmentHeaderSize)
    }

    func writeSyncedFile(_ count: Int) throws {
        try Self.writeSyncedFile(directory: directory, directoryFD: directoryFD, count: count)
    }

    /// Atomically replaces the synced file: write temp, fsync, rename, fsync directory.
    static func writeSyncedFile(directory: String, directoryFD: Int32, count: Int) throws {
        var w = ByteWriter()
        w.raw(syncedMagic)
        w.u64le(UInt64(count))
        w.u32le(CRC32C.checksum(w.bytes))
        try JournalFileIO.writeAtomically(w.bytes, to: directory + "/" + syncedFileName, directoryFD: directoryFD)
    }

    /// `journal-<first record index, 20 digits>.seg`
    /// A record's frame header: u32 length, u32 CRC-32C of the payload (little-endian).
    static func frameHeader(_ record: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.u32le(UInt32(record.count))
        w.u32le(CRC32C.checksum(record))
        return w.bytes
    }

    public static func segmentName(_ firstIndex: Int) -> String {
        let digits = String(firstIndex)
        return "journal-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    static func parseSegmentName(_ name: String) -> Int? {
        let utf8 = Array(name.utf8)
        guard utf8.count == 8 + 20 + 4, name.hasPrefix("journal-"), name.hasSuffix(".seg") else { return nil }
        var value = 0
        for c in utf8[8..<28] {
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = a
        }
        return value
    }

    /// Caller holds `lock` (or is deinit).
    func closeFiles() {
        if failure == Self.closedReason { return }
        failure = Self.closedReason
        for segment in segments { JournalFileIO.closeFile(segment.fd) }
        JournalFileIO.closeFile(lockFD)
        JournalFileIO.closeFile(directoryFD)
    }
}

func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

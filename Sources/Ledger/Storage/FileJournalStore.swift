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

    private final class Segment {
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

    private let lock = JournalStoreLock()
    private let syncLock = JournalStoreLock()
    // Guarded by `lock`:
    private var segments: [Segment]
    private var total: Int            // records in all segments
    private var synced: Int
    private var failure: String?      // set by close() or a failed write/fsync
    private let directoryFD: Int32
    private let lockFD: Int32

    private init(directory: String, segmentSize: Int, maxRecordSize: Int, report: JournalRecoveryReport,
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
        var header: [UInt8] = []
        header.reserveCapacity(Self.recordHeaderSize)
        JournalFileIO.appendLE32(UInt32(record.count), to: &header)
        JournalFileIO.appendLE32(CRC32C.checksum(record), to: &header)

        return try lock.withLock {
            try checkUsable()
            var segment = segments[segments.count - 1]
            if segment.recordCount > 0 && segment.size + frameSize > segmentSize {
                try roll()
                segment = segments[segments.count - 1]
            }
            let offset = segment.size
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
            guard index >= 0 && index < total else {
                throw JournalStoreError.indexOutOfRange(index: index, count: total)
            }
            let segment = segmentContaining(index)
            guard record.count == segment.payloadLength(index - segment.firstIndex) else {
                throw JournalStoreError.invalidArgument("an overwrite must keep the record's length")
            }
            guard index < synced else { throw JournalStoreError.invalidArgument("only synced records can be overwritten") }
            var frame: [UInt8] = []
            frame.reserveCapacity(Self.recordHeaderSize + record.count)
            JournalFileIO.appendLE32(UInt32(record.count), to: &frame)
            JournalFileIO.appendLE32(CRC32C.checksum(record), to: &frame)
            frame += record
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
            lock.withLock { synced = max(synced, target) }
        }
    }

    public func read(_ index: Int) throws -> [UInt8] {
        let (segment, offset, length) = try lock.withLock { () throws -> (Segment, Int, Int) in
            if let failure, failure == Self.closedReason { throw JournalStoreError.unusable(reason: failure) }
            guard index >= 0 && index < total else {
                throw JournalStoreError.indexOutOfRange(index: index, count: total)
            }
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
        let end = count
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
        lock.withLock { closeFiles() }
    }

    // MARK: - Opening and recovery

    /// Opens (creating if needed) the store in `directory`, recovering as described
    /// in Docs/storage-format.md: a damaged record inside the synced prefix makes
    /// this throw `JournalStoreError.corrupt`; a damaged unsynced tail is cut off
    /// and described in `recoveryReport`. When this returns, every record present is durable.
    public static func open(directory: String, segmentSize: Int = defaultSegmentSize,
                            maxRecordSize: Int = defaultMaxRecordSize) throws -> FileJournalStore {
        guard segmentSize > segmentHeaderSize + recordHeaderSize else {
            throw JournalStoreError.invalidArgument("segmentSize \(segmentSize) is too small")
        }
        guard segmentSize <= Int(UInt32.max) else {
            throw JournalStoreError.invalidArgument("segmentSize \(segmentSize) must fit in 32 bits")
        }
        guard maxRecordSize >= 0 && maxRecordSize <= Int(UInt32.max) else {
            throw JournalStoreError.invalidArgument("maxRecordSize \(maxRecordSize) must be in 0...\(UInt32.max)")
        }
        try JournalFileIO.makeDirectories(directory)
        let directoryFD = try JournalFileIO.openFile(directory, O_RDONLY | O_DIRECTORY)
        var lockFD: Int32 = -1
        var opened: [Segment] = []
        var success = false
        defer {
            if !success {
                for segment in opened { JournalFileIO.closeFile(segment.fd) }
                if lockFD >= 0 { JournalFileIO.closeFile(lockFD) }
                JournalFileIO.closeFile(directoryFD)
            }
        }

        let lockPath = directory + "/" + lockFileName
        lockFD = try JournalFileIO.openFile(lockPath, O_RDWR | O_CREAT)
        if flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { throw JournalStoreError.locked(directory: directory) }
            throw JournalFileIO.error("flock", lockPath)
        }

        try JournalFileIO.unlinkFile(directory + "/" + syncedFileName + ".tmp")
        try JournalOverwrite.recover(directory: directory, directoryFD: directoryFD)
        let syncedAtOpen = try readSyncedFile(directory + "/" + syncedFileName)

        var names: [(first: Int, name: String)] = []
        for name in try JournalFileIO.list(directory) {
            if let first = parseSegmentName(name) { names.append((first, name)) }
        }
        names.sort { $0.first < $1.first }

        var report = JournalRecoveryReport()
        report.syncedCountAtOpen = syncedAtOpen
        var total = 0
        var dropping = false          // a cut was made: every later segment goes
        var directoryChanged = false
        var truncatedSegment: Segment?

        for (position, (first, name)) in names.enumerated() {
            let path = directory + "/" + name
            if dropping {
                report.bytesDropped += (try? fileSizeAt(path)) ?? 0
                JournalSegmentIndex.remove(segmentPath: path)
                try JournalFileIO.unlinkFile(path)
                report.removedSegments.append(path)
                directoryChanged = true
                continue
            }
            let expected = total
            if first != expected {
                // A gap or an overlap between segments: records are missing or doubled.
                if min(first, expected) < syncedAtOpen {
                    throw JournalStoreError.corrupt(
                        file: path, offset: 0, record: min(first, expected),
                        reason: "segment starts at record \(first) but the records before it end at \(expected)")
                }
                dropping = true
                report.bytesDropped += (try? fileSizeAt(path)) ?? 0
                JournalSegmentIndex.remove(segmentPath: path)
                try JournalFileIO.unlinkFile(path)
                report.removedSegments.append(path)
                directoryChanged = true
                continue
            }

            let fd = try JournalFileIO.openFile(path, O_RDWR)
            let size: Int
            do {
                size = try JournalFileIO.fileSize(fd, path: path)
            } catch {
                JournalFileIO.closeFile(fd)
                throw error
            }
            // A sealed segment (not the last) inside the synced prefix, with an intact index, is
            // not scanned: open stays independent of the journal's size. Every read re-checks a
            // record's CRC, and the scrubber and `tally audit` read them all.
            if position < names.count - 1,
               let header = try? JournalFileIO.readBytes(fd, length: segmentHeaderSize, at: 0, path: path),
               checkSegmentHeader(header, firstIndex: first) == nil,
               let index = JournalSegmentIndex.load(segmentPath: path, firstIndex: first, segmentSize: size),
               first + index.count <= syncedAtOpen {
                let segment = Segment(firstIndex: first, path: path, fd: fd, size: size)
                segment.sealed = index
                opened.append(segment)
                total += index.count
                continue
            }
            JournalSegmentIndex.remove(segmentPath: path)
            let data: [UInt8]
            do {
                data = try JournalFileIO.readBytes(fd, length: size, at: 0, path: path)
            } catch {
                JournalFileIO.closeFile(fd)
                throw error
            }

            if let problem = checkSegmentHeader(data, firstIndex: first) {
                JournalFileIO.closeFile(fd)
                if first < syncedAtOpen {
                    throw JournalStoreError.corrupt(file: path, offset: 0, record: first, reason: problem)
                }
                // Created after the last sync and torn before its header was durable.
                dropping = true
                report.bytesDropped += size
                JournalSegmentIndex.remove(segmentPath: path)
                try JournalFileIO.unlinkFile(path)
                report.removedSegments.append(path)
                directoryChanged = true
                continue
            }

            let segment = Segment(firstIndex: first, path: path, fd: fd, size: segmentHeaderSize)
            opened.append(segment)
            var offset = segmentHeaderSize
            let problem: String? = data.withUnsafeBytes { bytes -> String? in
                while offset < size {
                    if offset > Int(UInt32.max) { return "segment longer than 4 GiB" }
                    let remaining = size - offset
                    if remaining < recordHeaderSize {
                        return "torn record header: \(remaining) of \(recordHeaderSize) bytes present"
                    }
                    let length = Int(JournalFileIO.loadLE32(bytes, at: offset))
                    let stored = JournalFileIO.loadLE32(bytes, at: offset + 4)
                    if length > remaining - recordHeaderSize {
                        return "torn record: header says \(length) payload bytes, \(remaining - recordHeaderSize) present"
                    }
                    let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + recordHeaderSize) ..< (offset + recordHeaderSize + length)])
                    let computed = CRC32C.checksum(payload)
                    if computed != stored {
                        return "CRC-32C mismatch: stored \(hex32(stored)), computed \(hex32(computed)) over \(length) payload bytes"
                    }
                    segment.offsets.append(UInt32(offset))
                    offset += recordHeaderSize + length
                }
                return nil
            }
            segment.size = offset
            total += segment.offsets.count
            if let problem {
                let record = total
                if record < syncedAtOpen {
                    throw JournalStoreError.corrupt(file: path, offset: offset, record: record, reason: problem)
                }
                try JournalFileIO.truncateFile(fd, to: offset, path: path)
                report.truncation = .init(file: path, offset: offset, record: record, reason: problem,
                                          bytesDropped: size - offset)
                report.bytesDropped += size - offset
                truncatedSegment = segment
                dropping = true
            }
        }

        if total < syncedAtOpen {
            throw JournalStoreError.corrupt(
                file: opened.last?.path ?? directory, offset: opened.last?.size ?? 0, record: total,
                reason: "the synced file says \(syncedAtOpen) records were made durable but only \(total) exist")
        }

        if opened.isEmpty {
            let segment = try createSegment(directory: directory, firstIndex: total)
            opened.append(segment)
            directoryChanged = true
        }

        // Make everything present durable, so the synced count can cover it.
        if total > syncedAtOpen || truncatedSegment != nil || directoryChanged {
            for segment in opened where segment.endIndex > syncedAtOpen || segment === truncatedSegment
                || segment === opened.last {
                try JournalFileIO.syncFile(segment.fd, path: segment.path)
            }
            try JournalFileIO.syncFile(directoryFD, path: directory)
        }
        if total != syncedAtOpen {
            try writeSyncedFile(directory: directory, directoryFD: directoryFD, count: total)
        }
        report.recordCount = total
        report.unsyncedRecordsKept = total - syncedAtOpen
        // Every segment but the last is sealed (durable now): index the ones that were scanned.
        for segment in opened.dropLast() { segment.seal(writing: true) }

        success = true
        return FileJournalStore(directory: directory, segmentSize: segmentSize, maxRecordSize: maxRecordSize,
                                report: report, segments: opened, total: total,
                                synced: total, directoryFD: directoryFD, lockFD: lockFD)
    }

    // MARK: - Internals

    fileprivate static let closedReason = "the store is closed"

    private func checkUsable() throws {
        if let failure { throw JournalStoreError.unusable(reason: failure) }
    }

    /// Caller holds `lock`.
    private func segmentContaining(_ index: Int) -> Segment {
        var low = 0
        var high = segments.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if segments[mid].firstIndex <= index { low = mid } else { high = mid - 1 }
        }
        return segments[low]
    }

    /// Closes the current segment for appending (fsync) and starts a new one. Caller holds `lock`.
    private func roll() throws {
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
    private static func createSegment(directory: String, firstIndex: Int) throws -> Segment {
        let path = directory + "/" + segmentName(firstIndex)
        let fd = try JournalFileIO.openFile(path, O_RDWR | O_CREAT | O_EXCL)
        var header: [UInt8] = segmentMagic
        JournalFileIO.appendLE32(formatVersion, to: &header)
        JournalFileIO.appendLE32(UInt32(segmentHeaderSize), to: &header)
        JournalFileIO.appendLE64(UInt64(firstIndex), to: &header)
        do {
            try header.withUnsafeBytes { try JournalFileIO.pwriteAll(fd, $0, at: 0, path: path) }
        } catch {
            JournalFileIO.closeFile(fd)
            _ = try? JournalFileIO.unlinkFile(path)
            throw error
        }
        return Segment(firstIndex: firstIndex, path: path, fd: fd, size: segmentHeaderSize)
    }

    /// Nil when the header is valid for a segment named for `firstIndex`, else what is wrong.
    private static func checkSegmentHeader(_ data: [UInt8], firstIndex: Int) -> String? {
        guard data.count >= segmentHeaderSize else {
            return "segment header torn: \(data.count) of \(segmentHeaderSize) bytes"
        }
        return data.withUnsafeBytes { bytes -> String? in
            guard Array(bytes[0..<8]) == segmentMagic else { return "bad segment magic" }
            let version = JournalFileIO.loadLE32(bytes, at: 8)
            guard version == formatVersion else { return "unsupported segment format version \(version)" }
            let headerSize = JournalFileIO.loadLE32(bytes, at: 12)
            guard headerSize == UInt32(segmentHeaderSize) else { return "unexpected segment header size \(headerSize)" }
            let first = JournalFileIO.loadLE64(bytes, at: 16)
            guard first == UInt64(firstIndex) else {
                return "segment header says it starts at record \(first), its name says \(firstIndex)"
            }
            return nil
        }
    }

    /// Checks a frame read back from disk.
    private static func checkFrame(_ frame: ArraySlice<UInt8>, expectedLength: Int, segment: Segment,
                                   offset: Int, record: Int) throws {
        guard frame.count == recordHeaderSize + expectedLength else {
            throw JournalStoreError.corrupt(file: segment.path, offset: offset, record: record,
                                            reason: "short read: \(frame.count) of \(recordHeaderSize + expectedLength) bytes")
        }
        try frame.withUnsafeBytes { bytes in
            let length = Int(JournalFileIO.loadLE32(bytes, at: 0))
            let stored = JournalFileIO.loadLE32(bytes, at: 4)
            guard length == expectedLength else {
                throw JournalStoreError.corrupt(file: segment.path, offset: offset, record: record,
                                                reason: "record length changed on disk: \(length), indexed \(expectedLength)")
            }
            let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[recordHeaderSize...]))
            guard computed == stored else {
                throw JournalStoreError.corrupt(file: segment.path, offset: offset, record: record,
                                                reason: "CRC-32C mismatch on read: stored \(hex32(stored)), computed \(hex32(computed))")
            }
        }
    }

    private func writeSyncedFile(_ count: Int) throws {
        try Self.writeSyncedFile(directory: directory, directoryFD: directoryFD, count: count)
    }

    /// Atomically replaces the synced file: write temp, fsync, rename, fsync directory.
    private static func writeSyncedFile(directory: String, directoryFD: Int32, count: Int) throws {
        var bytes = syncedMagic
        JournalFileIO.appendLE64(UInt64(count), to: &bytes)
        JournalFileIO.appendLE32(CRC32C.checksum(bytes), to: &bytes)
        try JournalFileIO.writeAtomically(bytes, to: directory + "/" + syncedFileName, directoryFD: directoryFD)
    }

    /// The count in the synced file; 0 when there is none yet.
    private static func readSyncedFile(_ path: String) throws -> Int {
        let fd: Int32
        do {
            fd = try JournalFileIO.openFile(path, O_RDONLY)
        } catch JournalStoreError.io(_, _, let code, _) where code == ENOENT {
            return 0
        }
        defer { JournalFileIO.closeFile(fd) }
        let bytes = try JournalFileIO.readBytes(fd, length: syncedFileSize + 1, at: 0, path: path)
        guard bytes.count == syncedFileSize else {
            throw JournalStoreError.corruptSyncedFile(file: path, reason: "\(bytes.count) bytes, expected \(syncedFileSize)")
        }
        guard Array(bytes[0..<8]) == syncedMagic else {
            throw JournalStoreError.corruptSyncedFile(file: path, reason: "bad magic")
        }
        return try bytes.withUnsafeBytes { raw in
            let stored = JournalFileIO.loadLE32(raw, at: 16)
            let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<16]))
            guard stored == computed else {
                throw JournalStoreError.corruptSyncedFile(file: path, reason: "CRC-32C mismatch")
            }
            let count = JournalFileIO.loadLE64(raw, at: 8)
            guard count <= UInt64(Int.max) else {
                throw JournalStoreError.corruptSyncedFile(file: path, reason: "count \(count) out of range")
            }
            return Int(count)
        }
    }

    private static func fileSizeAt(_ path: String) throws -> Int {
        let fd = try JournalFileIO.openFile(path, O_RDONLY)
        defer { JournalFileIO.closeFile(fd) }
        return try JournalFileIO.fileSize(fd, path: path)
    }

    /// `journal-<first record index, 20 digits>.seg`
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
    private func closeFiles() {
        if failure == Self.closedReason { return }
        failure = Self.closedReason
        for segment in segments { JournalFileIO.closeFile(segment.fd) }
        JournalFileIO.closeFile(lockFD)
        JournalFileIO.closeFile(directoryFD)
    }
}

private func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

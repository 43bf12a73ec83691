#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum

/// Opening a journal directory: recovery as Docs/storage-format.md describes.
extension FileJournalStore {
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

    /// Nil when the header is valid for a segment named for `firstIndex`, else what is wrong.
    static func checkSegmentHeader(_ data: [UInt8], firstIndex: Int) -> String? {
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
    static func checkFrame(_ frame: ArraySlice<UInt8>, expectedLength: Int, segment: Segment,
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

    /// The count in the synced file; 0 when there is none yet.
    static func readSyncedFile(_ path: String) throws -> Int {
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

    static func fileSizeAt(_ path: String) throws -> Int {
        let fd = try JournalFileIO.openFile(path, O_RDONLY)
        defer { JournalFileIO.closeFile(fd) }
        return try JournalFileIO.fileSize(fd, path: path)
    }
}

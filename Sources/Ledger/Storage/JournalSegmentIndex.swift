#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum

/// The index of a sealed (full, fsynced) segment: the byte offset of every
/// record's frame, kept beside the segment as `journal-<first>.idx` so that
/// open need not scan the segment and the store need not hold one offset per
/// record in memory. The file is mapped read-only (file-backed pages the
/// kernel may drop, not anonymous memory).
///
///     offset  size  field
///     0       8     magic "TALLYX01"
///     8       8     index of the segment's first record, u64
///     16      8     record count n, u64
///     24      8     the segment file's size in bytes, u64
///     32      4n    each record's frame offset in the segment, u32
///     32+4n   4     CRC-32C of everything before, u32
///
/// Written (temp file + rename, not fsynced) when a segment is sealed, or at
/// open for a sealed segment that had to be scanned. An index that is
/// missing, torn, or does not match its segment's name and size is ignored
/// and the segment is scanned instead: the index is a cache, never authority.
final class JournalSegmentIndex {
    static let magic: [UInt8] = Array("TALLYX01".utf8)
    static let headerSize = 32

    let count: Int
    private let base: UnsafeRawPointer
    private let mappedLength: Int

    private init(base: UnsafeRawPointer, mappedLength: Int, count: Int) {
        self.base = base
        self.mappedLength = mappedLength
        self.count = count
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }

    /// Frame offset of the segment's `local`-th record.
    @inline(__always)
    func offset(_ local: Int) -> Int {
        Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: Self.headerSize + 4 * local, as: UInt32.self)))
    }

    static func path(forSegment segmentPath: String) -> String {
        String(segmentPath.dropLast(".seg".count)) + ".idx"
    }

    static func encode(firstIndex: Int, segmentSize: Int, offsets: [UInt32]) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.reserveCapacity(headerSize + 4 * offsets.count + 4)
        w.raw(magic)
        w.u64le(UInt64(firstIndex))
        w.u64le(UInt64(offsets.count))
        w.u64le(UInt64(segmentSize))
        for offset in offsets { w.u32le(offset) }
        w.u32le(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Writes the index of a sealed segment (temp file, rename; the CRC covers a torn write).
    static func write(segmentPath: String, firstIndex: Int, segmentSize: Int, offsets: [UInt32]) throws {
        let path = path(forSegment: segmentPath)
        let temp = path + ".tmp"
        let bytes = encode(firstIndex: firstIndex, segmentSize: segmentSize, offsets: offsets)
        let fd = try JournalFileIO.openFile(temp, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try bytes.withUnsafeBytes { try JournalFileIO.pwriteAll(fd, $0, at: 0, path: temp) }
        } catch {
            JournalFileIO.closeFile(fd)
            throw error
        }
        JournalFileIO.closeFile(fd)
        try JournalFileIO.renameFile(temp, path)
    }

    /// The index of the segment at `segmentPath`, if its file is intact and
    /// describes this segment (first record `firstIndex`, `segmentSize` bytes).
    static func load(segmentPath: String, firstIndex: Int, segmentSize: Int) -> JournalSegmentIndex? {
        let path = path(forSegment: segmentPath)
        guard let fd = try? JournalFileIO.openFile(path, O_RDONLY) else { return nil }
        defer { JournalFileIO.closeFile(fd) }
        guard let size = try? JournalFileIO.fileSize(fd, path: path), size >= headerSize + 4, (size - headerSize - 4) % 4 == 0,
              let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED else { return nil }
        let raw = UnsafeRawBufferPointer(start: mapped, count: size)
        let count = (size - headerSize - 4) / 4
        let valid = raw.starts(with: magic)
            && JournalFileIO.loadLE64(raw, at: 8) == UInt64(firstIndex)
            && JournalFileIO.loadLE64(raw, at: 16) == UInt64(count)
            && JournalFileIO.loadLE64(raw, at: 24) == UInt64(segmentSize)
            && JournalFileIO.loadLE32(raw, at: size - 4) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[..<(size - 4)]))
        guard valid, count > 0 else {
            munmap(mapped, size)
            return nil
        }
        let index = JournalSegmentIndex(base: UnsafeRawPointer(mapped), mappedLength: size, count: count)
        // Offsets must rise inside the segment, or the index is not this segment's.
        var previous = 0
        for i in 0..<count {
            let o = index.offset(i)
            guard o >= previous + (i == 0 ? FileJournalStore.segmentHeaderSize : FileJournalStore.recordHeaderSize),
                  o + FileJournalStore.recordHeaderSize <= segmentSize else { return nil }
            previous = o
        }
        return index
    }

    static func remove(segmentPath: String) {
        _ = try? JournalFileIO.unlinkFile(path(forSegment: segmentPath))
    }
}

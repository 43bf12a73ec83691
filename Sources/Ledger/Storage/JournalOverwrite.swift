#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum

/// In-place replacement of one synced record's payload by another of the
/// same length — the only change the journal ever allows, used by redaction
/// to erase data from disk. Crash-safe through an intent file:
///
///     overwrite.intent = "TALLYOW1" | u32 name length | segment file name |
///                        u64 frame offset | u32 frame length | frame | u32 CRC-32C of all before
///
/// 1. the intent is written to a temporary file, fsynced and renamed into place
///    (and the directory fsynced); 2. the frame (length, CRC, payload) is
///    written over the old one and the segment fsynced; 3. the intent is
///    removed. A node that crashes anywhere replays a complete intent on open
///    (step 2 is idempotent) and ignores a torn one (step 2 never started).
enum JournalOverwrite {
    static let intentName = "overwrite.intent"
    static let magic = Array("TALLYOW1".utf8)

    static func encodeIntent(segmentName: String, offset: Int, frame: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.raw(magic)
        let name = Array(segmentName.utf8)
        w.u32le(UInt32(name.count))
        w.raw(name)
        w.u64le(UInt64(offset))
        w.u32le(UInt32(frame.count))
        w.raw(frame)
        w.u32le(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// The intent's segment name, offset and frame, or nil if it is torn or not an intent.
    static func decodeIntent(_ bytes: [UInt8]) -> (segmentName: String, offset: Int, frame: [UInt8])? {
        guard bytes.count >= magic.count + 4 + 8 + 4 + 4, bytes.starts(with: magic) else { return nil }
        return bytes.withUnsafeBytes { raw -> (String, Int, [UInt8])? in
            let body = bytes.count - 4
            guard JournalFileIO.loadLE32(raw, at: body) == CRC32C.checksum(Array(bytes[..<body])) else { return nil }
            var at = magic.count
            let nameLength = Int(JournalFileIO.loadLE32(raw, at: at))
            at += 4
            guard nameLength < 4096, at + nameLength + 12 <= body else { return nil }
            let name = String(decoding: bytes[at..<at + nameLength], as: UTF8.self)
            at += nameLength
            let offset = Int(JournalFileIO.loadLE64(raw, at: at))
            at += 8
            let frameLength = Int(JournalFileIO.loadLE32(raw, at: at))
            at += 4
            guard at + frameLength == body, !name.contains("/") else { return nil }
            return (name, offset, Array(bytes[at..<body]))
        }
    }

    /// Steps 1–3 for one frame at `offset` of the open segment `fd`.
    static func perform(directory: String, directoryFD: Int32, segmentPath: String, fd: Int32,
                        offset: Int, frame: [UInt8]) throws {
        let name = String(segmentPath.split(separator: "/").last ?? "")
        let intent = encodeIntent(segmentName: name, offset: offset, frame: frame)
        let path = directory + "/" + intentName
        try JournalFileIO.writeAtomically(intent, to: path, directoryFD: directoryFD)
        try frame.withUnsafeBytes { try JournalFileIO.pwriteAll(fd, $0, at: offset, path: segmentPath) }
        try JournalFileIO.syncFile(fd, path: segmentPath)
        try JournalFileIO.unlinkFile(path)
        try JournalFileIO.syncFile(directoryFD, path: directory)
    }

    /// At open, before the segments are scanned: finishes an interrupted overwrite.
    static func recover(directory: String, directoryFD: Int32) throws {
        let path = directory + "/" + intentName
        try JournalFileIO.unlinkFile(path + ".tmp")
        let fd: Int32
        do {
            fd = try JournalFileIO.openFile(path, O_RDONLY)
        } catch JournalStoreError.io(_, _, let code, _) where code == ENOENT {
            return
        }
        let size = try JournalFileIO.fileSize(fd, path: path)
        let bytes = try JournalFileIO.readBytes(fd, length: size, at: 0, path: path)
        JournalFileIO.closeFile(fd)
        if let intent = decodeIntent(bytes) {
            let segmentPath = directory + "/" + intent.segmentName
            let sfd = try JournalFileIO.openFile(segmentPath, O_WRONLY)
            defer { JournalFileIO.closeFile(sfd) }
            try intent.frame.withUnsafeBytes { try JournalFileIO.pwriteAll(sfd, $0, at: intent.offset, path: segmentPath) }
            try JournalFileIO.syncFile(sfd, path: segmentPath)
        }
        try JournalFileIO.unlinkFile(path)
        try JournalFileIO.syncFile(directoryFD, path: directory)
    }
}

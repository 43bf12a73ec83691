import Foundation

/// Why a Raft data directory cannot be opened or written.
public struct RaftStorageFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Thin POSIX file helpers for `FileRaftStorage` (errors carry the path and errno text).
enum RaftFileIO {
    static func fail(_ op: String, _ path: String, _ code: Int32 = errno) -> RaftStorageFailure {
        RaftStorageFailure("\(op) \(path): \(String(cString: strerror(code)))")
    }

    static func open(_ path: String, _ flags: Int32) throws -> Int32 {
        while true {
            let fd = Foundation.open(path, flags | O_CLOEXEC, 0o644)
            if fd >= 0 { return fd }
            if errno != EINTR { throw fail("open", path) }
        }
    }

    static func close(_ fd: Int32) { _ = Foundation.close(fd) }

    static func sync(_ fd: Int32, _ path: String) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw fail("fsync", path) }
        }
    }

    static func syncDirectory(_ dir: String) throws {
        let fd = try open(dir, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, dir)
    }

    static func truncate(_ fd: Int32, _ size: Int, _ path: String) throws {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw fail("ftruncate", path) }
        }
    }

    static func pwriteAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, _ path: String) throws {
        try bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = pwrite(fd, buf.baseAddress! + done, buf.count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw fail("pwrite", path)
                }
                done += n
            }
        }
    }

    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail("fstat", path) }
        let size = Int(st.st_size)
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        try out.withUnsafeMutableBytes { buf in
            while done < size {
                let n = pread(fd, buf.baseAddress! + done, size - done, off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw fail("pread", path)
                }
                if n == 0 { break }
                done += n
            }
        }
        return done == size ? out : Array(out[0..<done])
    }

    /// Writes `bytes` to `path` atomically: temp file, fsync, rename, fsync directory.
    static func replaceAtomically(_ path: String, _ bytes: [UInt8], directory: String) throws {
        let tmp = path + ".tmp"
        let fd = try open(tmp, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try pwriteAll(fd, bytes, at: 0, tmp)
            try sync(fd, tmp)
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(tmp, path) == 0 else { throw fail("rename", tmp) }
        try syncDirectory(directory)
    }

    static func makeDirectories(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RaftStorageFailure("cannot create \(path): \(error)")
        }
    }

    static func remove(_ path: String) { unlink(path) }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}

/// Little helpers for the fixed binary layouts (big-endian).
struct ClusterByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) } }
    /// LEB128 unsigned varint.
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func blob(_ b: [UInt8]) { varint(UInt64(b.count)); bytes.append(contentsOf: b) }
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
}

struct ClusterByteReaderError: Error, CustomStringConvertible {
    let description: String
}

/// Bounds-checked reader: every overrun throws, nothing traps.
struct ClusterByteReader {
    let bytes: [UInt8]
    var pos: Int
    let end: Int

    init(_ bytes: [UInt8], from: Int = 0, to: Int? = nil) {
        self.bytes = bytes
        self.pos = from
        self.end = to ?? bytes.count
    }

    var remaining: Int { end - pos }
    var isAtEnd: Bool { pos >= end }

    mutating func need(_ n: Int) throws {
        if n < 0 || n > end - pos { throw ClusterByteReaderError(description: "truncated: need \(n) bytes at \(pos), have \(end - pos)") }
    }
    mutating func u8() throws -> UInt8 { try need(1); defer { pos += 1 }; return bytes[pos] }
    mutating func u32() throws -> UInt32 {
        try need(4)
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[pos + i]) }
        pos += 4
        return v
    }
    mutating func u64() throws -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[pos + i]) }
        pos += 8
        return v
    }
    mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            if shift == 63 && b > 1 { throw ClusterByteReaderError(description: "varint overflow") }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
            if shift > 63 { throw ClusterByteReaderError(description: "varint too long") }
        }
    }
    mutating func raw(_ n: Int) throws -> [UInt8] {
        try need(n)
        defer { pos += n }
        return Array(bytes[pos..<pos + n])
    }
    mutating func blob(max: Int = Int.max) throws -> [UInt8] {
        let n = try varint()
        guard n <= UInt64(min(max, remaining)) else { throw ClusterByteReaderError(description: "length \(n) exceeds the \(remaining) bytes left") }
        return try raw(Int(n))
    }
}

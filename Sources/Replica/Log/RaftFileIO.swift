import Foundation
import Ledger

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

    static func sync(_ fd: Int32, _ path: String, zerosFrom: Int? = nil) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw fail("fsync", path) }
        }
        if let injected = Failpoints.afterFsync(path) { throw fail("fsync", path, injected) }
        FsyncProbe.synced(path, zerosFrom: zerosFrom)
    }

    /// `fdatasync`: the data written, and the size only if it changed.
    static func syncData(_ fd: Int32, _ path: String, zerosFrom: Int? = nil) throws {
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw fail("fdatasync", path) }
        }
        if let injected = Failpoints.afterFsync(path) { throw fail("fdatasync", path, injected) }
        FsyncProbe.synced(path, zerosFrom: zerosFrom)
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
        try bytes.withUnsafeBytes { try pwriteAll(fd, $0, at: offset, path) }
    }

    static func pwriteAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, at offset: Int, _ path: String) throws {
        let code = PositionalWrite.all(fd, buf, at: offset)
        if code != 0 { throw fail("pwrite", path, code) }
    }

    /// Writes `count` zeros at `offset`, a `ZeroBlock` at a time.
    static func pwriteZeros(_ fd: Int32, count: Int, at offset: Int, _ path: String) throws {
        try ZeroBlock.bytes.withUnsafeBytes { zeros in
            var done = 0
            while done < count {
                let n = min(zeros.count, count - done)
                try pwriteAll(fd, UnsafeRawBufferPointer(rebasing: zeros[..<n]), at: offset + done, path)
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

    /// Writes `bytes` to `path` atomically (`AtomicFile`).
    static func replaceAtomically(_ path: String, _ bytes: [UInt8], directory: String) throws {
        do {
            try AtomicFile.replace(path, with: bytes)
        } catch {
            throw RaftStorageFailure("\(error)")
        }
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

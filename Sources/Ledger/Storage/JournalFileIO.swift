#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX wrappers for the journal store: retry on EINTR, loop on short
/// transfers, turn errno into `JournalStoreError.io` with its text.
enum JournalFileIO {
    static func error(_ operation: String, _ path: String, _ code: Int32 = errno) -> JournalStoreError {
        .io(operation: operation, path: path, errno: code, message: String(cString: strerror(code)))
    }

    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw error("open", path) }
        }
    }

    static func closeFile(_ fd: Int32) {
        _ = close(fd)
    }

    static func fileSize(_ fd: Int32, path: String) throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw error("fstat", path) }
        return Int(st.st_size)
    }

    static func syncFile(_ fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw error("fsync", path) }
        }
        if let injected = Failpoints.afterFsync(path) { throw error("fsync", path, injected) }
        FsyncProbe.synced(path)
    }

    static func truncateFile(_ fd: Int32, to size: Int, path: String) throws {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw error("ftruncate", path) }
        }
    }

    /// Writes all of `bytes` at `offset`.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws {
        let code = PositionalWrite.all(fd, bytes, at: offset)
        if code != 0 { throw error("pwrite", path, code) }
    }

    /// Writes `header ‖ payload` at `offset` with one `pwritev` in the common case.
    static func pwriteFrame(_ fd: Int32, header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer,
                            at offset: Int, path: String) throws {
        let total = header.count + payload.count
        var iov = [
            iovec(iov_base: UnsafeMutableRawPointer(mutating: header.baseAddress), iov_len: header.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: payload.baseAddress), iov_len: payload.count),
        ]
        let vectors: Int32 = payload.count == 0 ? 1 : 2
        var n = 0
        while true {
            n = iov.withUnsafeMutableBufferPointer { pwritev(fd, $0.baseAddress, vectors, off_t(offset)) }
            if n >= 0 { break }
            if errno != EINTR { throw error("pwritev", path) }
        }
        if n == total { return }
        // Short write: finish piecewise.
        if n < header.count {
            try pwriteAll(fd, UnsafeRawBufferPointer(rebasing: header[n...]), at: offset + n, path: path)
            if payload.count > 0 {
                try pwriteAll(fd, payload, at: offset + header.count, path: path)
            }
        } else {
            let p = n - header.count
            try pwriteAll(fd, UnsafeRawBufferPointer(rebasing: payload[p...]), at: offset + n, path: path)
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read
    /// (fewer only at end of file).
    static func preadFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw error("pread", path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// `length` bytes at `offset` (fewer if the file ends first).
    static func readBytes(_ fd: Int32, length: Int, at offset: Int, path: String) throws -> [UInt8] {
        if length == 0 { return [] }
        var got = 0
        var out = try [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            got = try preadFully(fd, UnsafeMutableRawBufferPointer(buffer), at: offset, path: path)
            initialized = got
        }
        if got < length { out.removeSubrange(got...) }
        return out
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw error("mkdir", prefix)
            }
            prefix += "/"
        }
    }

    /// Names of the entries of a directory (without "." and "..").
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw error("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw error("readdir", path) }
                break
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func renameFile(_ from: String, _ to: String) throws {
        guard rename(from, to) == 0 else { throw error("rename", "\(from) -> \(to)") }
        FsyncProbe.synced(to)
    }

    /// Writes `bytes` to `path` atomically and durably: a temporary file,
    /// fsync, rename over `path`, fsync of the directory (`directoryFD` if
    /// the caller holds it open).
    static func writeAtomically(_ bytes: [UInt8], to path: String, directoryFD: Int32? = nil) throws {
        let temp = path + ".tmp"
        let fd = try openFile(temp, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try bytes.withUnsafeBytes { try pwriteAll(fd, $0, at: 0, path: temp) }
            try syncFile(fd, path: temp)
        } catch {
            closeFile(fd)
            throw error
        }
        closeFile(fd)
        try renameFile(temp, path)
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        if let directoryFD {
            try syncFile(directoryFD, path: directory)
        } else {
            let dfd = try openFile(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY)
            defer { closeFile(dfd) }
            try syncFile(dfd, path: directory)
        }
    }

    static func unlinkFile(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw error("unlink", path) }
    }

    // MARK: - Little-endian fields

    @inline(__always)
    static func loadLE32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    static func loadLE64(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

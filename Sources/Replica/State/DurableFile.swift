#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe small-file replacement: write a temporary file, fsync it,
/// rename it over the target, fsync the directory.
public enum DurableFile {
    public struct IOError: Error, CustomStringConvertible {
        public var operation: String
        public var path: String
        public var code: Int32
        public init(operation: String, path: String, code: Int32) {
            self.operation = operation
            self.path = path
            self.code = code
        }
        public var description: String { "\(operation) \(path) failed: \(String(cString: strerror(code))) (errno \(code))" }
    }

    public static func replace(_ path: String, with bytes: [UInt8]) throws {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw IOError(operation: "open", path: tmp, code: errno) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                throw IOError(operation: "write", path: tmp, code: e)
            }
            offset += n
        }
        if fsync(fd) != 0 {
            let e = errno
            close(fd)
            throw IOError(operation: "fsync", path: tmp, code: e)
        }
        close(fd)
        guard rename(tmp, path) == 0 else { throw IOError(operation: "rename", path: tmp, code: errno) }
        try syncDirectory(of: path)
    }

    public static func syncDirectory(of path: String) throws {
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let dirPath = dir.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : dir
        let fd = open(dirPath, O_RDONLY)
        guard fd >= 0 else { throw IOError(operation: "open", path: dirPath, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw IOError(operation: "fsync", path: dirPath, code: errno) }
    }

    /// The whole file, or nil when it does not exist.
    public static func read(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw IOError(operation: "open", path: path, code: errno)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError(operation: "read", path: path, code: errno)
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }

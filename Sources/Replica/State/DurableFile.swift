#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Ledger

/// Small node files (`ledgers.ion`, backup manifests): crash-safe replacement
/// through `AtomicFile`, whole-file reads, and the I/O error the node's files report.
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

    /// Replaces the file atomically (`AtomicFile`).
    public static func replace(_ path: String, with bytes: [UInt8]) throws {
        try AtomicFile.replace(path, with: bytes)
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

import Foundation
import Replica
#if canImport(Glibc)
import Glibc
#endif

/// The bearer token of the metrics port's `/admin/…` calls: a file holding
/// 32 random bytes in hex, created (mode 0600) at first start if missing.
public enum AdminToken {
    /// Reads the token at `path`, creating it first if there is none.
    public static func loadOrCreate(path: String) throws -> String {
        if let existing = try read(path: path) { return existing }
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST, let raced = try read(path: path) { return raced }
        guard fd >= 0 else { throw DurableFile.IOError(operation: "create", path: path, code: errno) }
        defer { close(fd) }
        let line = Array((token + "\n").utf8)
        guard line.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == line.count, fsync(fd) == 0 else {
            throw DurableFile.IOError(operation: "write", path: path, code: errno)
        }
        return token
    }

    /// The token in `path`, nil if the file does not exist.
    public static func read(path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DurableFile.IOError(operation: "read", path: path, code: EACCES)
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.utf8.count >= 16 else { throw ConfigError("admin token file \(path) holds no token (16 characters at least)") }
        return token
    }

    /// Whether `header` is `Bearer <token>`, compared in constant time.
    static func matches(_ header: String?, token: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(token.utf8)
        var diff = UInt8(given.count == expected.count ? 0 : 1)
        for i in expected.indices { diff |= expected[i] ^ (i < given.count ? given[i] : 0) }
        return diff == 0
    }
}

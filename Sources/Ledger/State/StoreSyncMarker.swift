import Foundation

/// Whether the state store's files can be trusted after a crash. LMDB
/// commits without fsync (`noSync`) survive the process being killed (the
/// page cache keeps them) but not the machine going down, which may leave
/// half-written pages LMDB cannot detect. So the store writes this marker:
/// `dirty <boot id>` (fsynced) before its first commit after a sync, and
/// `clean` after `mdb_env_sync`. A store found dirty from an earlier boot is
/// rebuilt from the journal; one dirty from this boot only lost its process.
final class StoreSyncMarker {
    let path: String
    private(set) var isDirty: Bool

    init(path: String) {
        self.path = path
        isDirty = (try? String(contentsOfFile: path, encoding: .utf8))?.hasPrefix("dirty") ?? false
    }

    var wasDirtyInAnotherBoot: Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasPrefix("dirty") else { return false }
        return text.dropFirst("dirty ".count).trimmingCharacters(in: .whitespacesAndNewlines) != StoreSyncMarker.bootID
    }

    func markDirty() throws {
        guard !isDirty else { return }
        try write("dirty \(StoreSyncMarker.bootID)\n")
        isDirty = true
    }

    func markClean() throws {
        try write("clean\n")
        isDirty = false
    }

    /// This boot of the machine (Linux: a random id made at boot).
    static let bootID: String = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"

    private func write(_ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw LedgerDecodingError("state store: cannot write \(path) (errno \(errno))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Foundation.write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw LedgerDecodingError("state store: cannot write \(path) (errno \(errno))")
        }
    }
}

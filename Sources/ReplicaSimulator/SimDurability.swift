import Foundation
import Ledger
import Replica

/// What a power cut keeps: for each file the storage code fsynced (or renamed
/// into place after an fsync), its size (and, for small files written in
/// place such as the Raft state slots, its bytes; for a file with a
/// preallocated tail, where its zeros began) at that moment, learned through
/// `FsyncProbe`. A cut puts every such file back to that and empties every
/// file never made durable. LMDB's files are left to its marker (see
/// `rebootMarkers`). The simulator runs one node at a time on one thread.
final class SimDurability {
    struct Record {
        var size: Int
        var bytes: [UInt8]?
        /// Zeros from here to `size` when it was synced.
        var zerosFrom: Int?
    }

    private var records: [String: Record] = [:]
    static let wholeFileLimit = 64 * 1024

    func install() {
        FsyncProbe.observer = { [weak self] path, zerosFrom in self?.noteSync(path, zerosFrom: zerosFrom) }
    }

    func uninstall() { FsyncProbe.observer = nil }

    private func noteSync(_ path: String, zerosFrom: Int?) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return }
        let size = Int(st.st_size)
        let bytes = size <= Self.wholeFileLimit ? FileManager.default.contents(atPath: path).map { [UInt8]($0) } : nil
        records[path] = Record(size: size, bytes: bytes, zerosFrom: zerosFrom.map { min($0, size) })
    }

    /// Where the zeros of a file's preallocated tail begin, as last synced (nil: it has none).
    func zerosFrom(_ path: String) -> Int? {
        records[path].flatMap { r in r.zerosFrom.flatMap { $0 < r.size ? $0 : nil } }
    }

    /// The power cut: every file under `directory` loses what it gained since
    /// its last fsync. Returns the bytes lost.
    /// What the last cut did, file by file (for traces).
    private(set) var lastCut: [String] = []

    @discardableResult
    func powerCut(_ directory: String) -> Int {
        var lost = 0
        lastCut = []
        defer { if lost > 0 { lastCut.append("total \(lost)") } }
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String]) ?? []
        for relative in files.sorted() {
            let path = directory + "/" + relative
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, !path.hasSuffix(".mdb") else { continue }
            guard let current = FileManager.default.contents(atPath: path) else { continue }
            guard let record = records[path] else {
                if !current.isEmpty {
                    lastCut.append("\(relative): never synced, \(current.count) bytes dropped")
                    lost += current.count
                    FileManager.default.createFile(atPath: path, contents: Data())
                }
                continue
            }
            if let bytes = record.bytes {
                if [UInt8](current) != bytes {
                    lastCut.append("\(relative): back to its \(bytes.count) synced bytes (had \(current.count))")
                    lost += abs(current.count - bytes.count) + 1
                    FileManager.default.createFile(atPath: path, contents: Data(bytes))
                }
            } else {
                if current.count > record.size {
                    lastCut.append("\(relative): cut to \(record.size) of \(current.count) bytes")
                    lost += current.count - record.size
                    if let h = FileHandle(forWritingAtPath: path) {
                        try? h.truncate(atOffset: UInt64(record.size))
                        try? h.close()
                    }
                }
                if let from = record.zerosFrom, from < min(record.size, current.count) {
                    // Writes into the preallocated tail since the sync are lost too.
                    let tail = current[from..<min(record.size, current.count)]
                    if !tail.withUnsafeBytes(ZeroBlock.isAllZero) {
                        lastCut.append("\(relative): \(tail.count) bytes from \(from) back to zeros")
                        lost += tail.count
                        SimDisk.overwrite(path, at: from, with: [UInt8](repeating: 0, count: tail.count))
                    }
                }
            }
        }
        rebootMarkers(directory)
        return lost
    }

    /// The machine came back up: an LMDB state store left dirty was dirty in
    /// an earlier boot, so its next open must rebuild it from the journal.
    private func rebootMarkers(_ directory: String) {
        for journal in SimDisk.journals(directory) {
            let marker = (journal as NSString).deletingLastPathComponent + "/state/synced"
            if let text = try? String(contentsOfFile: marker, encoding: .utf8), text.hasPrefix("dirty") {
                try? "dirty simulated-earlier-boot\n".write(toFile: marker, atomically: false, encoding: .utf8)
            }
        }
    }

    func forget(_ directory: String) {
        records = records.filter { !$0.key.hasPrefix(directory + "/") }
    }
}

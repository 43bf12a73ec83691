import Foundation
import Ledger
import SimulationSupport

/// What a power cut or a bad disk does to a stopped node's files, by the
/// layouts in Docs/storage-format.md. Only ever called on a crashed node.
enum SimDisk {
    /// The journal directories of a node's ledgers.
    static func journals(_ nodeDirectory: String) -> [String] {
        let root = nodeDirectory + "/ledgers/ledgers"
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return ids.sorted().map { "\(root)/\($0)/journal" }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    static func segments(_ journal: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: journal)) ?? []
        return names.filter { $0.hasPrefix("journal-") && $0.hasSuffix(".seg") }.sorted().map { journal + "/" + $0 }
    }

    static func raftSegments(_ nodeDirectory: String) -> [String] {
        let dir = nodeDirectory + "/raft/log"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".seg") }.sorted().map { dir + "/" + $0 }
    }

    /// The record count the journal's `synced` file vouches for.
    static func syncedCount(_ journal: String) -> Int {
        guard let d = FileManager.default.contents(atPath: journal + "/" + FileJournalStore.syncedFileName),
              d.count >= 16 else { return 0 }
        return d[8..<16].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }

    /// Frames of one segment: (offset, total length) of each whole frame.
    static func frames(_ data: [UInt8]) -> [(offset: Int, length: Int)] {
        var out: [(Int, Int)] = []
        var at = FileJournalStore.segmentHeaderSize
        while at + 8 <= data.count {
            let length = Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24
            guard at + 8 + length <= data.count else { break }
            out.append((at, 8 + length))
            at += 8 + length
        }
        return out
    }

    /// A write torn by the power cut: garbage after the last journal record
    /// and after the Raft log's last record (over the start of its
    /// preallocated zeros, where `zerosFrom` knows them).
    static func tearTails(_ nodeDirectory: String, world: SimWorld, zerosFrom: (String) -> Int? = { _ in nil }) {
        var targets = raftSegments(nodeDirectory).suffix(1).map { $0 }
        for journal in journals(nodeDirectory) { targets += segments(journal).suffix(1) }
        for path in targets {
            let garbage = (0..<(1 + world.int(below: 40))).map { _ in UInt8(truncatingIfNeeded: world.rng.next()) }
            if let from = zerosFrom(path) { overwrite(path, at: from, with: garbage) } else { append(path, garbage) }
        }
    }

    /// Writes `bytes` at `offset` in place (the file may grow).
    static func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) {
        guard let h = FileHandle(forWritingAtPath: path) else { return }
        try? h.seek(toOffset: UInt64(offset))
        try? h.write(contentsOf: Data(bytes))
        try? h.close()
    }

    /// Flips one bit inside a record the journal's last sync covered.
    /// Returns where, or nil when no journal holds a synced record yet.
    static func flipSyncedBit(_ nodeDirectory: String, world: SimWorld) -> String? {
        let candidates = journals(nodeDirectory).filter { syncedCount($0) > 0 }
        guard !candidates.isEmpty else { return nil }
        let journal = candidates[world.int(below: candidates.count)]
        let keep = syncedCount(journal)
        // Only the last segment is scanned at open; earlier (sealed) ones are the scrubber's.
        guard let path = segments(journal).last,
              var data = FileManager.default.contents(atPath: path).map({ [UInt8]($0) }) else { return nil }
        let firstIndex = segments(journal).dropLast().reduce(0) { n, p in
            n + frames(FileManager.default.contents(atPath: p).map { [UInt8]($0) } ?? []).count
        }
        let synced = frames(data).prefix(max(0, keep - firstIndex))
        guard let frame = synced.isEmpty ? nil : synced[synced.index(synced.startIndex, offsetBy: world.int(below: synced.count))] else {
            return nil
        }
        let at = frame.offset + world.int(below: frame.length)
        let bit = UInt8(1) << UInt8(world.int(below: 8))
        data[at] ^= bit
        FileManager.default.createFile(atPath: path, contents: Data(data))
        return "\(path) byte \(at) bit \(bit)"
    }

    private static func truncate(_ path: String, to size: Int) {
        guard let h = FileHandle(forWritingAtPath: path) else { return }
        try? h.truncate(atOffset: UInt64(size))
        try? h.close()
    }

    private static func append(_ path: String, _ bytes: [UInt8]) {
        guard let h = FileHandle(forWritingAtPath: path) else { return }
        _ = try? h.seekToEnd()
        try? h.write(contentsOf: Data(bytes))
        try? h.close()
    }
}

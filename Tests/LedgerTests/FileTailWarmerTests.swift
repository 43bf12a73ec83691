import Foundation
import XCTest
@testable import Ledger

/// `FileTailWarmer`: the next window of a growing file allocated and in the
/// page cache, the file never shortened, and the store reopening over it.
final class FileTailWarmerTests: XCTestCase {
    private var paths: [String] = []

    override func tearDown() {
        for p in paths { try? FileManager.default.removeItem(atPath: p) }
    }

    private func file(_ bytes: [UInt8]) -> String {
        let path = NSTemporaryDirectory() + "tally-warm-\(UUID().uuidString)"
        paths.append(path)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    private func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? -1
    }

    /// Pages of `range` in the page cache (`mincore` over a read-only mapping).
    private func residentPages(_ path: String, _ range: Range<Int>) -> (resident: Int, total: Int) {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let map = mmap(nil, range.upperBound, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { return (0, 1) }
        defer { munmap(map, range.upperBound) }
        let start = range.lowerBound / page * page   // mincore takes a page-aligned address
        let pages = (range.upperBound - start + page - 1) / page
        var vector = [UInt8](repeating: 0, count: pages)
        guard mincore(map + start, range.upperBound - start, &vector) == 0 else { return (0, pages) }
        return (vector.filter { $0 & 1 != 0 }.count, pages)
    }

    func testWarmsTheWindowAheadAndKeepsTheContents() throws {
        let written = [UInt8](repeating: 0xAB, count: 100_000)
        let path = file(written)
        let warmer = FileTailWarmer(path: path, threshold: 0, window: 4 << 20)
        warmer.writerReached(written.count)
        warmer.settle()
        XCTAssertEqual(size(path), written.count + (4 << 20))
        // Checked before anything reads the file, which would bring it in anyway.
        let (resident, total) = residentPages(path, written.count..<(written.count + (4 << 20)))
        XCTAssertGreaterThan(resident, total * 9 / 10, "\(resident) of \(total) pages in the page cache")
        let contents = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(contents.prefix(written.count)), written)
        XCTAssertTrue(contents.dropFirst(written.count).allSatisfy { $0 == 0 })
        XCTAssertEqual(warmer.rounds, 1)
    }

    func testWarmsAgainOnlyWhenLessThanHalfTheWindowIsLeft() {
        let path = file([])
        let warmer = FileTailWarmer(path: path, threshold: 0, window: 4 << 20)
        warmer.writerReached(0)
        warmer.settle()
        warmer.writerReached(1 << 20)       // 3 MiB still warm
        warmer.settle()
        XCTAssertEqual(warmer.rounds, 1)
        XCTAssertEqual(size(path), 4 << 20)
        warmer.writerReached(5 << 19)       // 1.5 MiB left: warm to 2.5 + 4 MiB
        warmer.settle()
        XCTAssertEqual(warmer.rounds, 2)
        XCTAssertEqual(size(path), (5 << 19) + (4 << 20))
    }

    /// A file below the threshold is left alone: nothing allocated, no round.
    func testASmallFileIsLeftAlone() throws {
        let path = file([UInt8](repeating: 1, count: 4096))
        let warmer = FileTailWarmer(path: path, threshold: 1 << 20, window: 1 << 20)
        warmer.writerReached(4096)
        warmer.settle()
        XCTAssertEqual(warmer.rounds, 0)
        XCTAssertEqual(size(path), 4096)
        warmer.writerReached(1 << 20)
        warmer.settle()
        XCTAssertEqual(warmer.rounds, 1)
        XCTAssertEqual(size(path), 2 << 20)
    }

    /// A writer that extended the file past the window keeps every byte: the
    /// warmer allocates, it never sets a size.
    func testNeverShortensAFileTheWriterExtended() throws {
        let path = file([])
        let warmer = FileTailWarmer(path: path, threshold: 0, window: 1 << 20)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: 3 << 20)
        try handle.write(contentsOf: [UInt8](repeating: 0x5A, count: 4096))
        try handle.close()
        warmer.writerReached(0)             // warms 0..<1 MiB, inside the file
        warmer.settle()
        XCTAssertEqual(size(path), (3 << 20) + 4096)
        let tail = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)).suffix(4096))
        XCTAssertEqual(tail, [UInt8](repeating: 0x5A, count: 4096))
    }

    func testAFileThatCannotBeOpenedIsTriedAgainLater() {
        let path = NSTemporaryDirectory() + "tally-warm-missing-\(UUID().uuidString)/data"
        let warmer = FileTailWarmer(path: path, threshold: 0, window: 1 << 20)
        warmer.writerReached(0)
        warmer.settle()
        warmer.writerReached(0)
        warmer.settle()
        XCTAssertEqual(warmer.rounds, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    /// The state store's data file runs ahead of LMDB's pages; the store
    /// reopens over it with everything (LMDB takes its extent from the meta page).
    func testTheStateStoreReopensOverAWarmedFile() throws {
        let journal = MemoryJournalStore(), clock = FakeClock()
        let state = NSTemporaryDirectory() + "tally-state-\(UUID().uuidString)"
        paths.append(state)
        let options = { Ledger.Options(ids: IDGenerator(SeededGenerator(seed: 3)), clock: { clock.now }, stateDirectory: state) }
        var ledger = try Ledger.open(store: journal, options: options())
        let store = try XCTUnwrap(ledger.stateStore as? LMDBStateStore)
        store.tailWarmer = FileTailWarmer(path: state + "/data.mdb", threshold: 0, window: 4 << 20)
        let setup = ledger.begin()
        _ = try setup.createTable(name: "T", tags: [])
        _ = try setup.createIndex(table: "T", field: "k")
        try ledger.commit(setup)
        for i in 0..<300 {   // no redaction: its compacting copy would replace the file
            let tx = ledger.begin()
            try tx.recordStatement(text: "INSERT INTO T ?", parameters: [])
            _ = try tx.insert(table: "T", document: .struct([("k", .string("k\(i)")), ("pad", .string(String(repeating: "p", count: 900)))]))
            try ledger.commit(tx)
            clock.advance(1)
        }
        let digest = try ledger.digest().digest
        try ledger.sync()
        store.tailWarmer.settle()
        let used = try store.env.info().usedBytes
        XCTAssertGreaterThan(size(state + "/data.mdb"), used + (2 << 20))
        ledger.close()
        ledger = try Ledger.open(store: journal, options: options())
        XCTAssertEqual(try ledger.digest().digest, digest)
        XCTAssertEqual(ledger.openStats.blocks, 0, "replayed: \(ledger.openStats)")
        XCTAssertNil(ledger.openStats.rebuilt)
        ledger.close()
    }
}

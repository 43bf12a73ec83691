import Foundation
import Ion
import PartiQL
import XCTest
@testable import Ledger

/// Queries over one table read a page at a time (`PartiQLEngine.open`,
/// `LedgerTransaction.openScan`): the same values in the same order as the
/// whole result, on the in-memory state and on LMDB, across pages fetched
/// while other transactions commit.
final class StreamedQueryTests: XCTestCase {
    var directories: [String] = []
    let engine = PartiQLEngine()
    /// Each ledger's own clock (`ledger(lmdb:)` starts a new one).
    var clock = FakeClock()

    override func tearDown() {
        for d in directories { try? FileManager.default.removeItem(atPath: d) }
    }

    func ledger(lmdb: Bool) throws -> Ledger {
        var state: String?
        if lmdb {
            let d = NSTemporaryDirectory() + "tally-stream-\(UUID().uuidString)"
            directories.append(d)
            state = d
        }
        var limits = LedgerLimits()
        limits.documentsPerTransaction = 5000
        clock = FakeClock()
        let clock = self.clock
        return try Ledger.open(store: MemoryJournalStore(), options: Ledger.Options(
            limits: limits, ids: IDGenerator(SeededGenerator(seed: 7)), clock: { clock.now }, stateDirectory: state))
    }

    /// 700 documents (more than a page of ids from the store), 50 of them
    /// deleted and 50 updated, in table T; table U beside it.
    func populate(_ ledger: Ledger) throws {
        try ledger.run { tx in
            _ = try engine.execute(statement: "CREATE TABLE T", catalog: tx)
            _ = try engine.execute(statement: "CREATE TABLE U", catalog: tx)
        }
        for chunk in 0..<7 {
            clock.advance(60_000)
            try ledger.run { tx in
                for i in chunk * 100..<(chunk + 1) * 100 {
                    _ = try engine.execute(statement: "INSERT INTO T ?", parameters: [doc(("n", .int(i)), ("odd", .bool(i % 2 == 1)))], catalog: tx)
                    if i % 10 == 0 { _ = try engine.execute(statement: "INSERT INTO U ?", parameters: [doc(("n", .int(i)))], catalog: tx) }
                }
            }
        }
        clock.advance(60_000)
        try ledger.run { tx in
            _ = try engine.execute(statement: "DELETE FROM T WHERE n % 14 = 3", catalog: tx)
            _ = try engine.execute(statement: "UPDATE T SET n = n + 1000 WHERE n % 14 = 5", catalog: tx)
        }
    }

    /// Reads a stream to its end in pages of `pageSize`.
    func drain(_ stream: ResultStream, pageSize: Int) throws -> [IonValue] {
        var out: [IonValue] = []
        var pages = 0
        while !stream.isFinished {
            let page = try stream.next(maxValues: pageSize, budget: StatementBudget())
            XCTAssertLessThanOrEqual(page.count, pageSize)
            out += page
            pages += 1
            if pages > 100_000 { XCTFail("the stream does not end"); break }
        }
        return out
    }

    func streamed(_ statement: String, _ tx: LedgerTransaction, pageSize: Int = 7) throws -> [IonValue]? {
        guard case .stream(let s) = try engine.open(statement: statement, catalog: tx) else { return nil }
        return try drain(s, pageSize: pageSize)
    }

    static let streamable = [
        "SELECT * FROM T",
        "SELECT VALUE t.n FROM T AS t WHERE t.odd",
        "SELECT t.n, id FROM T AS t BY id WHERE t.n > 650",
        "SELECT VALUE t.nothing FROM T t",
        "SELECT VALUE t.n FROM T t LIMIT 30 OFFSET 640",
        "SELECT VALUE t.n FROM T t WHERE t.n < 100 LIMIT 0",
        "SELECT t.n, (SELECT u.n FROM U u WHERE u.n = t.n) AS c FROM T t WHERE t.n < 50",
        "SELECT * FROM history(T)",
        "SELECT h.metadata.version, h.data.n FROM history(T) AS h BY x WHERE h.metadata.version > 0",
        "SELECT VALUE h.data FROM history(T, `2023-11-14T22:16:50Z`, `2023-11-14T22:18:20Z`) AS h",
        "SELECT * FROM _ql_committed_T LIMIT 300 OFFSET 3",
        "SELECT c.metadata.id, c.data.n FROM _ql_committed_U AS c WHERE c.data.n > 300",
    ]

    func testAStreamedQueryGivesTheWholeResultInOrder() throws {
        for lmdb in [false, true] {
            let ledger = try ledger(lmdb: lmdb)
            try populate(ledger)
            let tx = ledger.begin()
            // This transaction's own writes: an insert, an update, a delete.
            _ = try engine.execute(statement: "INSERT INTO T VALUE {'n': 5000}", catalog: tx)
            _ = try engine.execute(statement: "UPDATE T SET n = 6000 WHERE n = 2", catalog: tx)
            _ = try engine.execute(statement: "DELETE FROM T WHERE n = 4", catalog: tx)
            for statement in Self.streamable {
                let whole = try engine.execute(statement: statement, catalog: tx)
                XCTAssertEqual(whole.isEmpty, statement.hasSuffix("LIMIT 0") || statement.contains("nothing"), "\(statement): \(whole.count) values")
                for pageSize in [1, 7, 200] {
                    guard let pages = try streamed(statement, tx, pageSize: pageSize) else {
                        return XCTFail("\(statement) did not stream")
                    }
                    XCTAssertEqual(pages, whole, "\(statement), pages of \(pageSize), lmdb \(lmdb)")
                }
            }
            let all = try XCTUnwrap(streamed("SELECT VALUE n FROM T", tx))
            XCTAssertEqual(all.count, 700 - 50 - 1 + 1)
            XCTAssertTrue(all.contains(.int(5000)) && all.contains(.int(6000)) && !all.contains(.int(4)) && !all.contains(.int(2)))
        }
    }

    func testQueriesThatNeedTheWholeResultAreNotStreamed() throws {
        let ledger = try ledger(lmdb: false)
        try populate(ledger)
        try ledger.run { tx in _ = try engine.execute(statement: "CREATE INDEX ON U (n)", catalog: tx) }
        let tx = ledger.begin()
        for statement in [
            "SELECT * FROM T ORDER BY n", "SELECT COUNT(*) FROM T", "SELECT DISTINCT t.odd FROM T t",
            "SELECT t.odd FROM T t GROUP BY t.odd", "SELECT * FROM T t, U u WHERE t.n = u.n",
            "SELECT * FROM U WHERE n = 10", "SELECT * FROM T BY id WHERE id = 'x'", "SELECT * FROM <<1, 2>>",
            "SELECT * FROM history(T) AS h WHERE h.metadata.id = 'x'", "SELECT * FROM _ql_committed_T AT p",
            "INSERT INTO T VALUE {'n': -1}",
        ] {
            guard case .values = try engine.open(statement: statement, catalog: tx) else {
                return XCTFail("\(statement) streamed")
            }
        }
    }

    /// Pages read the state of their time; a commit in between makes the
    /// reader's commit fail, read-only or not, as any read the table changed under.
    func testATableChangedBetweenPagesFailsTheReadersCommit() throws {
        for lmdb in [false, true] {
            let ledger = try ledger(lmdb: lmdb)
            try populate(ledger)
            let reader = ledger.begin()
            guard case .stream(let stream) = try engine.open(statement: "SELECT * FROM T", catalog: reader) else {
                return XCTFail("no stream")
            }
            XCTAssertEqual(try stream.next(maxValues: 10, budget: StatementBudget()).count, 10)
            try ledger.run { tx in _ = try engine.execute(statement: "INSERT INTO T VALUE {'n': 9999}", catalog: tx) }
            let rest = try drain(stream, pageSize: 100)
            XCTAssertTrue(rest.contains { $0[field: "n"] == .int(9999) }, "a later page reads the newer state")
            XCTAssertThrowsError(try ledger.commit(reader)) { XCTAssertTrue($0 is OccConflict, "\($0)") }
        }
    }

    /// A page whose slice is up before one document is done throws and leaves
    /// the stream where it was; with some progress, it ends the page early.
    func testASliceThatRunsOutEndsThePageOrLeavesTheStreamUnchanged() throws {
        let ledger = try ledger(lmdb: true)
        try populate(ledger)
        let tx = ledger.begin()
        guard case .stream(let stream) = try engine.open(statement: "SELECT VALUE n FROM T", catalog: tx) else {
            return XCTFail("no stream")
        }
        let expired = StatementBudget(deadline: 0, isSlice: true)
        for _ in 0..<3 {
            XCTAssertThrowsError(try stream.next(maxValues: 500, budget: expired)) {
                XCTAssertTrue($0 is StatementBudget.SliceExpired, "\($0)")
            }
        }
        // A soft deadline already past: one document per page, and none lost.
        let first = try stream.next(maxValues: 500, budget: StatementBudget(), softDeadline: 0)
        XCTAssertEqual(first.count, 1)
        let rest = try drain(stream, pageSize: 500)
        XCTAssertEqual(first + rest, try engine.execute(statement: "SELECT VALUE n FROM T", catalog: tx))
    }

    /// The statement's row budget is per page: a scan longer than it is read whole.
    func testTheRowBudgetIsPerPage() throws {
        let ledger = try ledger(lmdb: false)
        try populate(ledger)
        let tx = ledger.begin()
        let budget = { StatementBudget(limits: StatementBudget.Limits(maxRows: 100)) }
        XCTAssertThrowsError(try engine.execute(statement: "SELECT * FROM T ORDER BY n", catalog: tx, budget: budget()))
        guard case .stream(let stream) = try engine.open(statement: "SELECT * FROM T", catalog: tx, budget: budget()) else {
            return XCTFail("no stream")
        }
        var count = 0
        while !stream.isFinished { count += try stream.next(maxValues: 50, budget: budget()).count }
        XCTAssertEqual(count, 650)
    }

    /// A query built whole charges what it reads to the memory budget as it
    /// reads (found at 10 M revisions: `SELECT * FROM Scale` built whole held
    /// 24 GB and the kernel killed the process; a server would have had only
    /// the transaction timeout to stop it). An aggregate's tiny result is no
    /// excuse; a streamed scan of the same table still reads it all.
    func testAQueryBuiltWholeIsStoppedByTheMemoryBudgetWhileItReads() throws {
        for lmdb in [false, true] {
            let ledger = try ledger(lmdb: lmdb)
            try populate(ledger)
            let tx = ledger.begin()
            let budget = { StatementBudget(limits: StatementBudget.Limits(maxResultBytes: 16 * 1024)) }
            for statement in ["SELECT COUNT(*) FROM T", "SELECT VALUE t.n FROM T t ORDER BY t.n LIMIT 1",
                              "SELECT COUNT(*) FROM history(T)"] {
                XCTAssertThrowsError(try engine.execute(statement: statement, catalog: tx, budget: budget()), statement) {
                    XCTAssertTrue("\($0)".contains("memory budget"), "\($0)")
                }
            }
            guard case .stream(let stream) = try engine.open(statement: "SELECT * FROM T", catalog: tx, budget: budget()) else {
                return XCTFail("no stream")
            }
            var count = 0
            while !stream.isFinished { count += try stream.next(maxValues: 50, budget: budget()).count }
            XCTAssertEqual(count, 650)
        }
    }
}

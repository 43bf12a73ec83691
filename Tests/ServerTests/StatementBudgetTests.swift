import Foundation
import Ion
import Ledger
import Net
import PartiQL
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

/// Statements are bounded: a slice of the loop, then a statement thread, the
/// transaction timeout, and row and memory budgets (issue: a 2-way join held
/// the loop for 36 s; a 500 k-row SELECT * took 606 MB).
final class StatementBudgetTests: XCTestCase {
    /// One ledger on a real loop, with the node's pooled runner.
    final class Harness: LoopLedgerHarness, @unchecked Sendable {
        /// The size of every page `values` read, in order.
        var pageSizes: [Int] = []

        init(settings: StatementSettings = StatementSettings(), documents: Int) throws {
            var limits = LedgerLimits()
            limits.documentsPerTransaction = 5000
            limits.transactionSize = 64 << 20
            try super.init(name: "budget-test", limits: limits, settings: settings)
            let tx = ledger.begin()
            let engine = PartiQLEngine()
            _ = try engine.execute(statement: "CREATE TABLE T", catalog: tx)
            try ledger.commit(tx)
            var n = 0
            while n < documents {
                let batch = ledger.begin()
                for _ in 0..<min(500, documents - n) {
                    _ = try engine.execute(statement: "INSERT INTO T ?", parameters: [
                        .struct([("n", .int(n)), ("pad", .string(String(repeating: "x", count: 200)))])], catalog: batch)
                    n += 1
                }
                try ledger.commit(batch)
            }
        }

        /// Every value of a result, reading a streamed one to its end a page at a time.
        func values(_ result: StatementResult, pageSize: Int = 200, timeout seconds: Double = 30) -> Result<[ResultValue], ServiceError> {
            guard let stream = result.stream else { return .success(result.values) }
            var all: [ResultValue] = []
            let deadline = StatementBudget.now &+ UInt64(seconds * 1e9)
            for _ in 0..<10_000 {
                let done = DispatchSemaphore(value: 0)
                var page: Result<StatementPage, ServiceError>!
                loop.execute {
                    stream.next(maxValues: pageSize, deadline: deadline) { page = $0; done.signal() }
                }
                done.wait()
                switch page! {
                case .failure(let error): return .failure(error)
                case .success(let p):
                    XCTAssertLessThanOrEqual(p.values.count, pageSize)
                    pageSizes.append(p.values.count)
                    all += p.values
                    if p.isFinished { return .success(all) }
                }
            }
            return .failure(.internalFailure("the stream did not end in 10,000 pages"))
        }

        /// Runs a statement and reads all of its result.
        func runAll(_ tx: BackendTransaction, _ statement: String, _ parameters: [IonValue] = [],
                    timeout seconds: Double = 30) -> Result<[ResultValue], ServiceError> {
            run(tx, statement, parameters, timeout: seconds).flatMap { values($0, timeout: seconds) }
        }

        /// The longest gap between ticks of a 5 ms loop timer while `body` runs.
        func longestLoopStall(during body: () -> Void) throws -> Double {
            var last = DispatchTime.now().uptimeNanoseconds
            var worst: UInt64 = 0
            let lock = NSLock()
            let timer = try loop.submit {
                self.loop.scheduleTimer(after: .milliseconds(5), repeating: .milliseconds(5)) {
                    let now = DispatchTime.now().uptimeNanoseconds
                    lock.withLock {
                        worst = max(worst, now - last)
                        last = now
                    }
                }
            }
            body()
            try loop.submit { timer.cancel() }
            return lock.withLock { Double(worst) / 1e9 }
        }
    }

    func testLongJoinRunsOffTheLoopAndEndsAtTheTransactionTimeout() throws {
        let h = try Harness(documents: 3000)
        let tx = try h.begin()
        var outcome: Result<StatementResult, ServiceError>!
        let started = Date()
        let stall = try h.longestLoopStall {
            outcome = h.run(tx, "SELECT COUNT(*) FROM T a, T b WHERE a.n + b.n = -1", timeout: 1.5)
        }
        let elapsed = Date().timeIntervalSince(started)
        guard case .failure(let error) = outcome else { return XCTFail("a 9 M-row join finished within 1.5 s: \(outcome!)") }
        XCTAssertTrue(error.message.contains("transaction timeout"), error.message)
        XCTAssertLessThan(elapsed, 5, "the statement must end soon after the timeout")
        XCTAssertLessThan(stall, 0.25, "the loop was held \(stall) s")
        // The transaction is still usable, and a small statement runs on.
        guard case .success(let r) = h.runAll(tx, "SELECT VALUE n FROM T WHERE n = 7") else { return XCTFail("follow-up failed") }
        XCTAssertEqual(r.count, 1)
    }

    /// 3000 documents of ≈ 230 bytes against a 256 KiB result budget, and a
    /// transaction that has inserted one more (`n: -1`).
    private func overBudget() throws -> (Harness, BackendTransaction) {
        var settings = StatementSettings()
        settings.limits.maxResultBytes = 256 * 1024
        let h = try Harness(settings: settings, documents: 3000)
        let tx = try h.begin()
        guard case .success = h.run(tx, "INSERT INTO T VALUE {'n': -1}") else { throw ServiceError.internalFailure("insert failed") }
        return (h, tx)
    }

    func testResultOverTheMemoryBudgetIsAClearErrorAndChangesNothing() throws {
        let (h, tx) = try overBudget()
        // ORDER BY needs the whole result before its first value.
        guard case .failure(let error) = h.runAll(tx, "SELECT * FROM T ORDER BY n") else { return XCTFail("3000 x 230 bytes fit 256 KiB?") }
        XCTAssertTrue(error.message.contains("memory budget"), error.message)
        // The earlier insert of this transaction survives the failed statement.
        guard case .success(let r) = h.runAll(tx, "SELECT VALUE n FROM T WHERE n = -1") else { return XCTFail("lookup failed") }
        XCTAssertEqual(r.count, 1)
    }

    /// A plain scan is read a page at a time: each page has its own budget,
    /// so a result far over the memory budget is read whole.
    func testAScanOverTheMemoryBudgetStreamsPageByPage() throws {
        let (h, tx) = try overBudget()
        guard case .success(let opened) = h.run(tx, "SELECT * FROM T") else { return XCTFail("open failed") }
        XCTAssertNotNil(opened.stream, "a plain scan must stream")
        guard case .success(let all) = h.values(opened) else { return XCTFail("reading the pages failed") }
        let ns = all.map { v -> IonValue? in
            guard case .value(let ion) = v else { return nil }
            return ion[field: "n"]
        }
        // Every committed document once, in insertion order, then this transaction's own.
        XCTAssertEqual(ns, (Array(0..<3000) + [-1]).map { IonValue.int($0) })
        // A page the loop's slice cannot fill is completed on a statement thread: every page but the last is full.
        XCTAssertEqual(h.pageSizes.dropLast(), Array(repeating: 200, count: 15)[...], "\(h.pageSizes)")
        // LIMIT and OFFSET apply across pages.
        guard case .success(let window) = h.runAll(tx, "SELECT VALUE n FROM T WHERE n >= 100 LIMIT 250 OFFSET 1000") else {
            return XCTFail("window failed")
        }
        XCTAssertEqual(window.map(\.ionBinary), (1100..<1350).map { Ion.writeBinary([.int($0)]) })
    }

    func testRowBudgetStopsAJoin() throws {
        var settings = StatementSettings()
        settings.limits.maxRows = 50_000
        let h = try Harness(settings: settings, documents: 1000)
        let tx = try h.begin()
        guard case .failure(let error) = h.run(tx, "SELECT COUNT(*) FROM T a, T b") else { return XCTFail("1 M rows within 50 k?") }
        XCTAssertTrue(error.message.contains("50000 rows"), error.message)
    }

    /// With no time on the loop at all, every page of a streamed scan is made
    /// on a statement thread against a snapshot, and none is lost.
    func testStreamedPagesThatGetNoLoopTimeRunOnAStatementThread() throws {
        var settings = StatementSettings()
        settings.loopSliceMilliseconds = 0
        let h = try Harness(settings: settings, documents: 1000)
        let tx = try h.begin()
        guard case .success(let opened) = h.run(tx, "SELECT VALUE n FROM T WHERE n % 2 = 0") else { return XCTFail("open failed") }
        XCTAssertNotNil(opened.stream)
        guard case .success(let all) = h.values(opened, pageSize: 64) else { return XCTFail("reading the pages failed") }
        XCTAssertEqual(all.map(\.ionBinary), stride(from: 0, to: 1000, by: 2).map { Ion.writeBinary([.int($0)]) })
    }

    func testStatementMovedOffTheLoopWritesAndCommits() throws {
        var settings = StatementSettings()
        settings.loopSliceMilliseconds = 1
        let h = try Harness(settings: settings, documents: 3000)
        let tx = try h.begin()
        // An UPDATE over every document outgrows a 1 ms slice in a debug build; it runs
        // again on a statement thread and its writes belong to the transaction.
        guard case .success(let updated) = h.run(tx, "UPDATE T SET m = n * 2 WHERE n >= 0") else { return XCTFail("update failed") }
        XCTAssertEqual(updated.values.count, 3000)
        let done = DispatchSemaphore(value: 0)
        var committed: Result<CommitOutcome, ServiceError>!
        h.loop.execute { tx.commit { committed = $0; done.signal() } }
        done.wait()
        guard case .success = committed else { return XCTFail("commit failed: \(committed!)") }
        let check = try h.begin()
        guard case .success(let r) = h.runAll(check, "SELECT VALUE m FROM T WHERE n = 21") else { return XCTFail("read failed") }
        XCTAssertEqual(r.map(\.ionBinary), [Ion.writeBinary([.int(42)])])
    }

    func testCancelledBudgetStopsTheStatement() throws {
        let budget = StatementBudget(seconds: 60)
        budget.cancel("the node is stopping")
        let ledger = try Ledger.open(store: MemoryJournalStore())
        let tx = ledger.begin()
        _ = try PartiQLEngine().execute(statement: "CREATE TABLE T", catalog: tx)
        XCTAssertThrowsError(try PartiQLEngine().execute(
            statement: "SELECT * FROM <<1,2,3>> a, <<1,2,3>> b, <<1,2,3>> c, <<1,2,3>> d, <<1,2,3>> e, <<1,2,3>> f",
            catalog: tx, budget: budget)) { error in
            XCTAssertTrue("\(error)".contains("the node is stopping"), "\(error)")
        }
    }
}

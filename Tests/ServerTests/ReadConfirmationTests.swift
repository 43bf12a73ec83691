import Foundation
import Ion
import Ledger
import Net
import PartiQL
import XCTest
@testable import Server
@testable import QLDBWire

/// A read-only commit waits for a read-index round asked for after the
/// transaction's last read (`ReadConfirmation`), started as soon as a
/// statement that wrote nothing returns, so that it is usually confirmed by
/// the time the commit arrives. Every round here is held until the test ends it.
final class ReadConfirmationTests: XCTestCase {
    /// One ledger on a real loop; its read-index rounds complete when the test says.
    final class Harness: LoopLedgerHarness, @unchecked Sendable {
        /// The rounds asked for, in order (loop thread).
        var rounds: [(Result<Void, CommitFailure>) -> Void] = []

        init(documents: Int = 3) throws {
            try super.init(name: "read-confirmation-test")
            let engine = PartiQLEngine()
            let tx = ledger.begin()
            _ = try engine.execute(statement: "CREATE TABLE T", catalog: tx)
            _ = try engine.execute(statement: "CREATE INDEX ON T (n)", catalog: tx)
            try ledger.commit(tx)
            let fill = ledger.begin()
            for n in 0..<documents {
                _ = try engine.execute(statement: "INSERT INTO T ?", parameters: [.struct([("n", .int(n))])], catalog: fill)
            }
            try ledger.commit(fill)
        }

        override func confirmLeadership(completion: @escaping (Result<Void, CommitFailure>) -> Void) { rounds.append(completion) }

        var roundCount: Int { (try? loop.submit { self.rounds.count }) ?? -1 }

        /// Ends round `i` (0-based) with `result`.
        func finishRound(_ i: Int, _ result: Result<Void, CommitFailure> = .success(()),
                         file: StaticString = #filePath, line: UInt = #line) throws {
            let asked = try loop.submit { () -> Bool in
                guard i < self.rounds.count else { return false }
                self.rounds[i](result)
                return true
            }
            XCTAssertTrue(asked, "round \(i) was never asked for", file: file, line: line)
        }

        /// Reads the next page of a streamed result.
        func page(_ stream: StatementStream) -> Result<StatementPage, ServiceError> {
            let done = DispatchSemaphore(value: 0)
            var outcome: Result<StatementPage, ServiceError>!
            loop.execute {
                stream.next(maxValues: 1, deadline: StatementBudget.now &+ 30_000_000_000) { outcome = $0; done.signal() }
            }
            done.wait()
            return outcome
        }

        /// Asks for the commit; its outcome lands in the box (nil while it waits).
        func commit(_ tx: BackendTransaction) throws -> CommitBox {
            let box = CommitBox()
            try loop.submit { tx.commit { box.set($0) } }
            return box
        }
    }

    final class CommitBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Result<CommitOutcome, ServiceError>?
        private let done = DispatchSemaphore(value: 0)
        func set(_ v: Result<CommitOutcome, ServiceError>) {
            lock.withLock { value = v }
            done.signal()
        }
        var outcome: Result<CommitOutcome, ServiceError>? { lock.withLock { value } }
        func wait() -> Result<CommitOutcome, ServiceError>? {
            _ = done.wait(timeout: .now() + 30)
            return outcome
        }
    }

    /// Confirming round 0 leaves `commit` waiting; confirming round 1 lets it succeed.
    private func assertWaitsForTheSecondRound(_ h: Harness, _ commit: CommitBox, _ message: String = "",
                                              file: StaticString = #filePath, line: UInt = #line) throws {
        try h.finishRound(0, file: file, line: line)
        XCTAssertNil(commit.outcome, message, file: file, line: line)
        try h.finishRound(1, file: file, line: line)
        guard case .success? = commit.wait() else {
            return XCTFail("\(String(describing: commit.outcome))", file: file, line: line)
        }
    }

    func testAReadOnlyCommitWaitsForTheRoundAskedForAfterItsSelect() throws {
        let h = try Harness()
        let tx = try h.begin()
        guard case .success(let r) = h.run(tx, "SELECT * FROM T WHERE n = 1") else { return XCTFail("select failed") }
        XCTAssertEqual(r.values.count, 1)
        XCTAssertEqual(h.roundCount, 1, "the round starts when the select returns, before the commit")
        let commit = try h.commit(tx)
        XCTAssertNil(commit.outcome, "the commit waits for that round")
        XCTAssertEqual(h.roundCount, 1, "and asks for no other")
        try h.finishRound(0)
        guard case .success? = commit.wait() else { return XCTFail("\(String(describing: commit.outcome))") }
        XCTAssertEqual(h.proposals, 0, "a read-only commit journals nothing")
    }

    func testARoundConfirmedBeforeTheCommitAnswersItAtOnce() throws {
        let h = try Harness()
        let tx = try h.begin()
        guard case .success = h.run(tx, "SELECT * FROM T WHERE n = 1") else { return XCTFail("select failed") }
        try h.finishRound(0)
        guard case .success? = try h.commit(tx).outcome else { return XCTFail("the commit did not complete at once") }
        XCTAssertEqual(h.roundCount, 1)
    }

    func testALaterStatementVoidsTheRoundBeforeIt() throws {
        let h = try Harness()
        let tx = try h.begin()
        guard case .success = h.run(tx, "SELECT * FROM T WHERE n = 0") else { return XCTFail("first select failed") }
        guard case .success = h.run(tx, "SELECT * FROM T WHERE n = 2") else { return XCTFail("second select failed") }
        XCTAssertEqual(h.roundCount, 2)
        let commit = try h.commit(tx)
        try assertWaitsForTheSecondRound(h, commit, "the round asked for before the second select's reads does not confirm them")
    }

    func testAFailedStatementLeavesTheCommitToAskForItsOwnRound() throws {
        let h = try Harness()
        let tx = try h.begin()
        guard case .success = h.run(tx, "SELECT * FROM T WHERE n = 1") else { return XCTFail("select failed") }
        guard case .failure = h.run(tx, "SELEC nothing") else { return XCTFail("expected an error") }
        let commit = try h.commit(tx)
        XCTAssertEqual(h.roundCount, 2, "the commit asked for a round after the failed statement")
        try assertWaitsForTheSecondRound(h, commit)
    }

    func testATransactionThatWroteAsksForNoRound() throws {
        let h = try Harness()
        let tx = try h.begin()
        guard case .success = h.run(tx, "INSERT INTO T ?", [.struct([("n", .int(9))])]) else { return XCTFail("insert failed") }
        guard case .success = h.run(tx, "SELECT * FROM T WHERE n = 9") else { return XCTFail("select failed") }
        XCTAssertEqual(h.roundCount, 0, "its commit goes through the log, which confirms the leader")
        guard case .success? = try h.commit(tx).wait() else { return XCTFail("commit failed") }
        XCTAssertEqual(h.proposals, 1)
        XCTAssertEqual(h.roundCount, 0)
    }

    func testAStreamedPageReadAfterTheRoundVoidsIt() throws {
        let h = try Harness()
        let tx = try h.begin()
        guard case .success(let scan) = h.run(tx, "SELECT * FROM T"), let stream = scan.stream else {
            return XCTFail("a whole-table SELECT should stream")
        }
        XCTAssertEqual(h.roundCount, 0, "a streamed statement reads later, page by page: no round yet")
        guard case .success = h.run(tx, "SELECT * FROM T WHERE n = 1") else { return XCTFail("select failed") }
        XCTAssertEqual(h.roundCount, 1)
        guard case .success(let p) = h.page(stream) else { return XCTFail("page failed") }
        XCTAssertEqual(p.values.count, 1)
        let commit = try h.commit(tx)
        XCTAssertEqual(h.roundCount, 2, "the page read after round 0, so the commit asked for a round of its own")
        try assertWaitsForTheSecondRound(h, commit)
    }

    func testAFailedRoundFailsTheCommit() throws {
        let h = try Harness()
        let tx = try h.begin()
        guard case .success = h.run(tx, "SELECT * FROM T WHERE n = 1") else { return XCTFail("select failed") }
        let commit = try h.commit(tx)
        try h.finishRound(0, .failure(.notLeader(leaderID: nil)))
        guard case .failure? = commit.wait() else { return XCTFail("a commit whose round failed succeeded") }
    }
}

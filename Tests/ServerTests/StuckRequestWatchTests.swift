import Foundation
import Logging
import XCTest
@testable import Replica
@testable import Server

final class StuckRequestWatchTests: XCTestCase {
    func testARequestPastTheThresholdIsLoggedOnce() {
        let lines = LockedLines()
        let logger = Logger(label: "tally.session") { LogfmtLogHandler(label: $0, sink: LogSink { lines.append($0) }) }
        let watch = StuckRequestWatch(threshold: .seconds(5), logger: logger)
        let slow = watch.begin(method: "POST", path: "/")
        slow.command = "CommitTransaction"
        slow.ledger = "books"
        slow.session = "SessionRequestId000001"
        let quick = watch.begin(method: "GET", path: "/ledgers")
        watch.end(quick)
        watch.scan(now: slow.started + .seconds(4))
        XCTAssertEqual(lines.all, [], "nothing before the threshold")
        watch.scan(now: slow.started + .seconds(6))
        watch.scan(now: slow.started + .seconds(9))
        XCTAssertEqual(lines.all.count, 1, "logged once")
        let line = lines.all.first ?? ""
        XCTAssertTrue(line.contains("level=warning"), line)
        XCTAssertTrue(line.contains("msg=\"request still unanswered\""), line)
        XCTAssertTrue(line.contains("command=CommitTransaction") && line.contains("ledger=books")
                      && line.contains("session=SessionRequestId000001") && line.contains("seconds=6.0"), line)
        watch.end(slow)
        XCTAssertEqual(watch.count, 0)
    }

    /// A session command's label carries its token; the ledger and session are looked up when it is logged.
    func testATokenIsResolvedOnlyWhenTheRequestIsLogged() {
        let lines = LockedLines()
        let logger = Logger(label: "tally.session") { LogfmtLogHandler(label: $0, sink: LogSink { lines.append($0) }) }
        let watch = StuckRequestWatch(threshold: .seconds(5), logger: logger)
        var lookups: [String] = []
        watch.sessionOfToken = { token in
            lookups.append(token)
            return token == "token-1" ? ("books", "SessionRequestId000002") : nil
        }
        let slow = watch.begin(method: "POST", path: "/")
        slow.command = "ExecuteStatement"
        slow.sessionToken = "token-1"
        let unknown = watch.begin(method: "POST", path: "/")
        unknown.command = "CommitTransaction"
        unknown.sessionToken = "token-gone"
        watch.scan(now: slow.started + .seconds(4))
        XCTAssertEqual(lookups, [], "nothing looked up before a request is logged")
        watch.scan(now: slow.started + .seconds(6))
        XCTAssertEqual(lookups.sorted(), ["token-1", "token-gone"])
        let logged = lines.all.joined(separator: "\n")
        XCTAssertTrue(logged.contains("ledger=books") && logged.contains("session=SessionRequestId000002"), logged)
        XCTAssertEqual(lines.all.count, 2)
    }
}

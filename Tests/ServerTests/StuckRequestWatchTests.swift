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
}

import Foundation
import XCTest
@testable import Net

/// A loop that spins before it sleeps (`spinBeforeSleep`, the nodes' default)
/// serves sockets, timers, hand-overs and offloaded work as a sleeping one does,
/// sleeps once idle, and shuts down.
final class EventLoopSpinTests: LoopTestCase {
    override var spinBeforeSleep: Duration { .microseconds(200) }

    /// The loop thread's CPU time, in nanoseconds.
    private func loopCPUNanoseconds() throws -> UInt64 {
        try loop.submit {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
        }
    }

    func testRequestsTimersHandOversAndOffloadsRun() throws {
        let tls = try serverContext(mutual: false)
        var config = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        config.tls = tls
        let server = HTTPServer(loop: loop, configuration: config, handler: EchoHandler(loop: loop))
        try loop.submit { try server.start() }
        let client = try connectHTTP(port: server.port, tls: try clientContext(nil))
        for i in 0..<50 {
            let r = try request(client, .init(method: "POST", target: "/n", body: Array("\(i)".utf8)))
            XCTAssertEqual(r.bodyText, "POST /n \(i)")
        }
        XCTAssertEqual(try request(client, .init(method: "GET", target: "/slow?ms=30")).bodyText, "GET /slow?ms=30 ")
        XCTAssertEqual(try request(client, .init(method: "GET", target: "/offload")).bodyText, "GET /offload ")

        let fired = Locked(0)
        loop.execute { [loop] in
            loop!.scheduleTimer(after: .milliseconds(20), repeating: .milliseconds(20)) { fired.with { $0 += 1 } }
        }
        XCTAssertTrue(waitUntil(5) { fired.get >= 5 }, "a repeating timer fires while the loop spins and sleeps")
        let handedOver = Locked(0)
        let target: EventLoop = loop
        DispatchQueue.concurrentPerform(iterations: 1_000) { _ in target.execute { handedOver.with { $0 += 1 } } }
        XCTAssertTrue(waitUntil(5) { handedOver.get == 1_000 })
    }

    /// Idle, the loop sleeps after one spin: over 500 ms it uses a small part
    /// of the CPU it would burn if it never slept (a repeating 50 ms timer wakes it ten times).
    func testAnIdleLoopSleeps() throws {
        loop.execute { [loop] in loop!.scheduleTimer(after: .milliseconds(50), repeating: .milliseconds(50)) {} }
        usleep(50_000)
        let before = try loopCPUNanoseconds()
        usleep(500_000)
        let used = try loopCPUNanoseconds() - before
        XCTAssertLessThan(used, 100_000_000, "the loop used \(used / 1_000_000) ms of CPU in 500 ms idle")
    }

    func testShutdownEndsTheThread() throws {
        XCTAssertTrue(waitUntil(5) { loop.isRunning })
        loop.shutdown(timeout: .seconds(10))
        XCTAssertFalse(loop.isRunning, "the loop's thread left uv_run")
    }
}

import Foundation
import XCTest
@testable import Net

final class EventLoopTests: LoopTestCase {
    func testNativeLibraryVersions() {
        XCTAssertTrue(NativeLibraries.libuvVersion.hasPrefix("1."))
        XCTAssertTrue(NativeLibraries.openSSLVersion.contains("OpenSSL 3"))
        XCTAssertTrue(NativeLibraries.httpParserVersion.hasPrefix("2."))
    }

    func testExecuteRunsInOrderOnTheLoopThread() {
        let seen = Locked<[Int]>([])
        let onLoop = Locked(true)
        XCTAssertFalse(loop.inEventLoop)
        for i in 0..<200 {
            loop.execute { [loop] in
                if !loop!.inEventLoop { onLoop.set(false) }
                seen.with { $0.append(i) }
            }
        }
        XCTAssertTrue(waitUntil { seen.get.count == 200 })
        XCTAssertEqual(seen.get, Array(0..<200))
        XCTAssertTrue(onLoop.get)
    }

    func testTimersOneShotRepeatingAndCancel() {
        let start = Date()
        let oneShot = Locked<[Double]>([])
        let repeating = Locked(0)
        let cancelled = Locked(0)
        loop.scheduleTimer(after: .milliseconds(50)) { oneShot.with { $0.append(Date().timeIntervalSince(start)) } }
        let rep = loop.scheduleTimer(after: .milliseconds(10), repeating: .milliseconds(10)) { repeating.with { $0 += 1 } }
        let never = loop.scheduleTimer(after: .milliseconds(100)) { cancelled.with { $0 += 1 } }
        never.cancel()
        XCTAssertTrue(waitUntil { repeating.get >= 3 })
        rep.cancel()
        XCTAssertTrue(waitUntil { oneShot.get.count == 1 })
        usleep(200_000)
        let afterCancel = repeating.get
        usleep(100_000)
        XCTAssertEqual(repeating.get, afterCancel, "a cancelled repeating timer stops")
        XCTAssertEqual(oneShot.get.count, 1, "a one-shot timer fires once")
        XCTAssertGreaterThanOrEqual(oneShot.get[0], 0.045)
        XCTAssertEqual(cancelled.get, 0)
        // Fired and cancelled timers release their handles.
        XCTAssertEqual(try loop.submit { self.loop.openHandleCount }, 0)
    }

    func testOffloadRunsOffTheLoopAndCallsBackOnIt() {
        let workOnLoop = Locked<Bool?>(nil)
        let thenOnLoop = Locked<Bool?>(nil)
        let value = Locked(0)
        loop.execute { [loop] in
            let loop = loop!
            loop.offload(work: { () -> Int in
                workOnLoop.set(loop.inEventLoop)
                usleep(20_000)  // blocking work
                return 42
            }, then: { v in
                thenOnLoop.set(loop.inEventLoop)
                value.set(v)
            })
        }
        XCTAssertTrue(waitUntil { value.get == 42 })
        XCTAssertEqual(workOnLoop.get, false, "work runs on the thread pool")
        XCTAssertEqual(thenOnLoop.get, true, "the callback runs on the loop thread")
    }

    func testLoopStaysResponsiveWhileWorkIsOffloaded() {
        let done = Locked(0)
        let ticks = Locked(0)
        loop.execute { [loop] in
            for _ in 0..<4 { loop!.offload(work: { usleep(150_000) }, then: { done.with { $0 += 1 } }) }
        }
        loop.scheduleTimer(after: .milliseconds(10), repeating: .milliseconds(10)) { ticks.with { $0 += 1 } }
        XCTAssertTrue(waitUntil { done.get == 4 })
        XCTAssertGreaterThan(ticks.get, 5, "timers kept firing while the pool was busy")
    }

    func testShutdownClosesEveryHandle() throws {
        let closeError = Locked<NetError?>(nil)
        let port = try loop.submit { () -> Int in
            let l = try TCPListener(loop: self.loop, host: "127.0.0.1", port: 0) { conn in
                conn.onClose = { e in closeError.set(e) }
            }
            _ = LoopTimer(loop: self.loop)  // left open on purpose
            return l.port
        }
        let client = try RawClient(port: port)
        XCTAssertTrue(waitUntil { (try? self.loop.submit { self.loop.openHandleCount }) == 3 })
        loop.shutdown(timeout: .seconds(5))
        XCTAssertEqual(closeError.get?.kind, .shutdown)
        XCTAssertTrue(client.readUntilClose(timeout: 2).closed, "the accepted socket was closed")
        // Work submitted after shutdown is dropped rather than run or crashing.
        let ran = Locked(false)
        loop.execute { ran.set(true) }
        usleep(20_000)
        XCTAssertFalse(ran.get)
        let t0 = Date()
        XCTAssertThrowsError(try loop.submit { 1 }) { XCTAssertEqual(($0 as? NetError)?.kind, .shutdown) }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1)
    }
}

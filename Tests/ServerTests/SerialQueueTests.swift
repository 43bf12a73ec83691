import Foundation
import XCTest
@testable import Server

/// `SerialQueue` runs one session's requests one at a time, in order, whether
/// each finishes before it returns or later on another thread.
final class SerialQueueTests: XCTestCase {
    func testOperationsThatFinishBeforeReturningRunInOrderOnTheSubmitter() {
        let queue = SerialQueue()
        var order: [Int] = []
        for i in 0..<5 {
            queue.submit { done in
                order.append(i)
                done()
            }
        }
        XCTAssertEqual(order, [0, 1, 2, 3, 4])
    }

    func testAnAsynchronousOperationHoldsTheNextUntilItsDone() {
        let queue = SerialQueue()
        let order = Recorder<String>()
        let firstDone = Recorder<() -> Void>()
        queue.submit { done in
            order.append("first starts")
            firstDone.append(done)
        }
        queue.submit { done in
            order.append("second")
            done()
        }
        XCTAssertEqual(order.values, ["first starts"], "the second must wait for the first's done")
        let done = firstDone.values[0]
        let finished = expectation(description: "drained on the completing thread")
        Thread {
            order.append("first done")
            done()
            finished.fulfill()
        }.start()
        wait(for: [finished], timeout: 10)
        XCTAssertEqual(order.values, ["first starts", "first done", "second"])
    }

    func testManyOperationsCompletedFromOtherThreadsRunEachOnceInOrder() {
        let queue = SerialQueue()
        let lock = NSLock()
        var order: [Int] = []
        var running = 0
        var overlapped = false
        let count = 500
        let all = expectation(description: "every operation ran")
        all.expectedFulfillmentCount = count
        for i in 0..<count {
            queue.submit { done in
                lock.withLock {
                    running += 1
                    if running > 1 { overlapped = true }
                    order.append(i)
                }
                let finish = {
                    lock.withLock { running -= 1 }
                    done()
                    all.fulfill()
                }
                // A mix: some finish at once, the rest on a global queue's thread.
                if i % 3 == 0 {
                    finish()
                } else {
                    let later = Unchecked(finish)
                    DispatchQueue.global().async { later.value() }
                }
            }
        }
        wait(for: [all], timeout: 30)
        XCTAssertFalse(lock.withLock { overlapped }, "two operations ran at once")
        XCTAssertEqual(lock.withLock { order }, Array(0..<count))
    }
}

/// Values appended from any thread.
private final class Recorder<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Value] = []
    func append(_ value: Value) { lock.withLock { stored.append(value) } }
    var values: [Value] { lock.withLock { stored } }
}

/// A closure handed to another thread; the test's own lock guards what it touches.
private struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

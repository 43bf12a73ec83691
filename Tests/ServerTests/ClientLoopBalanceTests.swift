import XCTest
@testable import Server

/// The listening client loop hands idle connections to the other client loops until each has about as many.
final class ClientLoopBalanceTests: XCTestCase {
    /// Replays the listener's side: `n` connections accepted, then each goes idle in turn
    /// until none moves. Returns the listener's count and the balance.
    private func settle(_ n: Int, otherLoops: Int) -> (listener: Int, balance: ClientLoopBalance, moved: [Int]) {
        let balance = ClientLoopBalance(otherLoops: otherLoops)
        var listener = n
        var moved = Array(repeating: 0, count: otherLoops)
        while let i = balance.place(listenerCount: listener) {
            listener -= 1
            moved[i] += 1
        }
        return (listener, balance, moved)
    }

    func testConnectionsSpreadEvenly() {
        for loops in 2...5 {
            for n in 0...70 {
                let (listener, balance, moved) = settle(n, otherLoops: loops - 1)
                let all = [listener] + moved
                XCTAssertEqual(all.reduce(0, +), n)
                XCTAssertEqual(balance.otherLoopConnections, n - listener)
                XCTAssertLessThanOrEqual(all.max()! - all.min()!, 1, "\(n) connections over \(loops) loops: \(all)")
                // The listener keeps the odd one: it accepts the next connections anyway.
                XCTAssertEqual(listener, all.max()!, "\(all)")
            }
        }
    }

    func testOneConnectionStaysOnTheListener() {
        let balance = ClientLoopBalance(otherLoops: 1)
        XCTAssertNil(balance.place(listenerCount: 1), "one client: no hop between loops for nothing")
        XCTAssertEqual(balance.place(listenerCount: 2), 0)
        XCTAssertNil(balance.place(listenerCount: 1))
    }

    func testTheLeastLoadedLoopGetsTheConnection() {
        let balance = ClientLoopBalance(otherLoops: 3)
        XCTAssertEqual(balance.place(listenerCount: 10), 0)
        XCTAssertEqual(balance.place(listenerCount: 9), 1)
        XCTAssertEqual(balance.place(listenerCount: 8), 2)
        balance.left(1)   // a client on the third loop closed
        XCTAssertEqual(balance.place(listenerCount: 7), 1, "its loop has room again")
        XCTAssertEqual(balance.place(listenerCount: 6), 0)
        XCTAssertEqual(balance.otherLoopConnections, 4)
    }

    /// Clients that leave the other loops make room there for the listener's next idle ones.
    func testLeavingConnectionsAreReplaced() {
        let (listener, balance, _) = settle(40, otherLoops: 1)
        XCTAssertEqual(listener, 20)
        for _ in 0..<10 { balance.left(0) }
        XCTAssertEqual(balance.otherLoopConnections, 10)
        var l = listener
        while balance.place(listenerCount: l) != nil { l -= 1 }
        XCTAssertEqual(l, 15)
        XCTAssertEqual(balance.otherLoopConnections, 15)
    }
}

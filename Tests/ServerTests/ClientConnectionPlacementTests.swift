import XCTest
@testable import Server

/// The node's loop serves client connections only while the node has at most `limit` of them.
final class ClientConnectionPlacementTests: XCTestCase {
    func testFewConnectionsAllMoveToTheNodeLoop() {
        let p = ClientConnectionPlacement(limit: 8)
        for n in (1...3).reversed() {
            p.clientLoopCount(n)   // as the client loop counts them before each move
            XCTAssertTrue(p.claim())
        }
        XCTAssertEqual(p.nodeLoopConnections, 3)
        XCTAssertFalse(p.isCrowded)
    }

    func testNoPlaceBeyondTheLimit() {
        let p = ClientConnectionPlacement(limit: 2)
        p.clientLoopCount(2)
        XCTAssertTrue(p.claim())
        p.clientLoopCount(1)
        XCTAssertTrue(p.claim())
        p.clientLoopCount(0)
        XCTAssertFalse(p.claim(), "no third place")
        XCTAssertEqual(p.nodeLoopConnections, 2)
    }

    /// More connections than places: none moves in, and those on the node's loop are asked back.
    func testACrowdedNodeServesNoneOnItsLoop() {
        let p = ClientConnectionPlacement(limit: 8)
        for n in (1...8).reversed() {
            p.clientLoopCount(n)
            XCTAssertTrue(p.claim())
        }
        p.clientLoopCount(56)   // 56 more clients connect to the client loop
        XCTAssertTrue(p.isCrowded)
        XCTAssertFalse(p.claim())
        for _ in 0..<8 { p.release() }   // each moves back (local's onConnectionClosed)
        p.clientLoopCount(64)
        XCTAssertEqual(p.nodeLoopConnections, 0)
        XCTAssertTrue(p.isCrowded)
        XCTAssertFalse(p.claim())
        // The clients leave until few remain: places are used again.
        p.clientLoopCount(5)
        XCTAssertFalse(p.isCrowded)
        XCTAssertTrue(p.claim())
        XCTAssertEqual(p.nodeLoopConnections, 1)
    }

    func testExactlyTheLimitIsNotCrowded() {
        let p = ClientConnectionPlacement(limit: 4)
        p.clientLoopCount(4)
        XCTAssertFalse(p.isCrowded)
        XCTAssertTrue(p.claim())
        p.clientLoopCount(4)   // one more connected: 1 + 4 > 4
        XCTAssertTrue(p.isCrowded)
        XCTAssertFalse(p.claim())
    }
}

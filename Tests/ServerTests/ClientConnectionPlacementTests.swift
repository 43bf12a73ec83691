import XCTest
@testable import Server

/// A node with peers serves client connections on its loop only while it has at most `limit` of them;
/// a node alone keeps its places whatever the number.
final class ClientConnectionPlacementTests: XCTestCase {
    func testFewConnectionsAllMoveToTheNodeLoop() {
        let p = ClientConnectionPlacement(limit: 8, hasPeers: true)
        for n in (1...3).reversed() {
            p.clientLoopCount(n)   // as the client loop counts them before each move
            XCTAssertTrue(p.claim())
        }
        XCTAssertEqual(p.nodeLoopConnections, 3)
        XCTAssertFalse(p.isCrowded)
    }

    func testNoPlaceBeyondTheLimit() {
        let p = ClientConnectionPlacement(limit: 2, hasPeers: true)
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
        let p = ClientConnectionPlacement(limit: 8, hasPeers: true)
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
        let p = ClientConnectionPlacement(limit: 4, hasPeers: true)
        p.clientLoopCount(4)
        XCTAssertFalse(p.isCrowded)
        XCTAssertTrue(p.claim())
        p.clientLoopCount(4)   // one more connected: 1 + 4 > 4
        XCTAssertTrue(p.isCrowded)
        XCTAssertFalse(p.claim())
    }

    func testANodeAloneKeepsItsPlacesWhenCrowded() {
        let p = ClientConnectionPlacement(limit: 8, hasPeers: false)
        p.clientLoopCount(64)
        XCTAssertFalse(p.isCrowded)
        for n in (57...64).reversed() {
            p.clientLoopCount(n)
            XCTAssertTrue(p.claim())
        }
        p.clientLoopCount(56)
        XCTAssertFalse(p.claim(), "no ninth place")
        XCTAssertEqual(p.nodeLoopConnections, 8)
        // It joins a cluster: crowded now, so its connections go back to the client loop.
        p.hasPeers(true)
        XCTAssertTrue(p.isCrowded)
        p.hasPeers(false)
        XCTAssertFalse(p.isCrowded)
    }
}

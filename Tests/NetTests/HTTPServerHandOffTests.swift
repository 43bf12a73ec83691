import Foundation
import XCTest
@testable import Net

/// Answers with the name of the loop that served the request.
private struct LoopNameHandler: HTTPHandler {
    let loop: EventLoop
    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        precondition(loop.inEventLoop)
        respond(.text(loop.name))
    }
}

/// A listener's connections move to a server on another loop (the node's loop
/// serving a few client connections itself) between two requests, TLS session
/// and all; never before their first request is answered.
final class HTTPServerHandOffTests: LoopTestCase {
    private var other: EventLoop!

    override func setUpWithError() throws {
        try super.setUpWithError()
        other = try EventLoop(name: "net-test-other")
        other.start()
    }

    override func tearDown() {
        other?.shutdown(timeout: .seconds(10))
        other = nil
        super.tearDown()
    }

    private func servers(tls: TLSContext?) -> (listener: HTTPServer, local: HTTPServer) {
        var config = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        config.tls = tls
        return (HTTPServer(loop: loop, configuration: config, handler: LoopNameHandler(loop: loop)),
                HTTPServer(loop: other, configuration: config, handler: LoopNameHandler(loop: other)))
    }

    func testADescriptorThatCannotBeOpenedFreesItsPlace() throws {
        let (_, local) = servers(tls: nil)
        let closed = Locked(0)
        local.onConnectionClosed = { closed.with { $0 += 1 } }
        try other.submit { local.adopt(MovedConnection(descriptor: -1, tls: nil)) }
        XCTAssertEqual(closed.get, 1)
        XCTAssertEqual(try other.submit { local.connectionCount }, 0)
    }

    /// One end of a connected socket pair, the other end for the test to watch.
    private func socketPair() -> (moved: Int32, peer: Int32) {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        return (fds[0], fds[1])
    }

    /// True once the peer reads end-of-file: every descriptor of the other end is closed.
    private func peerSeesEnd(_ peer: Int32) -> Bool {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        return recv(peer, &byte, 1, 0) == 0
    }

    /// A connection on its way to a loop that shut down before taking it (the
    /// closure that carried it dropped) closes its descriptor: no leak, and the
    /// client sees the end.
    func testAMovedConnectionNobodyTakesIsClosed() {
        let (fd, peer) = socketPair()
        defer { close(peer) }
        var moved: MovedConnection? = MovedConnection(descriptor: fd, tls: nil)
        XCTAssertNotNil(moved)
        moved = nil
        XCTAssertTrue(peerSeesEnd(peer))
    }

    func testAConnectionMovedToAStoppedServerIsClosed() throws {
        let (_, local) = servers(tls: nil)
        let closed = Locked(0)
        local.onConnectionClosed = { closed.with { $0 += 1 } }
        try other.submit { local.stop() }
        let (fd, peer) = socketPair()
        defer { close(peer) }
        try other.submit { local.adopt(MovedConnection(descriptor: fd, tls: nil)) }
        XCTAssertTrue(peerSeesEnd(peer))
        XCTAssertEqual(closed.get, 1)
        XCTAssertEqual(try other.submit { local.connectionCount }, 0)
    }

    func testAnIdleTLSConnectionMovesBetweenRequestsAndKeepsItsSession() throws {
        let (listener, local) = servers(tls: try serverContext(mutual: false))
        let allowed = Locked(false), closed = Locked(0)
        local.onConnectionClosed = { closed.with { $0 += 1 } }
        listener.relocate = { allowed.get ? local : nil }
        try loop.submit { try listener.start() }
        let client = try connectHTTP(port: listener.port, tls: try clientContext(nil))
        XCTAssertEqual(try request(client, .init(method: "GET", target: "/1")).bodyText, "net-test-loop")
        allowed.set(true)  // the next idle moment moves it
        XCTAssertEqual(try request(client, .init(method: "GET", target: "/2")).bodyText, "net-test-loop")
        let body = String(repeating: "b", count: 100_000)  // many TLS records, on the new loop
        for i in 3...5 {
            let r = try request(client, .init(method: "POST", target: "/\(i)", body: Array(body.utf8)))
            XCTAssertEqual(r.bodyText, "net-test-other", "request \(i)")
        }
        XCTAssertEqual(try loop.submit { listener.stats.connectionsMovedOut }, 1)
        XCTAssertEqual(try loop.submit { listener.connectionCount }, 0)
        XCTAssertEqual(try other.submit { local.stats.connectionsMovedIn }, 1)
        XCTAssertEqual(try other.submit { local.stats.requests }, 3)
        XCTAssertTrue(try loop.submit { client.isOpen }, "one connection throughout")
        loop.execute { client.close() }
        XCTAssertTrue(waitUntil { closed.get == 1 })
    }

    func testPipelinedRequestsAreAnsweredInOrderAcrossAMove() throws {
        let (listener, local) = servers(tls: nil)
        listener.relocate = { local }
        try loop.submit { try listener.start() }
        let c = try RawClient(port: listener.port)
        c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        // Relocation is always allowed, yet the first request is the listener's own.
        XCTAssertTrue(c.readUntil("net-test-loop", timeout: 5).hasPrefix("HTTP/1.1 200"))
        // Moved after the first answer; three more requests in one write.
        c.send(String(repeating: "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", count: 3))
        var text = ""
        let deadline = Date().addingTimeInterval(5)
        while text.components(separatedBy: "net-test-other").count < 4 && Date() < deadline {
            guard let bytes = c.receive(timeout: 0.5) else { break }
            text += String(decoding: bytes, as: UTF8.self)
        }
        XCTAssertEqual(text.components(separatedBy: "HTTP/1.1 200").count, 4, text)
        XCTAssertFalse(text.contains("net-test-loop"), text)
        XCTAssertEqual(try other.submit { local.stats.requests }, 3)
    }

    /// Sixteen TLS connections, 25 requests each with bodies of 0–64 KB,
    /// while both servers move every idle connection to the other with
    /// probability ½ (seeded): every answer must be the checksum of its own
    /// request's body, whichever loop gave it, and nothing may be lost.
    func testConnectionsMovingBackAndForthKeepEveryAnswer() throws {
        var config = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        config.tls = try serverContext(mutual: false)
        let a = HTTPServer(loop: loop, configuration: config, handler: DigestHandler(loop: loop))
        let b = HTTPServer(loop: other, configuration: config, handler: DigestHandler(loop: other))
        let coin = Locked(UInt64(0x5EED_0F_A11))
        func flip() -> Bool {
            coin.with { state in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return state >> 63 == 1
            }
        }
        a.relocate = { flip() ? b : nil }
        b.relocate = { flip() ? a : nil }
        try loop.submit { try a.start() }
        let clientTLS = try clientContext(nil)
        let clients = try (0..<16).map { _ in try connectHTTP(port: a.port, tls: clientTLS) }
        var loopsSeen = Set<String>()
        for round in 0..<25 {
            for (i, client) in clients.enumerated() {
                let size = (round * 7919 + i * 104_729) % 65_536
                let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ round &+ i) }
                let r = try request(client, .init(method: "POST", target: "/\(round)/\(i)", body: body))
                let parts = r.bodyText.split(separator: " ")
                XCTAssertEqual(parts.last.map(String.init), fnv1a(body), "round \(round) client \(i)")
                if let name = parts.first { loopsSeen.insert(String(name)) }
            }
        }
        XCTAssertEqual(loopsSeen, ["net-test-loop", "net-test-other"])
        let movedA = try loop.submit { (a.stats.connectionsMovedIn, a.stats.connectionsMovedOut, a.stats.requests) }
        let movedB = try other.submit { (b.stats.connectionsMovedIn, b.stats.connectionsMovedOut, b.stats.requests) }
        XCTAssertGreaterThan(movedA.1, 50, "connections moved away from the listener's loop many times")
        XCTAssertGreaterThan(movedB.1, 50, "and back")
        XCTAssertEqual(movedA.2 + movedB.2, 16 * 25, "every request answered once")
        for c in clients { loop.execute { c.close() } }
    }
}

/// Answers `<loop name> <FNV-1a of the body>`.
private struct DigestHandler: HTTPHandler {
    let loop: EventLoop
    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        precondition(loop.inEventLoop)
        respond(.text("\(loop.name) \(fnv1a(request.body))"))
    }
}

/// FNV-1a, 64 bits, in hex: a body's fingerprint.
private func fnv1a(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return String(h, radix: 16)
}

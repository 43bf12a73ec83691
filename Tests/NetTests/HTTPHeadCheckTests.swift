import Foundation
import XCTest
@testable import Net

/// Refuses heads carrying `X-Reject` (403) and caps bodies of `/small` at 10
/// bytes; counts requests that reach `handle`.
final class HeadCheckingHandler: HTTPHandler, @unchecked Sendable {
    let handled = Locked(0)
    /// Each handled request's `headContext` (an `X-Note` value the head check passed on), in order.
    let contexts = Locked<[String?]>([])
    let lastHeaders = Locked<HTTPHeaders?>(nil)

    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        handled.with { $0 += 1 }
        contexts.with { $0.append(request.headContext as? String) }
        lastHeaders.set(request.headers)
        let body = request.body.count <= 64 ? request.bodyText : "\(request.body.count) bytes"
        respond(.text("\(request.method) \(request.target) \(body)"))
    }

    func shouldAccept(_ head: HTTPRequest, contentLength: Int?) -> HTTPHeadDecision {
        if head.headers.contains("X-Reject") { return .reject(.text("refused\n", status: 403)) }
        if head.path == "/small" { return .accept(maxBodyBytes: 10) }
        if let note = head.headers["X-Note"] { return .accept(maxBodyBytes: nil, context: note) }
        return .accept
    }
}

final class HTTPHeadCheckTests: LoopTestCase {
    private func startServer(_ handler: HTTPHandler,
                             _ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        var config = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configure(&config)
        let server = HTTPServer(loop: loop, configuration: config, handler: handler)
        try loop.submit { try server.start() }
        return server
    }

    private func stats(_ server: HTTPServer) -> HTTPServerStats {
        (try? loop.submit { server.stats }) ?? HTTPServerStats()
    }

    func testRefusedHeadIsAnsweredWithoutItsBodyAndClosed() throws {
        let handler = HeadCheckingHandler()
        let server = try startServer(handler)
        let c = try RawClient(port: server.port)
        // Headers only: the answer must not wait for the 8 MB announced.
        c.send("POST / HTTP/1.1\r\nHost: x\r\nX-Reject: 1\r\nContent-Length: 8000000\r\n\r\n")
        let started = Date()
        let (bytes, closed) = c.readUntilClose(timeout: 5)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 403 Forbidden\r\n"), text)
        XCTAssertTrue(text.contains("Connection: close\r\n"), text)
        XCTAssertTrue(text.hasSuffix("refused\n"), text)
        XCTAssertTrue(closed, "the connection closes after a refusal")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertEqual(handler.handled.get, 0, "a refused request never reaches handle")
        XCTAssertEqual(stats(server).rejectedHeads, 1)
        XCTAssertEqual(try loop.submit { server.bufferedBodyBytes }, 0)

        // An accepted request on the same server still works.
        let ok = try RawClient(port: server.port)
        ok.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        XCTAssertTrue(ok.readUntil("POST /p abc", timeout: 5).contains("POST /p abc"))
    }

    func testTheHeadChecksContextReachesHandleWithItsOwnRequestOnly() throws {
        let handler = HeadCheckingHandler()
        let server = try startServer(handler)
        let c = try RawClient(port: server.port)
        // Three requests on one connection: with a note, without one (nothing carried over), with another.
        c.send("POST /a HTTP/1.1\r\nHost: x\r\nX-Note: one\r\nContent-Length: 1\r\n\r\na")
        XCTAssertTrue(c.readUntil("POST /a a", timeout: 5).contains("POST /a a"))
        c.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nb")
        XCTAssertTrue(c.readUntil("POST /b b", timeout: 5).contains("POST /b b"))
        c.send("POST /c HTTP/1.1\r\nHost: x\r\nX-Note: three\r\nContent-Length: 1\r\n\r\nc")
        XCTAssertTrue(c.readUntil("POST /c c", timeout: 5).contains("POST /c c"))
        // Chunked, with trailers: they are dropped, so the headers are still the ones checked.
        c.send("POST /d HTTP/1.1\r\nHost: x\r\nX-Note: four\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nd\r\n0\r\n"
               + "X-Late: 1\r\nX-Note: forged\r\nX-Later: 2\r\n\r\n")
        XCTAssertTrue(c.readUntil("POST /d d", timeout: 5).contains("POST /d d"))
        XCTAssertEqual(handler.contexts.get, ["one", nil, "three", "four"])
        XCTAssertEqual(handler.lastHeaders.get?.entries.map(\.name).sorted(), ["host", "transfer-encoding", "x-note"])
        XCTAssertEqual(handler.lastHeaders.get?.values("X-Note"), ["four"])
    }

    func testHandlerLowersTheBodyLimitForLengthAndChunks() throws {
        let handler = HeadCheckingHandler()
        let server = try startServer(handler)
        let c = try RawClient(port: server.port)
        c.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")
        let t = String(decoding: c.readUntilClose(timeout: 5).bytes, as: UTF8.self)
        XCTAssertTrue(t.hasPrefix("HTTP/1.1 413"), t)
        let c2 = try RawClient(port: server.port)
        c2.send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n")
        let t2 = String(decoding: c2.readUntilClose(timeout: 5).bytes, as: UTF8.self)
        XCTAssertTrue(t2.hasPrefix("HTTP/1.1 413"), t2)
        let c3 = try RawClient(port: server.port)
        c3.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
        XCTAssertTrue(c3.readUntil("0123456789", timeout: 5).contains("POST /small 0123456789"))
        XCTAssertEqual(handler.handled.get, 1)
    }

    func testBufferedBodiesAreBoundedAcrossConnections() throws {
        let limit = 16 * 1024 * 1024
        let server = try startServer(HeadCheckingHandler()) {
            $0.maxBodyBytes = 8 * 1024 * 1024
            $0.maxBufferedBodyBytes = limit
        }
        // 100 connections each announce 8 MiB (800 MiB in all) and send none of it.
        var clients: [RawClient] = []
        for _ in 0..<100 {
            let c = try RawClient(port: server.port)
            c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 8388608\r\n\r\n")
            clients.append(c)
        }
        var refused = 0
        var waiting: [RawClient] = []
        for c in clients {
            let (bytes, closed) = c.readUntilClose(timeout: 0.3)
            let text = String(decoding: bytes, as: UTF8.self)
            if closed && text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n") {
                XCTAssertTrue(text.contains("Retry-After: 1\r\n"), text)
                refused += 1
            } else {
                XCTAssertTrue(bytes.isEmpty, text)
                waiting.append(c)
            }
        }
        XCTAssertEqual(refused, 98, "only two 8 MiB bodies fit in 16 MiB")
        XCTAssertEqual(waiting.count, 2)
        let s = stats(server)
        XCTAssertLessThanOrEqual(s.peakBufferedBodyBytes, limit)
        XCTAssertEqual(s.bodyBudgetRefusals, 98)
        XCTAssertEqual(try loop.submit { server.bufferedBodyBytes }, limit)

        // Finishing a body hands it to the handler and frees its share.
        let body = [UInt8](repeating: 0x61, count: 8 * 1024 * 1024)
        waiting[0].send(body)
        let answer = waiting[0].readUntil("POST /up 8388608 bytes", timeout: 10)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), answer)
        XCTAssertTrue(waitUntil(5) { (try? self.loop.submit { server.bufferedBodyBytes }) == limit / 2 })
        // Closing a connection mid-body frees its share too.
        waiting.removeAll()
        clients.removeAll()
        XCTAssertTrue(waitUntil(5) { (try? self.loop.submit { server.bufferedBodyBytes }) == 0 })
        let after = try RawClient(port: server.port)
        after.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        XCTAssertTrue(after.readUntil("POST /p abc", timeout: 5).contains("POST /p abc"))
    }
}

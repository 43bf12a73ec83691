import Foundation
import XCTest
@testable import Net

/// Echoes method, target and body; `/slow?ms=N` answers after N ms, from a timer.
struct EchoHandler: HTTPHandler {
    let loop: EventLoop
    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        let text = "\(request.method) \(request.target) \(request.bodyText)"
        if request.path == "/slow", let ms = request.query.flatMap({ Int($0.dropFirst(3)) }) {
            loop.scheduleTimer(after: .milliseconds(ms)) { respond(.text(text)) }
        } else if request.path == "/offload" {
            // Answer from another thread, as a handler waiting on other work might.
            loop.offload(work: { respond(.text(text)) }, then: {})
        } else {
            respond(.text(text))
        }
    }
}

/// A generated body of `length` bytes (byte i = i % 251), produced on demand.
final class PatternSource: HTTPBodySource, @unchecked Sendable {
    let total: Int
    let produced = Locked(0)
    init(length: Int) { total = length }
    var length: Int? { total }
    static let pattern: [UInt8] = (0..<(251 * 600)).map { UInt8($0 % 251) }
    /// Bytes [start, start+n) of the pattern (n <= 251 * 599).
    static func slice(_ start: Int, _ n: Int) -> ArraySlice<UInt8> { pattern[(start % 251)..<(start % 251 + n)] }
    func nextChunk(maxBytes: Int) -> [UInt8]? {
        let start = produced.get
        let n = min(maxBytes, total - start, 251 * 599)
        guard n > 0 else { return nil }
        produced.set(start + n)
        return Array(PatternSource.slice(start, n))
    }
}

final class HTTPServerTests: LoopTestCase {
    private func startServer(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in },
                             handler: HTTPHandler? = nil) throws -> HTTPServer {
        var config = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configure(&config)
        let server = HTTPServer(loop: loop, configuration: config, handler: handler ?? EchoHandler(loop: loop))
        try loop.submit { try server.start() }
        return server
    }

    private func stats(_ server: HTTPServer) -> HTTPServerStats {
        (try? loop.submit { server.stats }) ?? HTTPServerStats()
    }

    func testGetAndPostOverTLSWithKeepAlive() throws {
        let tls = try serverContext(mutual: false)
        let server = try startServer { $0.tls = tls }
        let client = try connectHTTP(port: server.port, tls: try clientContext(nil))
        let r1 = try request(client, .init(method: "GET", target: "/a?x=1"))
        XCTAssertEqual(r1.status, 200)
        XCTAssertEqual(r1.bodyText, "GET /a?x=1 ")
        XCTAssertEqual(r1.headers["Content-Type"], "text/plain; charset=utf-8")
        let body = String(repeating: "ledger ", count: 5000)
        let r2 = try request(client, .init(method: "POST", target: "/echo", headers: ["X-Amz-Target": "QLDBSession.SendCommand"],
                                           body: Array(body.utf8)))
        XCTAssertEqual(r2.bodyText, "POST /echo \(body)")
        let r3 = try request(client, .init(method: "GET", target: "/slow?ms=30"))
        XCTAssertEqual(r3.bodyText, "GET /slow?ms=30 ")
        let r4 = try request(client, .init(method: "GET", target: "/offload"))
        XCTAssertEqual(r4.bodyText, "GET /offload ")
        let s = stats(server)
        XCTAssertEqual(s.connectionsAccepted, 1, "all requests used one connection")
        XCTAssertEqual(s.requests, 4)
    }

    /// The client writes its own `Host` (unless given one) and `Content-Length`
    /// (a caller's, in any case, is dropped), every other header as given (the
    /// server hands names over lower-cased).
    func testClientWritesHostAndContentLengthItself() throws {
        struct HeadersEcho: HTTPHandler {
            func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
                respond(.text(request.headers.map { "\($0.name)=\($0.value)" }.joined(separator: "\n") + "\n" + request.bodyText))
            }
        }
        let server = try startServer(handler: HeadersEcho())
        let client = try connectHTTP(port: server.port, tls: nil)
        let r1 = try request(client, .init(method: "POST", target: "/h",
                                           headers: ["X-Amz-Target": "a b", "CONTENT-length": "999"], body: Array("ledger".utf8)))
        XCTAssertEqual(r1.bodyText, "host=127.0.0.1\nx-amz-target=a b\ncontent-length=6\nledger")
        let r2 = try request(client, .init(method: "GET", target: "/h", headers: ["host": "example:1"]))
        XCTAssertEqual(r2.bodyText, "host=example:1\n")
        let r3 = try request(client, .init(method: "PUT", target: "/h"))
        XCTAssertEqual(r3.bodyText, "host=127.0.0.1\ncontent-length=0\n")
    }

    /// A handler that answers one request twice (a bug, or a race between a
    /// timeout and the work) gets one answer written, the first to reach the
    /// loop; the other is dropped, and the next request gets its own.
    func testASecondAnswerToOneRequestIsDropped() throws {
        struct TwiceHandler: HTTPHandler {
            let loop: EventLoop
            func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
                if request.path == "/twice-here" {
                    respond(.text("first \(request.target)"))
                    respond(.text("second \(request.target)"))
                } else if request.path == "/twice-elsewhere" {
                    // The first from a pool thread, the second on the loop once that one is in.
                    loop.offload(work: { respond(.text("first \(request.target)")) },
                                 then: { respond(.text("second \(request.target)")) })
                } else {
                    respond(.text("once \(request.target)"))
                }
            }
        }
        let server = try startServer(handler: TwiceHandler(loop: loop))
        let client = try connectHTTP(port: server.port, tls: nil)
        for round in 0..<3 {
            XCTAssertEqual(try request(client, .init(method: "GET", target: "/twice-here?\(round)")).bodyText,
                           "first /twice-here?\(round)")
            XCTAssertEqual(try request(client, .init(method: "GET", target: "/plain?\(round)")).bodyText,
                           "once /plain?\(round)")
            // Whichever answer reaches the loop first is sent (the pool's may queue behind the loop's).
            let either = try request(client, .init(method: "GET", target: "/twice-elsewhere?\(round)")).bodyText
            XCTAssertTrue(["first /twice-elsewhere?\(round)", "second /twice-elsewhere?\(round)"].contains(either), either)
            XCTAssertEqual(try request(client, .init(method: "GET", target: "/plain?b\(round)")).bodyText,
                           "once /plain?b\(round)")
        }
        XCTAssertEqual(stats(server).connectionsAccepted, 1, "one connection throughout")
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let server = try startServer()
        let c = try RawClient(port: server.port)
        // The first answers last if handled concurrently; it must still come first.
        c.send("GET /slow?ms=120 HTTP/1.1\r\nHost: x\r\n\r\nGET /slow?ms=10 HTTP/1.1\r\nHost: x\r\n\r\n"
               + "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        let text = c.readUntil("POST /p abc", timeout: 5)
        let a = text.range(of: "GET /slow?ms=120")?.lowerBound
        let b = text.range(of: "GET /slow?ms=10 ")?.lowerBound
        let p = text.range(of: "POST /p abc")?.lowerBound
        XCTAssertNotNil(a); XCTAssertNotNil(b); XCTAssertNotNil(p)
        if let a, let b, let p { XCTAssertTrue(a < b && b < p, text) }
        XCTAssertEqual(text.components(separatedBy: "HTTP/1.1 200 OK").count - 1, 3)
    }

    /// The head is written by the server: a handler's framing fields (any case) are replaced by its own,
    /// a field with CR or LF is dropped, the rest are kept as given.
    func testResponseHeadKeepsHandlerFieldsButNotFramingOrSplitting() throws {
        struct Handler: HTTPHandler {
            func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
                respond(HTTPResponse(status: 201, headers: ["content-LENGTH": "999", "Transfer-Encoding": "chunked",
                                                            "X-Split": "a\r\nInjected: 1", "X-Kept": "yes",
                                                            "Connection": "close"],
                                     body: Array("hello".utf8)))
            }
        }
        let server = try startServer(handler: Handler())
        let c = try RawClient(port: server.port)
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let (bytes, closed) = c.readUntilClose(timeout: 5)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 201 Created\r\n"), text)
        XCTAssertTrue(text.contains("\r\nX-Kept: yes\r\n"), text)
        XCTAssertTrue(text.contains("\r\nContent-Length: 5\r\n"), text)
        XCTAssertTrue(text.contains("\r\nConnection: close\r\n"), text)
        XCTAssertFalse(text.contains("999") || text.contains("chunked") || text.contains("Injected"), text)
        XCTAssertTrue(text.hasSuffix("\r\n\r\nhello"), text)
        XCTAssertTrue(closed)
    }

    func testOversizeBodyGets413AndClose() throws {
        let server = try startServer { $0.maxBodyBytes = 1024 }
        let c = try RawClient(port: server.port)
        c.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
        let (bytes, closed) = c.readUntilClose(timeout: 5)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"), text)
        XCTAssertTrue(text.contains("Connection: close"))
        XCTAssertTrue(closed)
        // A chunked body that grows past the limit is refused too.
        let c2 = try RawClient(port: server.port)
        c2.send("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "400\r\n" + String(repeating: "a", count: 1024) + "\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n")
        let t2 = String(decoding: c2.readUntilClose(timeout: 5).bytes, as: UTF8.self)
        XCTAssertTrue(t2.hasPrefix("HTTP/1.1 413"), t2)
        // A body within the limit, chunked, is accepted.
        let c3 = try RawClient(port: server.port)
        c3.send("POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        XCTAssertTrue(c3.readUntil("POST /ok hello", timeout: 5).contains("POST /ok hello"))
        XCTAssertEqual(stats(server).badRequests, 2)
    }

    func testOversizeHeadersGet431() throws {
        let server = try startServer { $0.maxHeaderBytes = 512 }
        let c = try RawClient(port: server.port)
        c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 2000))\r\n\r\n")
        let (bytes, closed) = c.readUntilClose(timeout: 5)
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 431"))
        XCTAssertTrue(closed)
    }

    func testGarbageGets400AndClose() throws {
        let server = try startServer()
        let c = try RawClient(port: server.port)
        c.send("\u{16}\u{03}\u{01} this is not http\r\n\r\n")
        let (bytes, closed) = c.readUntilClose(timeout: 5)
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        XCTAssertTrue(closed)
        // Garbage after a good request on the same connection: the good one is answered first.
        let c2 = try RawClient(port: server.port)
        c2.send("GET /fine HTTP/1.1\r\nHost: x\r\n\r\nBROKEN\u{0}\r\n\r\n")
        let (b2, closed2) = c2.readUntilClose(timeout: 5)
        let t2 = String(decoding: b2, as: UTF8.self)
        XCTAssertTrue(t2.hasPrefix("HTTP/1.1 200 OK"), t2)
        XCTAssertTrue(t2.contains("HTTP/1.1 400 Bad Request"), t2)
        XCTAssertTrue(closed2)
    }

    func testHeaderTimeoutClosesSilentAndSlowConnections() throws {
        let server = try startServer {
            $0.headerTimeout = .milliseconds(300)
            $0.idleTimeout = .milliseconds(600)
        }
        // Silent: connects and sends nothing.
        let start = Date()
        let silent = try RawClient(port: server.port)
        let (b1, closed1) = silent.readUntilClose(timeout: 5)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertTrue(closed1)
        XCTAssertTrue(b1.isEmpty)
        XCTAssertGreaterThanOrEqual(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 2.0)
        // Slow: a request line and then nothing: 408 and close.
        let slow = try RawClient(port: server.port)
        slow.send("GET / HTTP/1.1\r\nHost: x\r\n")
        let (b2, closed2) = slow.readUntilClose(timeout: 5)
        XCTAssertTrue(String(decoding: b2, as: UTF8.self).hasPrefix("HTTP/1.1 408 Request Timeout"))
        XCTAssertTrue(closed2)
        // Idle: one request, then silence past the idle timeout.
        let idle = try RawClient(port: server.port)
        idle.send("GET /once HTTP/1.1\r\nHost: x\r\n\r\n")
        let t0 = Date()
        let (b3, closed3) = idle.readUntilClose(timeout: 5)
        XCTAssertTrue(String(decoding: b3, as: UTF8.self).contains("GET /once"))
        XCTAssertTrue(closed3)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(t0), 0.5)
        XCTAssertEqual(stats(server).timeouts, 2)
        XCTAssertTrue(waitUntil { (try? self.loop.submit { server.connectionCount }) == 0 })
    }

    func testHTTP10AndConnectionCloseEndTheConnection() throws {
        let server = try startServer()
        let c = try RawClient(port: server.port)
        c.send("GET /old HTTP/1.0\r\n\r\n")
        let (b, closed) = c.readUntilClose(timeout: 5)
        let t = String(decoding: b, as: UTF8.self)
        XCTAssertTrue(t.contains("Connection: close") && t.hasSuffix("GET /old "), t)
        XCTAssertTrue(closed)
        let c2 = try RawClient(port: server.port)
        c2.send("GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(c2.readUntilClose(timeout: 5).closed)
    }

    /// A 16 MB streamed response to a client that stops reading: the server
    /// pulls from the body only while the socket drains, so its buffering stays
    /// near the high-water mark, and the client still gets every byte.
    func testLargeResponseToSlowReaderStaysBounded() throws {
        let total = 16 * 1024 * 1024
        let source = PatternSource(length: total)
        let marks = WriteWatermarks(high: 256 * 1024, low: 64 * 1024)
        let server = try startServer({ $0.watermarks = marks },
                                     handler: HTTPHandlerFunction { _, respond in respond(HTTPResponse(stream: source)) })
        let c = try RawClient(port: server.port, receiveBuffer: 64 * 1024)
        c.send("GET /export HTTP/1.1\r\nHost: x\r\n\r\n")
        var got = c.receive(timeout: 2) ?? []
        // Stall the reader.
        usleep(500_000)
        let producedWhileStalled = source.produced.get
        XCTAssertLessThan(producedWhileStalled, total / 2, "the server did not race ahead of a stalled reader")
        // Read the rest slowly at first, then fast.
        var reads = 0
        while got.count < total + 200, reads < 100_000 {
            guard let chunk = c.receive(max: 256 * 1024, timeout: 2), !chunk.isEmpty else { break }
            got += chunk
            reads += 1
            if reads < 20 { usleep(10_000) }
            if let end = headerEnd(got), got.count - end >= total { break }
        }
        guard let end = headerEnd(got) else { return XCTFail("no response head") }
        let head = String(decoding: got[0..<end], as: UTF8.self)
        XCTAssertTrue(head.contains("Content-Length: \(total)"))
        let body = got[end...]
        XCTAssertEqual(body.count, total)
        var intact = true
        var offset = 0
        while offset < body.count && intact {
            let n = min(65536, body.count - offset)
            intact = body[(body.startIndex + offset)..<(body.startIndex + offset + n)].elementsEqual(PatternSource.slice(offset, n))
            offset += n
        }
        XCTAssertTrue(intact, "body bytes intact")
        let peak = stats(server).peakPendingWriteBytes
        XCTAssertLessThanOrEqual(peak, marks.high + 64 * 1024 + 1024, "peak server write buffer \(peak)")
    }

    private func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    func testChunkedStreamedResponseThroughClient() throws {
        final class Unsized: HTTPBodySource {
            var left = 3
            var length: Int? { nil }
            func nextChunk(maxBytes: Int) -> [UInt8]? {
                guard left > 0 else { return nil }
                left -= 1
                return Array("part\(left);".utf8)
            }
        }
        let server = try startServer(handler: HTTPHandlerFunction { _, respond in respond(HTTPResponse(stream: Unsized())) })
        let client = try connectHTTP(port: server.port, tls: nil)
        let r = try request(client, .init(target: "/chunks"))
        XCTAssertEqual(r.bodyText, "part2;part1;part0;")
        XCTAssertEqual(r.headers["Transfer-Encoding"], "chunked")
        let r2 = try request(client, .init(method: "HEAD", target: "/chunks"))
        XCTAssertEqual(r2.status, 200)
        XCTAssertTrue(r2.bodyBytes.isEmpty)
    }

    /// Sequential keep-alive requests over TLS, driven on the loop: a sanity
    /// figure for latency (debug build; prints the rate).
    func testKeepAliveRequestRateOverTLS() throws {
        let tls = try serverContext(mutual: false)
        let server = try startServer { $0.tls = tls }
        let client = try connectHTTP(port: server.port, tls: try clientContext(nil))
        let count = 2000
        let done = DispatchSemaphore(value: 0)
        let ok = Locked(0)
        let start = Date()
        loop.execute {
            func next(_ i: Int) {
                guard i < count else { done.signal(); return }
                client.send(.init(method: "POST", target: "/", body: Array("{\"n\":\(i)}".utf8))) { r in
                    if case .success(let resp) = r, resp.status == 200 { ok.with { $0 += 1 } }
                    next(i + 1)
                }
            }
            next(0)
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(ok.get, count)
        print("keep-alive HTTPS: \(count) requests in \(String(format: "%.3f", elapsed)) s = "
              + "\(Int(Double(count) / elapsed)) req/s, mean \(String(format: "%.1f", elapsed / Double(count) * 1e6)) µs (client and server on one loop)")
        XCTAssertEqual(stats(server).connectionsAccepted, 1)
    }

    /// The connection logic over an in-memory stream: no sockets involved.
    func testServerConnectionOverFakeStream() throws {
        let result = try loop.submit { () -> (String, Bool) in
            let fake = FakeStream()
            let conn = HTTPServerConnection(stream: fake, loop: self.loop, configuration: HTTPServerConfiguration(),
                                            handler: HTTPHandlerFunction { req, respond in
                                                var h = HTTPHeaders()
                                                h.add("X-Path", req.path)
                                                h.add("X-Evil", "a\r\nSet-Cookie: x=1")  // dropped
                                                respond(HTTPResponse(status: 201, headers: h, body: req.body))
                                            })
            fake.deliver("PUT /ledgers/l1?x=1 HTTP/1.1\r\nHost: a\r\nContent-Le")
            fake.deliver("ngth: 4\r\n\r\nab")
            fake.deliver("cdGET /two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            _ = conn
            return (fake.writtenText, fake.closed)
        }
        XCTAssertEqual(result.0,
                       "HTTP/1.1 201 Created\r\nX-Path: /ledgers/l1\r\nContent-Length: 4\r\n\r\nabcd"
                       + "HTTP/1.1 201 Created\r\nX-Path: /two\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(result.1)
    }

    func testCurlInterop() throws {
        // scripts/setup-deps installs curl; its absence is a setup failure.
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "curl not installed")
        let certs = try TestCerts.get()
        let tls = try serverContext(mutual: false)
        let server = try startServer { $0.tls = tls }
        let base = "https://127.0.0.1:\(server.port)"
        let (s1, out1) = try runProgram("/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", certs.path("ca"),
                                                  "\(base)/a", "\(base)/b", "-d", "posted", "-w", " [%{http_code} %{num_connects}]"])
        XCTAssertEqual(s1, 0, out1)
        XCTAssertEqual(out1, "POST /a posted [200 1]POST /b posted [200 0]", "two requests, one connection")
        let (s2, out2) = try runProgram("/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", certs.path("ca"), "\(base)/get?q=1"])
        XCTAssertEqual(s2, 0, out2)
        XCTAssertEqual(out2, "GET /get?q=1 ")
        // curl refuses a server whose CA it was not given.
        let (s3, _) = try runProgram("/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", certs.path("other-ca"), "\(base)/x"])
        XCTAssertNotEqual(s3, 0)
        // TLS 1.2 only.
        let (s4, out4) = try runProgram("/usr/bin/curl", ["-sS", "--max-time", "10", "--tls-max", "1.2", "--cacert", certs.path("ca"), "\(base)/v12"])
        XCTAssertEqual(s4, 0, out4)
        XCTAssertEqual(out4, "GET /v12 ")
        XCTAssertEqual(stats(server).connectionsAccepted, 4)
    }

    func testCurlMutualTLS() throws {
        // scripts/setup-deps installs curl; its absence is a setup failure.
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "curl not installed")
        let certs = try TestCerts.get()
        let tls = try serverContext(mutual: true)
        let server = try startServer { $0.tls = tls }
        let url = "https://127.0.0.1:\(server.port)/m"
        let (ok, out) = try runProgram("/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", certs.path("ca"),
                                                 "--cert", certs.path("node2"), "--key", "\(certs.dir)/node2.key", url])
        XCTAssertEqual(ok, 0, out)
        XCTAssertEqual(out, "GET /m ")
        let (noCert, _) = try runProgram("/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", certs.path("ca"), url])
        XCTAssertNotEqual(noCert, 0)
        XCTAssertTrue(waitUntil { self.stats(server).tlsHandshakeFailures == 1 })
    }
}

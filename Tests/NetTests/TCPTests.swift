import Foundation
import XCTest
@testable import Net

final class TCPTests: LoopTestCase {
    /// An echo server on port 0; returns the bound port.
    private func startEcho(watermarks: WriteWatermarks = WriteWatermarks(),
                           accepted: Locked<[TCPConnection]>? = nil) throws -> Int {
        try loop.submit { () -> Int in
            let l = try TCPListener(loop: self.loop, host: "127.0.0.1", port: 0) { conn in
                conn.watermarks = watermarks
                accepted?.with { $0.append(conn) }
                conn.onRead = { [unowned conn] bytes in conn.write(bytes) }
            }
            return l.port
        }
    }

    func testListenerReportsBoundPortAndEchoes() throws {
        let port = try startEcho()
        XCTAssertGreaterThan(port, 0)
        let payload = (0..<(1 << 20)).map { UInt8($0 % 251) }
        let received = Locked<[UInt8]>([])
        let remote = Locked<String?>(nil)
        loop.execute { [loop] in
            TCPConnection.connect(loop: loop!, host: "127.0.0.1", port: port) { r in
                guard case .success(let c) = r else { return }
                remote.set(c.remoteAddress)
                c.onRead = { bytes in received.with { $0 += bytes } }
                c.write(payload)
            }
        }
        XCTAssertTrue(waitUntil(10) { received.get.count == payload.count })
        XCTAssertEqual(received.get, payload)
        XCTAssertEqual(remote.get, "127.0.0.1:\(port)")
    }

    /// The peer's address is asked once and kept: the server still knows it
    /// after the client has gone (when `getpeername` fails with ENOTCONN).
    func testTheRemoteAddressIsKnownAfterThePeerHasGone() throws {
        let accepted = Locked<[TCPConnection]>([])
        let port = try startEcho(accepted: accepted)
        let client = Locked<TCPConnection?>(nil)
        let clientPort = Locked<Int?>(nil)
        loop.execute { [loop] in
            TCPConnection.connect(loop: loop!, host: "127.0.0.1", port: port) { r in
                guard case .success(let c) = r else { return }
                client.set(c)
            }
        }
        XCTAssertTrue(waitUntil(10) { client.get != nil && !accepted.get.isEmpty })
        let first = try loop.submit { accepted.get[0].remoteAddress }
        let address = try XCTUnwrap(first)
        XCTAssertTrue(address.hasPrefix("127.0.0.1:"), address)
        clientPort.set(Int(address.split(separator: ":").last ?? ""))
        XCTAssertNotNil(clientPort.get)
        let closed = Locked(false)
        try loop.submit {
            accepted.get[0].onClose = { _ in closed.set(true) }
            client.get?.close()
        }
        XCTAssertTrue(waitUntil(10) { closed.get })
        XCTAssertEqual(try loop.submit { accepted.get[0].remoteAddress }, address)
    }

    func testConnectToClosedPortFails() throws {
        // Bind then close a listener to get a port nobody listens on.
        let port = try loop.submit { () -> Int in
            let l = try TCPListener(loop: self.loop, host: "127.0.0.1", port: 0) { _ in }
            defer { l.close() }
            return l.port
        }
        let result = Locked<Result<TCPConnection, NetError>?>(nil)
        loop.execute { [loop] in
            TCPConnection.connect(loop: loop!, host: "127.0.0.1", port: port) { r in result.set(r) }
        }
        XCTAssertTrue(waitUntil { result.get != nil })
        guard case .failure(let e)? = result.get else { return XCTFail("connected to a closed port") }
        XCTAssertEqual(e.kind, .io)
        XCTAssertTrue(e.message.contains("ECONNREFUSED"), e.message)
    }

    func testBindToBusyPortFails() throws {
        let port = try startEcho()
        XCTAssertThrowsError(try loop.submit { try TCPListener(loop: self.loop, host: "127.0.0.1", port: port) { _ in } }) {
            XCTAssertTrue("\($0)".contains("EADDRINUSE"), "\($0)")
        }
    }

    /// A client that sends a lot and reads nothing: the echo server's write
    /// backlog reaches the high-water mark, it stops reading, and its buffered
    /// bytes stay bounded; once the client reads, everything arrives.
    func testBackPressureStopsReadingAndBoundsBuffering() throws {
        let marks = WriteWatermarks(high: 256 * 1024, low: 64 * 1024)
        let accepted = Locked<[TCPConnection]>([])
        let port = try startEcho(watermarks: marks, accepted: accepted)
        let total = 32 * 1024 * 1024
        let received = Locked(0)
        let clientBox = Locked<TCPConnection?>(nil)
        loop.execute { [loop] in
            TCPConnection.connect(loop: loop!, host: "127.0.0.1", port: port) { r in
                guard case .success(let c) = r else { return }
                c.watermarks = WriteWatermarks(high: 1 << 30, low: 1 << 29)  // the client just queues
                clientBox.set(c)
                c.onRead = { bytes in received.with { $0 += bytes.count } }
                c.pauseReading()
                let chunk = [UInt8](repeating: 7, count: 1 << 20)
                for _ in 0..<(total >> 20) { c.write(chunk) }
            }
        }
        // Let the server fill up.
        var peak = 0
        let deadline = Date().addingTimeInterval(1.5)
        while Date() < deadline {
            if let p = try? loop.submit({ accepted.get.first?.pendingWriteBytes ?? 0 }) { peak = max(peak, p) }
            usleep(10_000)
        }
        let serverState = try loop.submit { () -> (Bool, Int, UInt64) in
            let s = accepted.get[0]
            return (s.isReadingPaused, s.pendingWriteBytes, s.bytesRead)
        }
        XCTAssertTrue(serverState.0, "server stopped reading under back-pressure")
        XCTAssertLessThanOrEqual(peak, marks.high + 64 * 1024, "server buffering bounded by high-water mark + one read")
        XCTAssertLessThan(serverState.2, UInt64(total), "server did not swallow the whole stream")
        // Now the client reads: everything comes back.
        loop.execute { clientBox.get?.resumeReading() }
        XCTAssertTrue(waitUntil(20) { received.get == total }, "received \(received.get) of \(total)")
    }

    func testGracefulCloseFlushesPendingWrites() throws {
        let big = [UInt8](repeating: 1, count: 8 * 1024 * 1024)
        let port = try loop.submit { () -> Int in
            try TCPListener(loop: self.loop, host: "127.0.0.1", port: 0) { conn in
                conn.write(big)
                conn.close(graceful: true)
            }.port
        }
        let client = try RawClient(port: port)
        let (bytes, closed) = client.readUntilClose(timeout: 10)
        XCTAssertTrue(closed)
        XCTAssertEqual(bytes.count, big.count)
    }
}

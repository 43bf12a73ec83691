import Foundation
import XCTest
@testable import Net
import Checksum

final class FramingTests: LoopTestCase {
    func testFrameRoundTripAcrossArbitrarySplits() throws {
        let payloads: [[UInt8]] = [[], Array("raft append".utf8), (0..<70_000).map { UInt8($0 % 256) }, [0]]
        var wire: [UInt8] = []
        for p in payloads { wire += Frame.encode(p) }
        XCTAssertEqual(wire.count, payloads.reduce(0) { $0 + $1.count + 8 })
        for step in [1, 7, 4096, wire.count] {
            var decoder = FrameDecoder(maxFrameSize: 1 << 20)
            var out: [[UInt8]] = []
            var i = 0
            while i < wire.count {
                decoder.append(Array(wire[i..<min(i + step, wire.count)]))
                while let f = try decoder.next() { out.append(f) }
                i += step
            }
            XCTAssertEqual(out, payloads, "split every \(step) bytes")
            XCTAssertEqual(decoder.bufferedBytes, 0)
        }
    }

    func testChecksumMismatchIsDetected() {
        var wire = Frame.encode(Array("commit index 41".utf8))
        wire[wire.count - 1] ^= 0x01
        var decoder = FrameDecoder()
        decoder.append(wire)
        XCTAssertThrowsError(try decoder.next()) { error in
            guard case FrameError.checksumMismatch = error else { return XCTFail("\(error)") }
        }
    }

    func testOversizeFrameIsRejectedFromItsHeader() {
        var decoder = FrameDecoder(maxFrameSize: 1024)
        decoder.append([0x00, 0x10, 0x00, 0x00, 0, 0, 0, 0])  // claims 1 MiB; no payload sent
        XCTAssertThrowsError(try decoder.next()) { error in
            XCTAssertEqual(error as? FrameError, .tooLarge(length: 1 << 20, max: 1024))
        }
    }

    func testBackoffGrowsAndIsCapped() {
        let b = Backoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2, jitter: 0)
        XCTAssertEqual(b.delay(attempt: 0), .milliseconds(100))
        XCTAssertEqual(b.delay(attempt: 3), .milliseconds(800))
        XCTAssertEqual(b.delay(attempt: 10), .seconds(2))
        XCTAssertEqual(b.delay(attempt: 1000), .seconds(2))
        let j = Backoff(initial: .milliseconds(100), maximum: .seconds(2), jitter: 0.5)
        XCTAssertEqual(j.delay(attempt: 0, random: -1), .milliseconds(50))
        XCTAssertEqual(j.delay(attempt: 0, random: 1), .milliseconds(150))
    }

    /// A plain-TCP peer listener receiving a corrupt frame closes with a frame error.
    func testCorruptFrameOnTheWireClosesTheConnection() throws {
        let received = Locked<[[UInt8]]>([])
        let closeError = Locked<NetError?>(nil)
        let closed = Locked(false)
        let port = try loop.submit { () -> Int in
            try PeerListener(loop: self.loop, host: "127.0.0.1", port: 0, tls: nil, maxFrameSize: 4096) { link in
                link.onFrame = { f in received.with { $0.append(f) } }
                link.onClose = { e in closeError.set(e); closed.set(true) }
            }.port
        }
        let c = try RawClient(port: port)
        var bad = Frame.encode(Array("second".utf8))
        bad[9] ^= 0xFF
        c.send(Frame.encode(Array("first".utf8)) + bad + Frame.encode(Array("third".utf8)))
        XCTAssertTrue(waitUntil { closed.get })
        XCTAssertEqual(received.get, [Array("first".utf8)])
        XCTAssertEqual(closeError.get?.kind, .frame)
        XCTAssertTrue(closeError.get?.message.contains("checksum mismatch") ?? false)
        XCTAssertTrue(c.readUntilClose(timeout: 2).closed)

        // Oversize on the wire: refused on its header alone.
        let closed2 = Locked(false)
        closed.set(false)
        let c2 = try RawClient(port: port)
        c2.send([0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        XCTAssertTrue(waitUntil { closed.get })
        XCTAssertTrue(closeError.get?.message.contains("exceeds") ?? false)
        _ = closed2
    }

    // MARK: peer links over mutual TLS

    private func startPeerListener(port: Int = 0, allowed: Set<String> = ["node2"],
                                   listenerBox: Locked<PeerListener?>,
                                   links: Locked<[FramedConnection]>) throws -> Int {
        let tls = try serverContext("node1", mutual: true)
        return try loop.submit { () -> Int in
            let l = try PeerListener(loop: self.loop, host: "127.0.0.1", port: port, tls: tls,
                                     authorize: PeerListener.allowing(allowed)) { link in
                links.with { $0.append(link) }
                // Echo each frame back with a prefix.
                link.onFrame = { [unowned link] f in link.send(Array("echo:".utf8) + f) }
            }
            listenerBox.set(l)
            return l.port
        }
    }

    func testPeerLinkOverMutualTLSReconnectsAfterServerRestart() throws {
        let listener = Locked<PeerListener?>(nil)
        let links = Locked<[FramedConnection]>([])
        let port = try startPeerListener(listenerBox: listener, links: links)
        let clientTLS = try clientContext("node2")
        let replies = Locked<[String]>([])
        let connects = Locked<[PeerCertificate?]>([])
        let disconnects = Locked(0)
        let peer = try loop.submit { () -> PeerConnection in
            let p = PeerConnection(loop: self.loop, host: "127.0.0.1", port: port, tls: clientTLS, expectedPeerName: "node1",
                                   backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(200), jitter: 0))
            p.onFrame = { f in replies.with { $0.append(String(decoding: f, as: UTF8.self)) } }
            p.onConnect = { cert in connects.with { $0.append(cert) } }
            p.onDisconnect = { _ in disconnects.with { $0 += 1 } }
            p.start()
            return p
        }
        XCTAssertTrue(waitUntil { connects.get.count == 1 })
        XCTAssertEqual(connects.get.first??.commonName, "node1")
        XCTAssertTrue(try loop.submit { peer.send(Array("vote 1".utf8)) })
        XCTAssertTrue(waitUntil { replies.get == ["echo:vote 1"] })
        XCTAssertEqual(try loop.submit { links.get.first?.peerCertificate?.commonName }, "node2")

        // The server goes away: listener and its connections.
        try loop.submit {
            listener.get?.close()
            links.get.forEach { $0.close() }
            links.set([])
        }
        XCTAssertTrue(waitUntil { disconnects.get == 1 })
        XCTAssertFalse(try loop.submit { peer.send(Array("lost".utf8)) }, "send refuses while disconnected")
        // Let it fail a few redials (connection refused), then restart on the same port.
        XCTAssertTrue(waitUntil { (try? self.loop.submit { peer.attempts }) ?? 0 >= 3 })
        XCTAssertEqual(try loop.submit { peer.lastError?.kind }, .io)
        _ = try startPeerListener(port: port, listenerBox: listener, links: links)
        XCTAssertTrue(waitUntil(5) { connects.get.count == 2 }, "reconnected after restart")
        XCTAssertTrue(try loop.submit { peer.send(Array("vote 2".utf8)) })
        XCTAssertTrue(waitUntil { replies.get == ["echo:vote 1", "echo:vote 2"] })
        XCTAssertEqual(try loop.submit { peer.connectionsEstablished }, 2)
        try loop.submit { peer.stop() }
    }

    func testPeerListenerRefusesNonMembersAndOtherCAs() throws {
        let listener = Locked<PeerListener?>(nil)
        let links = Locked<[FramedConnection]>([])
        let port = try startPeerListener(listenerBox: listener, links: links)
        for (name, expect) in [("node9", "not a cluster member"), ("rogue", "certificate verify failed")] {
            let before = try loop.submit { listener.get!.rejected }
            let ctx = try clientContext(name)
            let peer = try loop.submit { () -> PeerConnection in
                let p = PeerConnection(loop: self.loop, host: "127.0.0.1", port: port, tls: ctx, expectedPeerName: "node1",
                                       backoff: Backoff(initial: .seconds(5), maximum: .seconds(5)))
                p.start()
                return p
            }
            XCTAssertTrue(waitUntil { (try? self.loop.submit { listener.get!.rejected }) == before + 1 }, name)
            let reason = try loop.submit { listener.get!.lastRejection?.message ?? "" }
            XCTAssertTrue(reason.contains(expect), "\(name): \(reason)")
            XCTAssertTrue(waitUntil { (try? self.loop.submit { peer.state == .waiting }) == true }, name)
            XCTAssertEqual(try loop.submit { peer.connectionsEstablished }, 0)
            XCTAssertEqual(links.get.count, 0, "no frames link for \(name)")
            try loop.submit { peer.stop() }
        }
    }

    func testPeerConnectionRefusesServerWithWrongNodeId() throws {
        let listener = Locked<PeerListener?>(nil)
        let links = Locked<[FramedConnection]>([])
        let port = try startPeerListener(listenerBox: listener, links: links)
        let ctx = try clientContext("node2")
        let peer = try loop.submit { () -> PeerConnection in
            let p = PeerConnection(loop: self.loop, host: "127.0.0.1", port: port, tls: ctx, expectedPeerName: "node3",
                                   backoff: Backoff(initial: .seconds(5), maximum: .seconds(5)))
            p.start()
            return p
        }
        XCTAssertTrue(waitUntil { (try? self.loop.submit { peer.lastError }) != nil })
        let e = try loop.submit { peer.lastError }
        XCTAssertEqual(e?.kind, .verification)
        XCTAssertEqual(try loop.submit { peer.connectionsEstablished }, 0)
        try loop.submit { peer.stop() }
    }
}

import Foundation
import XCTest
@testable import Net

final class TLSTests: LoopTestCase {
    struct ServerSide {
        let port: Int
        let handshakes: Locked<[Result<PeerCertificate?, NetError>]>
    }

    /// A TLS echo server; records each handshake's outcome.
    private func startEchoServer(_ ctx: TLSContext) throws -> ServerSide {
        let handshakes = Locked<[Result<PeerCertificate?, NetError>]>([])
        let port = try loop.submit { () -> Int in
            try TCPListener(loop: self.loop, host: "127.0.0.1", port: 0) { conn in
                guard let t = try? TLSStream(transport: conn, context: ctx) else { return conn.close() }
                t.onHandshake = { r in handshakes.with { $0.append(r) } }
                t.onRead = { [unowned t] bytes in t.write(bytes) }
            }.port
        }
        return ServerSide(port: port, handshakes: handshakes)
    }

    struct ClientOutcome {
        var reply: [UInt8] = []
        var handshake: Result<PeerCertificate?, NetError>?
        var version: String?
        var closeError: NetError?
        var closed = false
    }

    /// Connects, handshakes, sends `message`, and waits for its echo or the close.
    private func roundTrip(port: Int, _ ctx: TLSContext, options: TLSSessionOptions = TLSSessionOptions(),
                           message: [UInt8] = Array("hello over tls".utf8)) -> ClientOutcome {
        let outcome = Locked(ClientOutcome())
        loop.execute { [loop] in
            TCPConnection.connect(loop: loop!, host: "127.0.0.1", port: port) { r in
                guard case .success(let conn) = r, let t = try? TLSStream(transport: conn, context: ctx, options: options) else {
                    outcome.with { $0.closed = true }
                    return
                }
                t.onHandshake = { [unowned t] r in
                    outcome.with { $0.handshake = r; $0.version = t.protocolVersion }
                    if case .success = r { t.write(message) }
                }
                t.onRead = { [unowned t] bytes in
                    outcome.with { $0.reply += bytes }
                    if outcome.get.reply.count >= message.count { t.close() }
                }
                t.onClose = { e in outcome.with { $0.closed = true; $0.closeError = e } }
            }
        }
        _ = waitUntil(10) { outcome.get.closed }
        return outcome.get
    }

    func testTLS13EchoWithMutualAuthAndPeerNames() throws {
        let server = try startEchoServer(try serverContext(mutual: true))
        let out = roundTrip(port: server.port, try clientContext("node2"),
                            options: TLSSessionOptions(serverName: "127.0.0.1", expectedPeerName: "node1"))
        XCTAssertNil(out.closeError)
        XCTAssertEqual(String(decoding: out.reply, as: UTF8.self), "hello over tls")
        XCTAssertEqual(out.version, "TLSv1.3")
        guard case .success(let serverCert?)? = out.handshake else { return XCTFail("no server certificate") }
        XCTAssertEqual(serverCert.commonName, "node1")
        XCTAssertEqual(serverCert.dnsNames, ["node1", "localhost"])
        XCTAssertEqual(serverCert.ipAddresses, ["127.0.0.1"])
        XCTAssertTrue(serverCert.subject.contains("CN=node1"))
        XCTAssertTrue(waitUntil { server.handshakes.get.count == 1 })
        guard case .success(let clientCert?) = server.handshakes.get[0] else { return XCTFail("server saw no client cert") }
        XCTAssertEqual(clientCert.commonName, "node2")
        XCTAssertTrue(clientCert.names("node2"))
        XCTAssertFalse(clientCert.names("node1"))
    }

    func testForcedTLS12RoundTrip() throws {
        let server = try startEchoServer(try serverContext(mutual: true))
        let big = (0..<200_000).map { UInt8($0 % 253) }
        let out = roundTrip(port: server.port, try clientContext("node2", maxVersion: .v1_2),
                            options: TLSSessionOptions(serverName: "127.0.0.1"), message: big)
        XCTAssertNil(out.closeError)
        XCTAssertEqual(out.version, "TLSv1.2")
        XCTAssertEqual(out.reply, big)
    }

    func testServerOnlyTLSAcceptsClientWithoutCertificate() throws {
        let server = try startEchoServer(try serverContext(mutual: false))
        let out = roundTrip(port: server.port, try clientContext(nil), options: TLSSessionOptions(serverName: "localhost"))
        XCTAssertNil(out.closeError)
        XCTAssertEqual(String(decoding: out.reply, as: UTF8.self), "hello over tls")
        XCTAssertTrue(waitUntil { server.handshakes.get.count == 1 })
        if case .success(let cert) = server.handshakes.get[0] { XCTAssertNil(cert) } else { XCTFail("handshake failed") }
    }

    private func assertRefusedByServer(_ clientCtx: TLSContext, expect: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let server = try startEchoServer(try serverContext(mutual: true))
        let out = roundTrip(port: server.port, clientCtx, options: TLSSessionOptions(serverName: "127.0.0.1"))
        XCTAssertTrue(out.closed, file: file, line: line)
        XCTAssertTrue(out.reply.isEmpty, "no data crosses a refused connection", file: file, line: line)
        XCTAssertNotNil(out.closeError, file: file, line: line)
        XCTAssertTrue(waitUntil { server.handshakes.get.count == 1 }, file: file, line: line)
        guard case .failure(let e) = server.handshakes.get[0] else {
            return XCTFail("server accepted the handshake", file: file, line: line)
        }
        XCTAssertEqual(e.kind, .tls, file: file, line: line)
        XCTAssertTrue(e.message.contains(expect), "server error: \(e.message)", file: file, line: line)
    }

    func testMutualAuthRefusesClientWithoutCertificate() throws {
        try assertRefusedByServer(try clientContext(nil), expect: "peer did not return a certificate")
    }

    func testMutualAuthRefusesCertificateFromAnotherCA() throws {
        // "rogue" even claims the right name (node2), but another CA signed it.
        try assertRefusedByServer(try clientContext("rogue"), expect: "certificate verify failed")
    }

    func testClientRefusesWrongHostnameOrNodeId() throws {
        let server = try startEchoServer(try serverContext(mutual: false))
        let ctx = try clientContext(nil)
        let wrongHost = roundTrip(port: server.port, ctx, options: TLSSessionOptions(serverName: "node7.example"))
        guard case .failure(let e1)? = wrongHost.handshake else { return XCTFail("accepted a wrong host name") }
        XCTAssertTrue(e1.message.contains("hostname mismatch"), e1.message)
        XCTAssertTrue(wrongHost.reply.isEmpty)

        let wrongIP = roundTrip(port: server.port, ctx, options: TLSSessionOptions(serverName: "127.0.0.2"))
        guard case .failure(let e3)? = wrongIP.handshake else { return XCTFail("accepted a wrong IP address") }
        XCTAssertTrue(e3.message.contains("IP address mismatch"), e3.message)

        let wrongNode = roundTrip(port: server.port, ctx, options: TLSSessionOptions(expectedPeerName: "node3"))
        guard case .failure(let e2)? = wrongNode.handshake else { return XCTFail("accepted a wrong node id") }
        XCTAssertEqual(e2.kind, .verification)
        XCTAssertTrue(e2.message.contains("does not name node3"), e2.message)
    }

    func testClientRefusesServerFromAnotherCA() throws {
        let server = try startEchoServer(try serverContext("rogue", mutual: false))
        let out = roundTrip(port: server.port, try clientContext(nil), options: TLSSessionOptions(serverName: "127.0.0.1"))
        guard case .failure(let e)? = out.handshake else { return XCTFail("trusted another CA's server") }
        XCTAssertTrue(e.message.contains("unable to get local issuer certificate"), e.message)
    }

    func testInlinePEMAndErrorQueueText() throws {
        let certs = try TestCerts.get()
        let pem = { (name: String) in try String(contentsOfFile: "\(certs.dir)/\(name)", encoding: .utf8) }
        let server = try TLSContext(.server(certificateChain: .pem(try pem("node1.pem")), privateKey: .pem(try pem("node1.key")),
                                            clientCA: .pem(try pem("ca.pem"))), role: .server)
        let client = try TLSContext(.client(trustRoots: .pem(try pem("ca.pem")), certificateChain: .pem(try pem("node2.pem")),
                                            privateKey: .pem(try pem("node2.key"))), role: .client)
        let side = try startEchoServer(server)
        let out = roundTrip(port: side.port, client, options: TLSSessionOptions(serverName: "127.0.0.1"))
        XCTAssertEqual(String(decoding: out.reply, as: UTF8.self), "hello over tls")

        // A key that does not match its certificate: OpenSSL's own words come back.
        XCTAssertThrowsError(try TLSContext(.server(certificateChain: certs.cert("node1"), privateKey: certs.key("node2")),
                                            role: .server)) { error in
            XCTAssertTrue("\(error)".contains("key values mismatch"), "\(error)")
        }
        XCTAssertThrowsError(try TLSContext(.client(trustRoots: .file("/nonexistent/ca.pem")), role: .client)) { error in
            XCTAssertTrue("\(error)".contains("No such file"), "\(error)")
        }
    }
}

import Foundation
import XCTest
@testable import Net

/// A value shared between the test thread and the loop thread.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    var get: T { lock.withLock { value } }
    func set(_ v: T) { lock.withLock { value = v } }
    @discardableResult
    func with<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&value) } }
}

/// Polls `condition` every 5 ms for at most `timeout` seconds.
func waitUntil(_ timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// Test certificates made with the openssl CLI, once per test process:
/// `ca` and `other-ca`; `node1` (server: DNS node1, localhost, IP 127.0.0.1),
/// `node2` (DNS node2, IP 127.0.0.1), `node9` (same CA, not a member), and
/// `rogue` (CN/SAN node2 but signed by `other-ca`).
struct TestCerts: Sendable {
    let dir: String

    static let shared: Result<TestCerts, Error> = Result { try generate() }

    static func get() throws -> TestCerts { try shared.get() }

    func cert(_ name: String) -> PEMSource { .file("\(dir)/\(name).pem") }
    func key(_ name: String) -> PEMSource { .file("\(dir)/\(name).key") }
    func path(_ name: String) -> String { "\(dir)/\(name).pem" }

    private static func generate() throws -> TestCerts {
        let dir = NSTemporaryDirectory() + "tally-net-certs-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = #"""
        set -e
        gen_ca() {
          openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        }
        gen_leaf() {
          openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout "$1.key" -out "$1.csr" -subj "/CN=$3/O=Tally" 2>/dev/null
          printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$4" > "$1.ext"
          openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext" 2>/dev/null
        }
        gen_ca ca "Tally Test CA"
        gen_ca other-ca "Other Test CA"
        gen_leaf node1 ca node1 "DNS:node1,DNS:localhost,IP:127.0.0.1"
        gen_leaf node2 ca node2 "DNS:node2,IP:127.0.0.1"
        gen_leaf node9 ca node9 "DNS:node9"
        gen_leaf rogue other-ca node2 "DNS:node2,IP:127.0.0.1"
        """#
        let (status, output) = try runProgram("/bin/sh", ["-c", script], cwd: dir)
        guard status == 0 else {
            throw NetError(.tls, "certificate generation failed (\(status)): \(output)")
        }
        return TestCerts(dir: dir)
    }
}

/// Runs a program to completion; returns exit status and stdout+stderr.
func runProgram(_ path: String, _ args: [String], cwd: String? = nil) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Base class: a fresh event loop per test, shut down afterwards.
class LoopTestCase: XCTestCase {
    var loop: EventLoop!
    /// The loop's `spinBeforeSleep` (subclasses that test the spin override it).
    var spinBeforeSleep: Duration { .zero }

    override func setUpWithError() throws {
        loop = try EventLoop(name: "net-test-loop", spinBeforeSleep: spinBeforeSleep)
        loop.start()
    }

    override func tearDown() {
        loop?.shutdown(timeout: .seconds(10))
        loop = nil
        super.tearDown()
    }

    func serverContext(_ name: String = "node1", mutual: Bool = true, ca: String = "ca",
                       maxVersion: TLSVersion? = nil) throws -> TLSContext {
        let certs = try TestCerts.get()
        var config = TLSConfiguration.server(certificateChain: certs.cert(name), privateKey: certs.key(name),
                                             clientCA: mutual ? certs.cert(ca) : nil)
        config.maximumVersion = maxVersion
        return try TLSContext(config, role: .server)
    }

    func clientContext(_ name: String? = "node2", ca: String = "ca", maxVersion: TLSVersion? = nil) throws -> TLSContext {
        let certs = try TestCerts.get()
        var config = TLSConfiguration.client(trustRoots: certs.cert(ca),
                                             certificateChain: name.map { certs.cert($0) },
                                             privateKey: name.map { certs.key($0) })
        config.maximumVersion = maxVersion
        return try TLSContext(config, role: .client)
    }

    /// Sends one request on `client` (loop-owned) and waits for the answer.
    func request(_ client: HTTPClient, _ req: HTTPClient.Request, timeout: Double = 10) throws -> HTTPResponse {
        let done = DispatchSemaphore(value: 0)
        let result = Locked<Result<HTTPResponse, NetError>?>(nil)
        loop.execute {
            client.send(req) { r in
                result.set(r)
                done.signal()
            }
        }
        guard done.wait(timeout: .now() + timeout) == .success, let r = result.get else {
            throw NetError(.timeout, "no HTTP response")
        }
        return try r.get()
    }

    /// Connects an HTTP client on the loop and waits for it.
    func connectHTTP(port: Int, tls: TLSContext?, options: TLSSessionOptions? = nil) throws -> HTTPClient {
        let done = DispatchSemaphore(value: 0)
        let result = Locked<Result<HTTPClient, NetError>?>(nil)
        loop.execute { [loop] in
            HTTPClient.connect(loop: loop!, host: "127.0.0.1", port: port, tls: tls, tlsOptions: options) { r in
                result.set(r)
                done.signal()
            }
        }
        guard done.wait(timeout: .now() + 10) == .success, let r = result.get else {
            throw NetError(.timeout, "HTTP connect did not finish")
        }
        return try r.get()
    }
}

/// A blocking BSD-socket client on the test thread, for byte-exact HTTP tests.
final class RawClient {
    let fd: Int32

    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NetError(.io, "socket") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard r == 0 else {
            Glibc.close(fd)
            throw NetError(.io, "connect: errno \(errno)")
        }
    }

    deinit { Glibc.close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// One recv with a timeout: bytes, [] on timeout, nil at EOF or error.
    func receive(max: Int = 65536, timeout: Double) -> [UInt8]? {
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buf = [UInt8](repeating: 0, count: max)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        if n > 0 { return Array(buf[0..<n]) }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return [] }
        return nil
    }

    /// Reads until EOF or until `timeout` passes; reports whether EOF was seen.
    func readUntilClose(timeout: Double) -> (bytes: [UInt8], closed: Bool) {
        var out: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let chunk = receive(timeout: max(0.01, min(0.2, deadline.timeIntervalSinceNow))) else {
                return (out, true)
            }
            out += chunk
        }
        return (out, false)
    }

    /// Reads until `text` appears or the timeout passes.
    func readUntil(_ marker: String, timeout: Double) -> String {
        var out: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let chunk = receive(timeout: 0.1) else { break }
            out += chunk
            if String(decoding: out, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// An in-memory `ByteStream` for testing protocol logic without sockets.
final class FakeStream: ByteStream {
    var onRead: ((UnsafeRawBufferPointer) -> Void)?
    var onWritable: (() -> Void)?
    var onClose: ((NetError?) -> Void)?
    var written: [UInt8] = []
    var closed = false
    var closeRequested = false
    var readingPaused = false
    var isOpen: Bool { !closed && !closeRequested }
    var isWritable: Bool { isOpen }
    var pendingWriteBytes: Int { 0 }
    var remoteAddress: String? { "fake:1" }

    func write(_ bytes: UnsafeRawBufferPointer) { if isOpen { written += bytes } }
    func pauseReading() { readingPaused = true }
    func resumeReading() { readingPaused = false }
    func close(graceful: Bool) {
        guard !closed else { return }
        closeRequested = true
        closed = true
        let cb = onClose
        onClose = nil
        cb?(nil)
    }

    /// Delivers bytes as if read from the network.
    func deliver(_ text: String) {
        var s = text
        s.withUTF8 { onRead?(UnsafeRawBufferPointer($0)) }
    }

    var writtenText: String { String(decoding: written, as: UTF8.self) }
}

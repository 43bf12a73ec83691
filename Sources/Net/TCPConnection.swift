import CLibUV
import Foundation

/// A TCP connection on a libuv `uv_tcp_t`. Loop thread only.
///
/// Writes are tried at once with `uv_try_write`; what the kernel does not take
/// is copied and queued with `uv_write`. When queued bytes exceed
/// `watermarks.high` the connection stops reading (back-pressure) and reports
/// not writable until they drop to `watermarks.low`.
public final class TCPConnection: LoopHandle, ByteStream {
    public var onRead: ((UnsafeRawBufferPointer) -> Void)?
    public var onWritable: (() -> Void)?
    public var onClose: ((NetError?) -> Void)?

    public var watermarks = WriteWatermarks()
    public private(set) var pendingWriteBytes = 0
    public private(set) var bytesRead: UInt64 = 0
    public private(set) var bytesWritten: UInt64 = 0
    /// Graceful closes give up and close hard after this long.
    public var gracefulCloseTimeout: Duration = .seconds(10)

    private var pendingWriteCount = 0
    private var connected = false
    private var reading = false
    private var readPausedByApp = false
    private var readPausedByBackpressure = false
    private var closingGracefully = false
    private var closeError: NetError?
    private var closeTimer: TimerHandle?

    var tcp: UnsafeMutablePointer<uv_tcp_t> { typed(uv_tcp_t.self) }
    var stream: UnsafeMutablePointer<uv_stream_t> { typed(uv_stream_t.self) }

    init(loop: EventLoop) throws {
        super.init(loop: loop, byteCount: MemoryLayout<uv_tcp_t>.size)
        let r = uv_tcp_init(loop.uvLoop, tcp)
        guard r == 0 else { throw NetError.uv(r, "uv_tcp_init") }
        activate()
    }

    /// A connection moved from another loop (`detachDescriptor()`), opened on
    /// this one. The descriptor is this connection's from now on, even on error.
    public convenience init(loop: EventLoop, adopting descriptor: Int32) throws {
        do {
            try self.init(loop: loop)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        let r = uv_tcp_open(tcp, descriptor)
        guard r == 0 else {
            Glibc.close(descriptor)
            closeHandle()
            throw NetError.uv(r, "uv_tcp_open")
        }
        didConnect()
    }

    /// Hands the connection to another loop: returns a duplicate of its
    /// socket's descriptor and closes this handle, without a word to the peer
    /// (the socket stays open through the duplicate). Bytes the kernel holds
    /// for reading wait there for the new handle; nothing may be queued to write.
    public func detachDescriptor() throws -> Int32 {
        guard isOpen, pendingWriteCount == 0 else {
            throw NetError(.io, "a connection can move only while open with nothing queued to write")
        }
        var fd: uv_os_fd_t = -1
        let r = uv_fileno(handle, &fd)
        guard r == 0 else { throw NetError.uv(r, "uv_fileno") }
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw NetError(.io, "dup of a connection's socket: errno \(errno)") }
        onRead = nil
        onWritable = nil
        onClose = nil
        connected = false
        closeHandle()
        return copy
    }

    /// Called by the listener or connector once the socket is connected.
    func didConnect() {
        connected = true
        uv_tcp_nodelay(tcp, 1)
    }

    /// Starts reading if nothing holds it back; called after the owner has set `onRead`.
    func startReading() { updateReading() }

    // MARK: ByteStream

    public var isOpen: Bool { connected && !isClosing && !closingGracefully }
    public var isWritable: Bool { isOpen && !readPausedByBackpressure }
    public var isReadingPaused: Bool { !reading }

    /// The peer's address, asked of the kernel once (every request logs and
    /// checks it; a `getpeername` and a formatting each time cost ~1% of a
    /// client loop's time) and kept, so it is known after the peer has gone too.
    public var remoteAddress: String? {
        if let peer { return peer }
        peer = currentPeer()
        return peer
    }

    private var peer: String?

    private func currentPeer() -> String? {
        var storage = sockaddr_storage()
        var len = Int32(MemoryLayout<sockaddr_storage>.size)
        let r = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getpeername(tcp, $0, &len) }
        }
        return r == 0 ? SocketAddress.describe(storage) : nil
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard isOpen, let base = bytes.baseAddress, bytes.count > 0 else { return }
        var offset = 0
        if pendingWriteCount == 0 {
            var buf = uv_buf_init(UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self)),
                                  UInt32(bytes.count))
            let r = uv_try_write(stream, &buf, 1)
            if r == Int32(bytes.count) {
                bytesWritten += UInt64(bytes.count)
                return
            }
            if r > 0 {
                offset = Int(r)
                bytesWritten += UInt64(r)
            } else if r != uvEAGAIN {
                fail(.uv(r, "write"))
                return
            }
        }
        let remaining = bytes.count - offset
        let header = (MemoryLayout<uv_write_t>.size + 15) & ~15
        let raw = UnsafeMutableRawPointer.allocate(byteCount: header + remaining, alignment: 16)
        let req = raw.bindMemory(to: uv_write_t.self, capacity: 1)
        let payload = raw + header
        payload.copyMemory(from: base + offset, byteCount: remaining)
        req.pointee.data = UnsafeMutableRawPointer(bitPattern: remaining)
        var buf = uv_buf_init(payload.assumingMemoryBound(to: CChar.self), UInt32(remaining))
        let r = uv_write(req, stream, &buf, 1) { req, status in
            guard let req, let s = req.pointee.handle, let data = s.pointee.data else { return }
            let n = Int(bitPattern: req.pointee.data)
            UnsafeMutableRawPointer(req).deallocate()
            Unmanaged<TCPConnection>.fromOpaque(data).takeUnretainedValue().didWrite(n, status: status)
        }
        if r != 0 {
            raw.deallocate()
            fail(.uv(r, "write"))
            return
        }
        pendingWriteBytes += remaining
        pendingWriteCount += 1
        updateBackpressure()
    }

    private func didWrite(_ n: Int, status: Int32) {
        pendingWriteBytes -= n
        pendingWriteCount -= 1
        if status < 0 {
            if status != uvECANCELED { fail(.uv(status, "write")) }
            return
        }
        bytesWritten += UInt64(n)
        updateBackpressure()
        if closingGracefully && pendingWriteCount == 0 && !isClosing { shutdownThenClose() }
    }

    private func updateBackpressure() {
        if !readPausedByBackpressure && pendingWriteBytes > watermarks.high {
            readPausedByBackpressure = true
            updateReading()
        } else if readPausedByBackpressure && pendingWriteBytes <= watermarks.low {
            readPausedByBackpressure = false
            updateReading()
            if isOpen { onWritable?() }
        }
    }

    public func pauseReading() {
        readPausedByApp = true
        updateReading()
    }

    public func resumeReading() {
        readPausedByApp = false
        updateReading()
    }

    private func updateReading() {
        let want = isOpen && !readPausedByApp && !readPausedByBackpressure
        guard want != reading else { return }
        if want {
            let r = uv_read_start(stream, { h, _, buf in
                guard let h, let buf, let data = h.pointee.data else { return }
                let conn = Unmanaged<TCPConnection>.fromOpaque(data).takeUnretainedValue()
                buf.pointee = uv_buf_init(conn.loop.readBuffer.assumingMemoryBound(to: CChar.self),
                                          UInt32(conn.loop.readBufferSize))
            }, { s, nread, buf in
                guard let s, let data = s.pointee.data else { return }
                let conn = Unmanaged<TCPConnection>.fromOpaque(data).takeUnretainedValue()
                conn.loop.activity &+= 1
                if nread > 0, let base = buf?.pointee.base {
                    conn.didRead(UnsafeRawBufferPointer(start: base, count: nread))
                } else if nread < 0 {
                    conn.didFailRead(Int32(nread))
                }
            })
            if r != 0 { fail(.uv(r, "uv_read_start")); return }
            reading = true
        } else {
            uv_read_stop(stream)
            reading = false
        }
    }

    private func didRead(_ bytes: UnsafeRawBufferPointer) {
        bytesRead += UInt64(bytes.count)
        onRead?(bytes)
    }

    private func didFailRead(_ code: Int32) {
        if code == uvEOF {
            close(graceful: true)  // peer finished sending: flush what we owe, then close
        } else {
            fail(.uv(code, "read"))
        }
    }

    private func fail(_ error: NetError) {
        if closeError == nil { closeError = error }
        closeHandle()
    }

    public func close(graceful: Bool) {
        guard !isClosing else { return }
        if graceful && connected {
            if closingGracefully { return }
            closingGracefully = true
            updateReading()
            if pendingWriteCount == 0 {
                shutdownThenClose()
            } else {
                closeTimer = loop.scheduleTimer(after: gracefulCloseTimeout) { [weak self] in
                    self?.close(graceful: false)
                }
            }
        } else {
            closeHandle()
        }
    }

    private func shutdownThenClose() {
        let req = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
        req.initialize(to: uv_shutdown_t())
        let r = uv_shutdown(req, stream) { req, _ in
            guard let req else { return }
            let s = req.pointee.handle
            req.deallocate()
            guard let s, let data = s.pointee.data else { return }
            Unmanaged<TCPConnection>.fromOpaque(data).takeUnretainedValue().closeHandle()
        }
        if r != 0 {
            req.deallocate()
            closeHandle()
        }
    }

    override func handleDidClose() {
        connected = false
        reading = false
        closeTimer?.cancel()
        closeTimer = nil
        let cb = onClose
        onRead = nil
        onWritable = nil
        onClose = nil
        cb?(closeError)
    }

    override func forceClose() {
        if closeError == nil { closeError = NetError(.shutdown, "event loop shut down") }
        closeHandle()
    }
}

extension TCPConnection {
    /// Connects to `host:port` (numeric or resolved by name) and calls back on
    /// the loop thread. Reading starts after `completion` returns, so set `onRead` in it.
    public static func connect(loop: EventLoop, host: String, port: Int,
                               timeout: Duration = .seconds(10),
                               _ completion: @escaping (Result<TCPConnection, NetError>) -> Void) {
        SocketAddress.resolve(loop: loop, host: host, port: port) { result in
            switch result {
            case .failure(let e): completion(.failure(e))
            case .success(let addr): connect(loop: loop, address: addr, label: "\(host):\(port)",
                                             timeout: timeout, completion)
            }
        }
    }

    private final class Attempt {
        let conn: TCPConnection
        let label: String
        var completion: ((Result<TCPConnection, NetError>) -> Void)?
        var timer: TimerHandle?
        var timedOut = false
        init(conn: TCPConnection, label: String, completion: @escaping (Result<TCPConnection, NetError>) -> Void) {
            self.conn = conn
            self.label = label
            self.completion = completion
        }

        func finish(_ status: Int32) {
            timer?.cancel()
            timer = nil
            guard let completion else { return }
            self.completion = nil
            if status == 0 && !timedOut {
                conn.didConnect()
                completion(.success(conn))
                conn.startReading()
            } else {
                conn.close(graceful: false)
                completion(.failure(timedOut ? NetError(.timeout, "connect to \(label) timed out")
                                             : .uv(status, "connect to \(label)")))
            }
        }
    }

    private static func connect(loop: EventLoop, address: sockaddr_storage, label: String,
                                timeout: Duration,
                                _ completion: @escaping (Result<TCPConnection, NetError>) -> Void) {
        let conn: TCPConnection
        do { conn = try TCPConnection(loop: loop) } catch {
            completion(.failure(error as? NetError ?? NetError(.io, "\(error)")))
            return
        }
        let attempt = Attempt(conn: conn, label: label, completion: completion)
        let req = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
        req.initialize(to: uv_connect_t())
        req.pointee.data = Unmanaged.passRetained(attempt).toOpaque()
        var addr = address
        let r = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                uv_tcp_connect(req, conn.tcp, sa) { req, status in
                    guard let req, let data = req.pointee.data else { return }
                    let attempt = Unmanaged<Attempt>.fromOpaque(data).takeRetainedValue()
                    req.deallocate()
                    attempt.finish(status)
                }
            }
        }
        if r != 0 {
            Unmanaged<Attempt>.fromOpaque(req.pointee.data!).release()
            req.deallocate()
            attempt.finish(r)
            return
        }
        attempt.timer = loop.scheduleTimer(after: timeout) { [weak attempt] in
            guard let attempt, attempt.completion != nil else { return }
            attempt.timedOut = true
            attempt.conn.close(graceful: false)  // cancels the request: the callback reports the timeout
        }
    }
}

import CLibUV
import Foundation

/// A listening TCP socket. Loop thread only.
public final class TCPListener: LoopHandle {
    public let host: String
    /// The bound port (the kernel's choice when asked for port 0).
    public private(set) var port: Int = 0
    /// Watermarks given to each accepted connection.
    public var watermarks = WriteWatermarks()
    private var onAccept: ((TCPConnection) -> Void)?
    public private(set) var acceptedCount = 0

    /// Binds and listens on `host:port`; each accepted connection goes to
    /// `onAccept`, and starts reading once it returns.
    public init(loop: EventLoop, host: String, port: Int, backlog: Int32 = 511,
                onAccept: @escaping (TCPConnection) -> Void) throws {
        self.host = host
        self.onAccept = onAccept
        super.init(loop: loop, byteCount: MemoryLayout<uv_tcp_t>.size)
        let tcp = typed(uv_tcp_t.self)
        var r = uv_tcp_init(loop.uvLoop, tcp)
        guard r == 0 else { throw NetError.uv(r, "uv_tcp_init") }
        activate()
        guard var addr = SocketAddress.parse(host: host, port: port) else {
            closeHandle()
            throw NetError(.address, "not a numeric address: \(host)")
        }
        r = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_bind(tcp, $0, 0) }
        }
        if r == 0 {
            r = uv_listen(typed(uv_stream_t.self), backlog) { server, status in
                guard let server, let data = server.pointee.data else { return }
                let listener = Unmanaged<TCPListener>.fromOpaque(data).takeUnretainedValue()
                listener.loop.activity &+= 1
                listener.accept(status: status)
            }
        }
        guard r == 0 else {
            closeHandle()
            throw NetError.uv(r, "listen on \(host):\(port)")
        }
        var bound = sockaddr_storage()
        var len = Int32(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getsockname(tcp, $0, &len) }
        }
        self.port = SocketAddress.format(bound)?.port ?? port
    }

    private func accept(status: Int32) {
        guard status == 0, !isClosing, let onAccept else { return }
        guard let conn = try? TCPConnection(loop: loop) else { return }
        guard uv_accept(typed(uv_stream_t.self), conn.stream) == 0 else {
            conn.close(graceful: false)
            return
        }
        acceptedCount += 1
        conn.didConnect()
        conn.watermarks = watermarks
        onAccept(conn)
        conn.startReading()
    }

    /// Stops listening. Accepted connections are not affected.
    public func close() {
        onAccept = nil
        closeHandle()
    }

    override func handleDidClose() { onAccept = nil }
}

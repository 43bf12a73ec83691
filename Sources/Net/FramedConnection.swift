/// Frames over a `ByteStream` (normally mutual TLS between nodes). A corrupt
/// or oversize frame closes the connection with a `.frame` error. Loop thread only.
///
/// A zero-length frame is a hello/keep-alive: never delivered to `onFrame`.
/// The accepting side sends one as soon as it has authorized the peer, so the
/// dialling side knows it was accepted (in TLS 1.3 a client finishes its
/// handshake before the server has checked the client's certificate).
public final class FramedConnection {
    public let stream: ByteStream
    public var onFrame: (([UInt8]) -> Void)?
    /// The first frame of any kind (normally the hello) has arrived.
    public var onFirstFrame: (() -> Void)?
    public var onClose: ((NetError?) -> Void)?
    /// Identity of the peer from its TLS certificate, if any.
    public let peerCertificate: PeerCertificate?
    private var decoder: FrameDecoder
    private var failure: NetError?
    public private(set) var framesReceived = 0
    public private(set) var framesSent = 0

    public init(stream: ByteStream, maxFrameSize: Int = Frame.defaultMaxSize) {
        self.stream = stream
        self.decoder = FrameDecoder(maxFrameSize: maxFrameSize)
        self.peerCertificate = (stream as? TLSStream)?.peerCertificate
        stream.onRead = { [unowned self] bytes in self.received(bytes) }
        stream.onClose = { error in self.closed(error) }
    }

    public var isOpen: Bool { stream.isOpen }
    /// False while the write backlog is above the high-water mark: a sender may
    /// then drop or defer (Raft resends).
    public var isWritable: Bool { stream.isWritable }
    public var pendingWriteBytes: Int { stream.pendingWriteBytes }

    public var onWritable: (() -> Void)? {
        get { stream.onWritable }
        set { stream.onWritable = newValue }
    }

    /// Queues one frame; false if the connection is closed or the payload too large.
    @discardableResult
    public func send(_ payload: [UInt8]) -> Bool {
        guard stream.isOpen, payload.count <= decoder.maxFrameSize else { return false }
        stream.write(Frame.encode(payload))
        framesSent += 1
        return true
    }

    /// Sends a zero-length frame (hello / keep-alive).
    public func sendHello() {
        guard stream.isOpen else { return }
        stream.write(Frame.encode([]))
    }

    public func close() { stream.close(graceful: true) }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        decoder.append(bytes)
        do {
            while failure == nil, let payload = try decoder.next() {
                framesReceived += 1
                if let first = onFirstFrame {
                    onFirstFrame = nil
                    first()
                }
                if !payload.isEmpty { onFrame?(payload) }
            }
        } catch {
            failure = NetError(.frame, "\(error)")
            stream.close(graceful: false)
        }
    }

    private func closed(_ error: NetError?) {
        let cb = onClose
        onClose = nil
        onFrame = nil
        onFirstFrame = nil
        cb?(failure ?? error)
    }
}

/// Write-buffer limits of a stream: above `high` the stream stops reading and
/// reports not writable; once below `low` again it resumes and calls `onWritable`.
public struct WriteWatermarks: Sendable, Equatable {
    public var high: Int
    public var low: Int
    public init(high: Int = 256 * 1024, low: Int = 64 * 1024) {
        self.high = high
        self.low = min(low, high)
    }
}

/// A bidirectional byte stream driven by the event loop: a TCP connection, a
/// TLS session on top of one, or an in-memory fake in tests. Loop thread only.
///
/// Callbacks: `onRead` gets bytes valid only during the call; `onWritable`
/// fires when pending writes drain below the low-water mark after having
/// exceeded the high-water mark; `onClose` fires exactly once, when the stream
/// is finished (nil for an orderly close), after which no callback fires.
public protocol ByteStream: AnyObject {
    var onRead: ((UnsafeRawBufferPointer) -> Void)? { get set }
    var onWritable: (() -> Void)? { get set }
    var onClose: ((NetError?) -> Void)? { get set }

    /// Open and not closing.
    var isOpen: Bool { get }
    /// Below the high-water mark: a producer should write more only while true.
    var isWritable: Bool { get }
    /// Bytes accepted by `write` and not yet handed to the kernel.
    var pendingWriteBytes: Int { get }
    var remoteAddress: String? { get }

    /// Queues bytes (copied). Never blocks; writes after close are dropped.
    func write(_ bytes: UnsafeRawBufferPointer)
    func pauseReading()
    func resumeReading()
    /// Graceful: flush pending writes (and TLS close_notify), then close.
    /// Not graceful: close now, dropping pending writes.
    func close(graceful: Bool)
}

extension ByteStream {
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    public func write(_ string: String) {
        var s = string
        s.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    public func close() { close(graceful: true) }
}

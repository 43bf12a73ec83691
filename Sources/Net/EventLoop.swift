import CLibUV
import Foundation

/// One libuv loop running on its own thread.
///
/// Everything in `Net` except `execute`, `submit`, `scheduleTimer`,
/// `offload` and `shutdown` must be used on the loop thread. Other threads hand
/// work over with `execute`, which queues a closure under a lock and wakes the
/// loop with a `uv_async_t`.
public final class EventLoop: @unchecked Sendable {
    public let name: String
    let uvLoop: UnsafeMutablePointer<uv_loop_t>
    private let wakeup: UnsafeMutablePointer<uv_async_t>

    private let lock = NSLock()
    private var queue: [() -> Void] = []
    private var wakeupClosed = false
    private var started = false
    private var loopThread: pthread_t?
    private let finished = DispatchSemaphore(value: 0)
    /// See `init(name:spinBeforeSleep:)`; 0 sleeps at once.
    let spinNanoseconds: UInt64
    /// Callbacks that brought work (queue drains, reads, accepts, offload
    /// completions): loop thread only. The spin watches it.
    var activity: UInt64 = 0

    // Loop-thread state.
    private var handles: [ObjectIdentifier: LoopHandle] = [:]
    /// True once `shutdown` has begun; new handles close at once.
    public private(set) var isShuttingDown = false
    /// Shared read buffer: libuv read callbacks consume it before the next read.
    let readBuffer: UnsafeMutableRawPointer
    let readBufferSize = 64 * 1024

    /// `spinBeforeSleep`: after work, the loop goes on polling for this long,
    /// without blocking and yielding the CPU between polls, before it sleeps in
    /// the kernel. Work that arrives meanwhile (the next request of a busy
    /// client, a reply from the other loop) is served without a wake-up, which
    /// costs a scheduler round trip (tens of µs on a VM); an idle loop sleeps
    /// after one spin.
    public init(name: String = "tally-loop", spinBeforeSleep: Duration = .zero) throws {
        self.name = name
        let (seconds, attoseconds) = max(spinBeforeSleep, .zero).components
        spinNanoseconds = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        // A write to a socket the peer has reset must fail with EPIPE, not kill
        // the process. (Process-wide; every network server wants this.)
        _ = EventLoop.ignoreSIGPIPE
        uvLoop = .allocate(capacity: 1)
        let r = uv_loop_init(uvLoop)
        guard r == 0 else {
            uvLoop.deallocate()
            throw NetError.uv(r, "uv_loop_init")
        }
        wakeup = .allocate(capacity: 1)
        readBuffer = .allocate(byteCount: readBufferSize, alignment: 16)
        uv_async_init(uvLoop, wakeup) { h in
            guard let h, let data = h.pointee.data else { return }
            Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue().drainQueue()
        }
        wakeup.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        uvLoop.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        readBuffer.deallocate()
    }

    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Starts `uv_run` on a dedicated thread. Idempotent.
    public func start() {
        lock.lock()
        if started { lock.unlock(); return }
        started = true
        lock.unlock()
        let thread = Thread { [self] in
            self.lock.withLock { self.loopThread = pthread_self() }
            self.run()
            // Every handle is closed: close the loop and free it.
            uv_loop_close(self.uvLoop)
            self.uvLoop.deallocate()
            self.wakeup.deallocate()
            self.lock.withLock { self.loopThread = nil }
            self.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// True when called on this loop's thread.
    public var inEventLoop: Bool {
        lock.lock(); defer { lock.unlock() }
        guard let t = loopThread else { return false }
        return pthread_equal(t, pthread_self()) != 0
    }

    /// Runs `body` on the loop thread, soon. Safe from any thread; dropped after shutdown.
    public func execute(_ body: @escaping () -> Void) {
        _ = enqueue(body)
    }

    /// False if the loop has shut down and `body` was dropped.
    private func enqueue(_ body: @escaping () -> Void) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard !wakeupClosed else { return false }
        queue.append(body)
        if queue.count == 1 { uv_async_send(wakeup) }
        return true
    }

    /// Runs `body` now if on the loop thread, otherwise via `execute`.
    public func runOnLoop(_ body: @escaping () -> Void) {
        if inEventLoop { body() } else { execute(body) }
    }

    /// Runs `body` on the loop thread and waits for its result (inline when
    /// already on the loop thread). For setup and tests, not hot paths.
    public func submit<T>(timeout: Duration = .seconds(30), _ body: @escaping () throws -> T) throws -> T {
        if inEventLoop { return try body() }
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        let queued = enqueue {
            box.set(Result { try body() })
            done.signal()
        }
        guard queued else { throw NetError(.shutdown, "event loop \(name) has shut down") }
        guard done.wait(timeout: .now() + timeout.seconds) == .success, let result = box.get() else {
            throw NetError(.timeout, "event loop \(name) did not run the submitted work in \(timeout)")
        }
        return try result.get()
    }

    private func drainQueue() {
        activity &+= 1
        lock.lock()
        let items = queue
        queue.removeAll(keepingCapacity: true)
        lock.unlock()
        for item in items { item() }
    }

    func register(_ h: LoopHandle) { handles[ObjectIdentifier(h)] = h }
    func unregister(_ h: LoopHandle) { handles.removeValue(forKey: ObjectIdentifier(h)) }

    /// True while the loop's thread is inside `uv_run`.
    var isRunning: Bool { lock.withLock { loopThread != nil } }

    /// Number of open handles owned by `Net` objects (timers, sockets, listeners).
    public var openHandleCount: Int { handles.count }

    /// Closes every handle, lets pending thread-pool work finish, stops the
    /// thread and frees the loop. Blocks (up to `timeout`) unless called on the
    /// loop thread, where it only begins the shutdown.
    public func shutdown(timeout: Duration = .seconds(30)) {
        if inEventLoop { beginShutdown(); return }
        execute { [self] in self.beginShutdown() }
        start()
        if finished.wait(timeout: .now() + timeout.seconds) == .success {
            finished.signal()  // let later callers return too
        }
    }

    private func beginShutdown() {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        drainQueue()
        for h in Array(handles.values) { h.forceClose() }
        lock.withLock {
            wakeupClosed = true
            queue.removeAll()
        }
        uv_close(UnsafeMutableRawPointer(wakeup).assumingMemoryBound(to: uv_handle_t.self), nil)
        // Anything opened outside Net (none expected) is closed too.
        uv_walk(uvLoop, { h, _ in
            if let h, uv_is_closing(h) == 0 { uv_close(h, nil) }
        }, nil)
    }
}

final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, Error>?
    func set(_ v: Result<T, Error>) { lock.withLock { value = v } }
    func get() -> Result<T, Error>? { lock.withLock { value } }
}

import CLibUV
import Foundation

/// A libuv timer. Loop thread only; `close()` when done with it.
public final class LoopTimer: LoopHandle {
    private var callback: (() -> Void)?

    public init(loop: EventLoop) {
        super.init(loop: loop, byteCount: MemoryLayout<uv_timer_t>.size)
        uv_timer_init(loop.uvLoop, typed(uv_timer_t.self))
        activate()
    }

    /// (Re)arms the timer: `body` runs after `after`, then every `repeating` if given.
    public func start(after: Duration, repeating: Duration? = nil, _ body: @escaping () -> Void) {
        guard !isClosing else { return }
        callback = body
        uv_timer_start(typed(uv_timer_t.self), { t in
            guard let t, let data = t.pointee.data else { return }
            Unmanaged<LoopTimer>.fromOpaque(data).takeUnretainedValue().fire()
        }, after.uvMilliseconds, repeating.map { max(1, $0.uvMilliseconds) } ?? 0)
    }

    private func fire() {
        guard let cb = callback else { return }
        if uv_timer_get_repeat(typed(uv_timer_t.self)) == 0 { callback = nil }
        cb()
    }

    public var isArmed: Bool { callback != nil && !isClosing }

    public func stop() {
        guard !isClosing else { return }
        uv_timer_stop(typed(uv_timer_t.self))
        callback = nil
    }

    public func close() {
        callback = nil
        closeHandle()
    }

    override func handleDidClose() { callback = nil }
}

/// A timer scheduled with `EventLoop.scheduleTimer`; `cancel()` from any thread.
public final class TimerHandle: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    fileprivate var timer: LoopTimer?  // loop thread
    private let loop: EventLoop

    fileprivate init(loop: EventLoop) { self.loop = loop }

    public var isCancelled: Bool { lock.withLock { cancelled } }

    public func cancel() {
        lock.withLock { cancelled = true }
        loop.runOnLoop { [self] in
            self.timer?.close()
            self.timer = nil
        }
    }
}

extension EventLoop {
    /// Runs `body` on the loop thread after `after`, then every `repeating` if
    /// given, until cancelled. Safe from any thread.
    @discardableResult
    public func scheduleTimer(after: Duration, repeating: Duration? = nil,
                              _ body: @escaping () -> Void) -> TimerHandle {
        let h = TimerHandle(loop: self)
        runOnLoop { [self] in
            guard !h.isCancelled, !self.isShuttingDown else { return }
            let t = LoopTimer(loop: self)
            h.timer = t
            t.start(after: after, repeating: repeating) {
                if h.isCancelled { t.close(); return }
                if repeating == nil { t.close(); h.timer = nil }
                body()
            }
        }
        return h
    }
}

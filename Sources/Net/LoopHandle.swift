import CLibUV

/// Base of every object that owns one libuv handle.
///
/// The handle's `data` pointer holds a retained reference to its owner from
/// `activate()` until libuv's close callback, so an open handle keeps its owner
/// alive however the caller holds it; the handle memory is freed in that close
/// callback. Loop thread only.
public class LoopHandle {
    public let loop: EventLoop
    let handle: UnsafeMutablePointer<uv_handle_t>
    private var active = false
    /// True once `uv_close` has been called on the handle.
    public private(set) var isClosing = false

    init(loop: EventLoop, byteCount: Int) {
        self.loop = loop
        let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 16)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        handle = raw.bindMemory(to: uv_handle_t.self, capacity: 1)
    }

    deinit {
        // Never initialised by libuv (init failed): free here, libuv never saw it.
        if !active { UnsafeMutableRawPointer(handle).deallocate() }
    }

    /// The handle as another libuv handle type (`uv_tcp_t`, `uv_stream_t`, …).
    func typed<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        UnsafeMutablePointer<T>(OpaquePointer(handle))
    }

    /// Call once after a successful `uv_*_init`.
    func activate() {
        precondition(!active)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        active = true
        loop.register(self)
        if loop.isShuttingDown { forceClose() }
    }

    /// Closes the handle; `handleDidClose()` runs from libuv's close callback.
    func closeHandle() {
        guard active, !isClosing else { return }
        isClosing = true
        uv_close(handle) { h in
            guard let h, let data = h.pointee.data else { return }
            let owner = Unmanaged<LoopHandle>.fromOpaque(data).takeRetainedValue()
            owner.loop.unregister(owner)
            owner.handleDidClose()
            UnsafeMutableRawPointer(h).deallocate()
        }
    }

    /// Called once the handle is closed and its memory about to be freed.
    func handleDidClose() {}

    /// Called by `EventLoop.shutdown`: close now, without grace.
    func forceClose() { closeHandle() }
}

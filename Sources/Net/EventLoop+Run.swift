import CLibUV

extension EventLoop {
    /// `uv_run` until no handle is left. With a spin, every wake-up is followed
    /// by non-blocking polls (`UV_RUN_NOWAIT`, then `sched_yield`, so another
    /// runnable thread on this core goes first) until `spinNanoseconds` pass
    /// without new work; only then does the loop block in `UV_RUN_ONCE`.
    func run() {
        guard spinNanoseconds > 0 else {
            uv_run(uvLoop, UV_RUN_DEFAULT)
            return
        }
        var lastWork = uv_hrtime()
        while true {
            let before = activity
            if uv_run(uvLoop, UV_RUN_NOWAIT) == 0 { return }
            let now = uv_hrtime()
            if activity != before {
                lastWork = now
            } else if now &- lastWork < spinNanoseconds {
                sched_yield()
            } else {
                if uv_run(uvLoop, UV_RUN_ONCE) == 0 { return }
                lastWork = uv_hrtime()
            }
        }
    }
}

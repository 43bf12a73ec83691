import CLibUV
import Foundation

private final class OffloadTask {
    let work: () -> Void
    let completion: () -> Void
    init(work: @escaping () -> Void, completion: @escaping () -> Void) {
        self.work = work
        self.completion = completion
    }
}

extension EventLoop {
    /// Runs blocking `work` (fsync, large reads) on libuv's thread pool, then
    /// `then` with its result on the loop thread. Safe from any thread.
    /// `uv_run` keeps going until queued work has called back, so shutdown waits for it.
    public func offload<T>(work: @escaping () -> T, then: @escaping (T) -> Void) {
        let box = ResultBox<T>()
        let task = OffloadTask(
            work: { box.set(.success(work())) },
            completion: {
                if case .success(let value)? = box.get() { then(value) }
            })
        runOnLoop { [self] in
            let req = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
            req.initialize(to: uv_work_t())
            req.pointee.data = Unmanaged.passRetained(task).toOpaque()
            let r = uv_queue_work(self.uvLoop, req, { req in
                guard let req, let data = req.pointee.data else { return }
                Unmanaged<OffloadTask>.fromOpaque(data).takeUnretainedValue().work()
            }, { req, _ in
                guard let req, let data = req.pointee.data else { return }
                let task = Unmanaged<OffloadTask>.fromOpaque(data).takeRetainedValue()
                if let loop = req.pointee.loop?.pointee.data {
                    Unmanaged<EventLoop>.fromOpaque(loop).takeUnretainedValue().activity &+= 1
                }
                req.deallocate()
                task.completion()
            })
            if r != 0 {
                // The pool refused (loop closing): do the work here rather than lose it.
                Unmanaged<OffloadTask>.fromOpaque(req.pointee.data!).release()
                req.deallocate()
                task.work()
                task.completion()
            }
        }
    }
}

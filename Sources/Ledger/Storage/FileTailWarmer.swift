import Dispatch
import Foundation

/// Keeps the page cache populated a window ahead of a growing file's end, on a
/// background queue, so that the writer's first write of a page does not pay
/// for the page's memory.
///
/// Writing a page of a file that has no page-cache page yet makes the kernel
/// allocate one. On a VM whose host takes back the guest's free memory
/// (Firecracker and KVM free-page reporting, balloons) that first touch costs a
/// fault on the host: here, writing 2 GB into a new file ran at ≈ 300 MB/s and
/// into the same file's cached pages at 4.5 GB/s, and the LMDB commit's
/// `writev` of new pages grew from 1 % to 13 % of the ingesting thread once the
/// recently freed memory was used up (Docs/performance.md, stop 22).
///
/// Once the file holds `threshold` bytes (a small ledger's store is left
/// alone: it sets nothing aside, and its few new pages cost little), the
/// warmer allocates the file's next `window` bytes (`posix_fallocate`: it only
/// ever grows the file, so it cannot race a writer that extends it) and reads
/// them into the page cache (`POSIX_FADV_WILLNEED`, in steps of the kernel's
/// readahead limit). The blocks are unwritten extents: they read as zeros with
/// no I/O, and whoever writes them later writes them once. The file's size
/// runs up to a window ahead of its contents; LMDB reads its extent from its
/// meta page, not the file's size. The cost moves rather than vanishes: the
/// pages are zero-filled before the writer overwrites them, and ext4 converts
/// the extents at writeback (Docs/performance.md: the ingesting thread gains
/// 1.3–3.6 µs a revision, the process spends ≈ 3 µs more in all).
final class FileTailWarmer: @unchecked Sendable {
    let path: String
    let threshold: Int
    let window: Int
    private let queue = DispatchQueue(label: "tally.file-tail-warmer", qos: .utility)
    private let lock = NSLock()
    /// Guarded by `lock`: the end of the warmed range, and whether the queue is at work.
    private var warmedTo = 0
    private var busy = false
    /// Guarded by `lock`: warm calls made, for tests.
    private(set) var rounds = 0

    /// The kernel reads ahead at most this much per advice (`bdi->io_pages`).
    static let adviceStep = 8 << 20

    init(path: String, threshold: Int = 512 << 20, window: Int = 64 << 20) {
        self.path = path
        self.threshold = threshold
        self.window = window
    }

    /// The writer has used the file up to `end` (bytes). Returns at once; from
    /// `threshold` on, when less than half the window is warm past `end`, the
    /// queue warms the rest.
    func writerReached(_ end: Int) {
        guard end >= threshold else { return }
        let range: Range<Int>
        lock.lock()
        if busy || warmedTo - end >= window / 2 {
            lock.unlock()
            return
        }
        busy = true
        range = max(end, warmedTo)..<(end + window)
        lock.unlock()
        queue.async { [self] in
            let reached = warm(range)
            lock.lock()
            warmedTo = reached
            busy = false
            rounds += 1
            lock.unlock()
        }
    }

    /// The file was replaced (a compacting copy): nothing of it is warm.
    func forget() {
        queue.sync {}
        lock.lock()
        warmedTo = 0
        lock.unlock()
    }

    /// Waits for the queue (tests).
    func settle() { queue.sync {} }

    /// Allocates and reads in `range`; returns how far it got (its start if the file cannot be opened).
    private func warm(_ range: Range<Int>) -> Int {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return range.lowerBound }
        defer { close(fd) }
        guard posix_fallocate(fd, off_t(range.lowerBound), off_t(range.count)) == 0 else { return range.lowerBound }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let length = min(Self.adviceStep, range.upperBound - offset)
            _ = posix_fadvise(fd, off_t(offset), off_t(length), POSIX_FADV_WILLNEED)
            offset += length
        }
        return range.upperBound
    }
}

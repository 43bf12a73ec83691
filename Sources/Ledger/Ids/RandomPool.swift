import Foundation

/// Random bytes drawn from `arc4random_buf` a page at a time. Debian 12's
/// glibc (2.36-9) implements `arc4random` as one `getrandom` system call per
/// draw, and a transaction takes three or four (its request ids and its
/// document ids); the pool makes that one call per 4,096 bytes.
/// Bytes are handed out once and zeroed as they leave the pool. Thread-safe.
public final class RandomPool: @unchecked Sendable {
    public static let shared = RandomPool()

    private let lock = NSLock()
    private let capacity: Int
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes before `next` have been handed out (and zeroed).
    private var next: Int
    private var refillCount = 0
    /// How many times the pool has been filled from the system.
    public var refills: Int { lock.withLock { refillCount } }

    public init(capacity: Int = 4096) {
        precondition(capacity > 0)
        self.capacity = capacity
        buffer = .allocate(byteCount: capacity, alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        next = capacity
    }

    deinit { buffer.deallocate() }

    /// Fills `destination` with random bytes.
    public func fill(_ destination: UnsafeMutableRawBufferPointer) {
        guard let base = destination.baseAddress, destination.count > 0 else { return }
        if destination.count > capacity {
            arc4random_buf(base, destination.count)
            return
        }
        lock.lock()
        defer { lock.unlock() }
        if capacity - next < destination.count {
            arc4random_buf(buffer.baseAddress!, capacity)
            next = 0
            refillCount += 1
        }
        let source = buffer.baseAddress! + next
        base.copyMemory(from: source, byteCount: destination.count)
        memset(source, 0, destination.count)
        next += destination.count
    }

    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }
}

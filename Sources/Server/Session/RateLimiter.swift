import Foundation
import QLDBWire

/// A token bucket per caller: `ratePerSecond` tokens are added each second up
/// to `burst`; each request takes one. Excess requests get
/// `RateExceededException`. A rate of 0 or less disables limiting.
public final class TokenBucketRateLimiter: @unchecked Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    private let clock: any ServerClock
    private let lock = NSLock()
    private var buckets: [String: (tokens: Double, updated: Date)] = [:]

    public init(ratePerSecond: Double, burst: Double, clock: any ServerClock) {
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
        self.clock = clock
    }

    public var isEnabled: Bool { ratePerSecond > 0 }

    /// Takes one token for `key`; false when the bucket is empty.
    public func tryAcquire(_ key: String) -> Bool {
        guard isEnabled else { return true }
        let now = clock.now()
        return lock.withLock {
            var bucket = buckets[key] ?? (tokens: burst, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(burst, bucket.tokens + elapsed * ratePerSecond)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            if buckets.count > 10_000 { prune(now) }
            return allowed
        }
    }

    /// Drops buckets that have refilled completely (they equal a new one).
    private func prune(_ now: Date) {
        buckets = buckets.filter { _, b in
            b.tokens + now.timeIntervalSince(b.updated) * ratePerSecond < burst
        }
    }
}

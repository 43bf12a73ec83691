import Foundation

/// Equal-jitter exponential backoff, as pyqldb: seed = min(base·2ⁿ, cap) ms,
/// sleep seed/2 + random(0…seed/2).
enum RetryBackoff {
    static func delayMs(attempt: Int, baseMs: Int = 10, capMs: Int = 5000) -> Int {
        let seed = min(baseMs << min(attempt, 20), capMs)
        return seed / 2 + Int.random(in: 0...max(seed / 2, 0))
    }

    static func sleep(attempt: Int, baseMs: Int = 50) {
        usleep(UInt32(delayMs(attempt: attempt, baseMs: baseMs)) * 1000)
    }
}

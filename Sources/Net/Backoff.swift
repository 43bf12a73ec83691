import Foundation

/// Exponential reconnect backoff: `initial * multiplier^attempt`, capped at
/// `maximum`, with up to ±`jitter` (a fraction) of randomness.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    public var jitter: Double

    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(5),
                multiplier: Double = 2, jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = max(1, multiplier)
        self.jitter = min(max(0, jitter), 1)
    }

    /// The wait before retry number `attempt` (0-based).
    public func delay(attempt: Int, random: Double = Double.random(in: -1...1)) -> Duration {
        let base = min(initial.seconds * pow(multiplier, Double(min(attempt, 64))), maximum.seconds)
        let jittered = min(max(0, base * (1 + jitter * random)), maximum.seconds)
        return .nanoseconds(Int64(jittered * 1e9))
    }
}

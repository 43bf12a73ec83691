/// A small, fast, seedable PRNG (Steele, Lea, Flood 2014). The Raft core uses
/// it for randomized election timeouts, seeded from `Config.randomSeed`, so a
/// run is reproducible from its seed; the simulator uses it for everything.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound`. Implemented here (not via the standard library's
    /// `random(in:using:)`) so that the sequence never changes with the toolchain.
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        return next().multipliedFullWidth(by: bound).high
    }

    /// A value in `0..<bound`.
    public mutating func int(below bound: Int) -> Int {
        Int(next(below: UInt64(bound)))
    }

    /// A value in `range` (closed).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.count)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        guard p > 0 else { return false }
        return Double(next() >> 11) * 0x1.0p-53 < p
    }
}

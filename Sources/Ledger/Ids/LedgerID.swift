import Foundation

/// System identifiers (PROTOCOL.md §3.1): a random 128-bit value rendered as
/// a fixed-length 22-character Base62 string (`0-9A-Za-z`, most significant
/// digit first, left-padded with `0`). Clients treat them as opaque.
public enum LedgerID {
    public static let length = 22
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// The Base62 rendering of the 128-bit value `high << 64 | low`.
    public static func encode(high: UInt64, low: UInt64) -> String {
        var hi = high
        var lo = low
        var out = [UInt8](repeating: alphabet[0], count: length)
        var i = length - 1
        while hi != 0 || lo != 0 {
            let (qh, rh) = hi.quotientAndRemainder(dividingBy: 62)
            let (ql, rl) = UInt64(62).dividingFullWidth((high: rh, low: lo))
            hi = qh
            lo = ql
            out[i] = alphabet[Int(rl)]
            i -= 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The 128-bit value of a 22-character Base62 id, or nil if it is not one.
    public static func decode(_ id: String) -> (high: UInt64, low: UInt64)? {
        let chars = Array(id.utf8)
        guard chars.count == length else { return nil }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for c in chars {
            guard let digit = alphabet.firstIndex(of: c) else { return nil }
            // (hi, lo) = (hi, lo) * 62 + digit, failing on overflow.
            let (loCarry, loProduct) = lo.multipliedFullWidth(by: 62)
            let (hiProduct, hiOverflow) = hi.multipliedReportingOverflow(by: 62)
            guard !hiOverflow else { return nil }
            let (hiSum, o1) = hiProduct.addingReportingOverflow(loCarry)
            let (loSum, o2) = loProduct.addingReportingOverflow(UInt64(digit))
            let (hiFinal, o3) = hiSum.addingReportingOverflow(o2 ? 1 : 0)
            guard !o1, !o3 else { return nil }
            hi = hiFinal
            lo = loSum
        }
        return (hi, lo)
    }

    public static func isValid(_ id: String) -> Bool { decode(id) != nil }
}

/// Produces ids from a random source: the system generator by default, any
/// `RandomNumberGenerator` (e.g. `SeededGenerator`) for deterministic tests.
/// Thread-safe: statements running off the loop draw ids concurrently.
public final class IDGenerator: @unchecked Sendable {
    private var nextWords: () -> (UInt64, UInt64)
    private let lock = NSLock()

    public init() {
        var generator = SystemRandomNumberGenerator()
        nextWords = { (generator.next(), generator.next()) }
    }

    public init<G: RandomNumberGenerator>(_ generator: G) {
        var generator = generator
        nextWords = { (generator.next(), generator.next()) }
    }

    public func next() -> String {
        let (high, low) = lock.withLock { nextWords() }
        return LedgerID.encode(high: high, low: low)
    }
}

/// SplitMix64: a small, fast, seedable generator for reproducible ids and tests.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Foundation

/// System identifiers (PROTOCOL.md §3.1): a random 128-bit value rendered as
/// a fixed-length 22-character Base62 string (`0-9A-Za-z`, most significant
/// digit first, left-padded with `0`). Clients treat them as opaque.
public enum LedgerID {
    public static let length = 22
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// The Base62 rendering of the 128-bit value `high << 64 | low`: two
    /// 128-by-64-bit divisions by 62¹⁰ split it into ten-digit pieces, whose
    /// digits come from 64-bit arithmetic (an id is made per transaction and
    /// per inserted document).
    public static func encode(high: UInt64, low: UInt64) -> String {
        let chunk: UInt64 = 839_299_365_868_340_224   // 62^10
        func divide(_ hi: UInt64, _ lo: UInt64) -> (hi: UInt64, lo: UInt64, remainder: UInt64) {
            let (qh, rh) = hi.quotientAndRemainder(dividingBy: chunk)
            let (ql, r) = chunk.dividingFullWidth((high: rh, low: lo))
            return (qh, ql, r)
        }
        let last = divide(high, low)
        let middle = divide(last.hi, last.lo)
        // What is left is below 62^2 (2^128 < 62^22).
        return String(unsafeUninitializedCapacity: length) { out in
            func digits(_ value: UInt64, count: Int, endingAt end: Int) {
                var v = value
                for i in stride(from: end - 1, through: end - count, by: -1) {
                    out[i] = alphabet[Int(v % 62)]
                    v /= 62
                }
            }
            digits(middle.lo, count: 2, endingAt: 2)
            digits(middle.remainder, count: 10, endingAt: 12)
            digits(last.remainder, count: 10, endingAt: 22)
            return length
        }
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

    /// 128 random bits from `RandomPool.shared` (`arc4random`, a page at a time).
    static func randomWords() -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { RandomPool.shared.fill($0) }
        return words
    }

    /// A random id (request ids).
    public static func random() -> String {
        let (high, low) = randomWords()
        return encode(high: high, low: low)
    }
}

/// Produces ids. `IDGenerator()` makes time-ordered ids (UUID version 7,
/// RFC 9562: 48 bits of Unix milliseconds, then 74 random bits), so ids made
/// one after another sort together: the state store's keys by document id
/// (heads, revisions, a table's documents) then grow at the end of their
/// B-trees instead of dirtying a random page per insert. Ids from any
/// `RandomNumberGenerator` (e.g. `SeededGenerator`) are plain random 128-bit
/// values, for deterministic tests; give a `clock` to make them time-ordered too.
/// Time-ordered ids from one generator strictly increase (`monotonic`).
/// Thread-safe: statements running off the loop draw ids concurrently.
public final class IDGenerator: @unchecked Sendable {
    private var nextWords: () -> (UInt64, UInt64)
    private let lock = NSLock()

    public convenience init() {
        self.init(timeOrdered: LedgerID.randomWords, clock: IDGenerator.unixMs)
    }

    public init<G: RandomNumberGenerator>(_ generator: G) {
        var generator = generator
        nextWords = { (generator.next(), generator.next()) }
    }

    public convenience init<G: RandomNumberGenerator>(_ generator: G, clock: @escaping @Sendable () -> Int64) {
        var generator = generator
        self.init(timeOrdered: { (generator.next(), generator.next()) }, clock: clock)
    }

    /// Time-ordered ids: each a UUIDv7 of `clock()` and two random words, kept strictly increasing.
    private init(timeOrdered random: @escaping () -> (UInt64, UInt64), clock: @escaping () -> Int64) {
        var last: (UInt64, UInt64) = (0, 0)
        nextWords = {
            let words = random()
            last = IDGenerator.monotonic(IDGenerator.version7(ms: clock(), random: words), after: last, step: words.1)
            return last
        }
    }

    public func next() -> String {
        let (high, low) = lock.withLock { nextWords() }
        return LedgerID.encode(high: high, low: low)
    }

    /// A UUIDv7: `unix_ts_ms` (48 bits) ‖ version 7 ‖ 12 random bits ‖ variant `10` ‖ 62 random bits.
    static func version7(ms: Int64, random: (UInt64, UInt64)) -> (UInt64, UInt64) {
        let timestamp = UInt64(clamping: max(0, ms)) & 0xFFFF_FFFF_FFFF
        let high = timestamp << 16 | 0x7000 | random.0 & 0x0FFF
        let low = 0x8000_0000_0000_0000 | random.1 & 0x3FFF_FFFF_FFFF_FFFF
        return (high, low)
    }

    /// RFC 9562 §6.2, method 2 ("monotonic random"): an id that would not
    /// sort after the previous one (the same millisecond, or a clock stepped
    /// back) is the previous one plus a random step of 1…2³², carried through
    /// the 74 random bits and into the timestamp if need be. So one
    /// generator's ids strictly increase, and the store's keys by document id
    /// grow at the right edge of their B-trees, which LMDB splits into full
    /// pages, instead of landing inside the last page and splitting it in half.
    static func monotonic(_ id: (UInt64, UInt64), after previous: (UInt64, UInt64), step: UInt64) -> (UInt64, UInt64) {
        guard id <= previous else { return id }
        let randomB: UInt64 = 1 << 62
        var low = (previous.1 & (randomB - 1)) + (step & 0xFFFF_FFFF) + 1
        var randomA = previous.0 & 0x0FFF, timestamp = previous.0 >> 16
        if low >= randomB {
            low -= randomB
            randomA += 1
            if randomA > 0x0FFF {
                randomA = 0
                timestamp += 1
            }
        }
        return (timestamp << 16 | 0x7000 | randomA, 0x8000_0000_0000_0000 | low)
    }

    static func unixMs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
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

import XCTest
@testable import Ledger

final class LedgerIdTests: XCTestCase {
    func testBase62Encoding() {
        XCTAssertEqual(LedgerID.encode(high: 0, low: 0), "0000000000000000000000")
        XCTAssertEqual(LedgerID.encode(high: 0, low: 61), "000000000000000000000z")
        XCTAssertEqual(LedgerID.encode(high: 0, low: 62), "0000000000000000000010")
        let max = LedgerID.encode(high: .max, low: .max)
        XCTAssertEqual(max.count, 22)
        XCTAssertEqual(max, "7n42DGM5Tflk9n8mt7Fhc7")
    }

    /// Digit by digit, one 128-bit division by 62 each: what `encode` computes in ten-digit pieces.
    private func reference(_ high: UInt64, _ low: UInt64) -> String {
        var (hi, lo) = (high, low)
        var out = [UInt8](repeating: UInt8(ascii: "0"), count: 22)
        for i in stride(from: 21, through: 0, by: -1) {
            let (qh, rh) = hi.quotientAndRemainder(dividingBy: 62)
            let (ql, r) = UInt64(62).dividingFullWidth((high: rh, low: lo))
            (hi, lo) = (qh, ql)
            out[i] = LedgerID.alphabet[Int(r)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    func testEncodingInTenDigitPiecesEqualsDigitByDigit() {
        // 62^10, 62^20 and their neighbours: where the pieces meet.
        let p10: UInt64 = 839_299_365_868_340_224
        let p20 = p10.multipliedFullWidth(by: p10)
        var values: [(UInt64, UInt64)] = [(0, p10 - 1), (0, p10), (0, p10 + 1), (p20.high, p20.low), (p20.high, p20.low - 1),
                                          (p20.high, p20.low + 1), (.max, .max), (0, .max), (1, 0), (.max, 0)]
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<2000 { values.append((rng.next() >> (rng.next() % 64), rng.next())) }
        for (h, l) in values { XCTAssertEqual(LedgerID.encode(high: h, low: l), reference(h, l), "\(h) \(l)") }
    }

    func testRoundTripAndValidation() {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<1000 {
            let (h, l) = (rng.next(), rng.next())
            let id = LedgerID.encode(high: h, low: l)
            XCTAssertEqual(id.count, 22)
            let back = LedgerID.decode(id)
            XCTAssertEqual(back?.high, h)
            XCTAssertEqual(back?.low, l)
        }
        XCTAssertFalse(LedgerID.isValid("short"))
        XCTAssertFalse(LedgerID.isValid("zzzzzzzzzzzzzzzzzzzzzz"))  // > 2^128
        XCTAssertFalse(LedgerID.isValid("000000000000000000000-"))
        XCTAssertTrue(LedgerID.isValid("3Qv67yjXEwB9SjmvkuG6Cp"))
    }

    func testSeededGeneratorIsDeterministic() {
        let a = IDGenerator(SeededGenerator(seed: 7))
        let b = IDGenerator(SeededGenerator(seed: 7))
        let c = IDGenerator()
        let d = IDGenerator()
        XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in b.next() })
        XCTAssertNotEqual(c.next(), d.next())
    }

    func testSystemIdsAreTimeOrderedVersion7UUIDs() {
        let ids = IDGenerator()
        var previous = ""
        for _ in 0..<200 {
            let id = ids.next()
            guard let (high, low) = LedgerID.decode(id) else { return XCTFail("\(id) is not an id") }
            XCTAssertEqual(high >> 12 & 0xF, 7, "version 7")
            XCTAssertEqual(low >> 62, 0b10, "RFC 9562 variant")
            let ms = Int64(high >> 16)
            XCTAssertLessThanOrEqual(abs(ms - IDGenerator.unixMs()), 5_000)
            XCTAssertNotEqual(id, previous)
            previous = id
        }
    }

    func testIdsFromLaterMillisecondsSortAfterEarlierOnesAsStoreKeys() {
        let clock = Clock()
        let ids = IDGenerator(SeededGenerator(seed: 3), clock: { clock.now })
        var earlier: [String] = []
        for ms in stride(from: Int64(1_700_000_000_000), to: 1_700_000_000_050, by: 1) {
            clock.now = ms
            let batch = (0..<8).map { _ in ids.next() }
            // Byte order (LMDB's key order) follows time: every id of a later millisecond sorts after every earlier one.
            for id in batch { XCTAssertTrue(earlier.allSatisfy { Array($0.utf8).lexicographicallyPrecedes(Array(id.utf8)) }) }
            earlier += batch
        }
        XCTAssertEqual(Set(earlier).count, earlier.count)
    }

    func testTheVersion7LayoutKeepsTimestampAndRandomBitsApart() {
        let (high, low) = IDGenerator.version7(ms: 0x0123_4567_89AB, random: (.max, .max))
        XCTAssertEqual(high, 0x0123_4567_89AB_7FFF)
        XCTAssertEqual(low, 0xBFFF_FFFF_FFFF_FFFF)
        let (h0, l0) = IDGenerator.version7(ms: -5, random: (0, 0))
        XCTAssertEqual(h0, 0x7000)
        XCTAssertEqual(l0, 0x8000_0000_0000_0000)
    }
}

private final class Clock: @unchecked Sendable {
    var now: Int64 = 0
}

final class MonotonicIdTests: XCTestCase {
    func testIdsOfOneMillisecondStrictlyIncrease() {
        let ids = IDGenerator(SeededGenerator(seed: 9), clock: { 1_700_000_000_000 })
        var previous: [UInt8] = []
        for _ in 0..<10_000 {
            let id = Array(ids.next().utf8)
            XCTAssertTrue(previous.lexicographicallyPrecedes(id), "\(String(decoding: id, as: UTF8.self))")
            previous = id
        }
    }

    func testAClockSteppedBackStillGivesLargerIds() {
        let clock = StepClock()
        let ids = IDGenerator(SeededGenerator(seed: 4), clock: { clock.now })
        clock.now = 1_700_000_000_500
        let before = ids.next()
        clock.now = 1_700_000_000_000
        let after = ids.next()
        XCTAssertTrue(Array(before.utf8).lexicographicallyPrecedes(Array(after.utf8)))
        XCTAssertEqual(LedgerID.decode(after)!.high >> 16, 1_700_000_000_500, "keeps the later timestamp")
    }

    func testTheStepCarriesThroughTheRandomBitsIntoTheTimestamp() {
        let full = (UInt64(0x0123_4567_89AB) << 16 | 0x7FFF, UInt64(0xBFFF_FFFF_FFFF_FFFF))
        let next = IDGenerator.monotonic((0, 0), after: full, step: 0)
        XCTAssertEqual(next.0, UInt64(0x0123_4567_89AC) << 16 | 0x7000, "version kept, timestamp + 1")
        XCTAssertEqual(next.1, 0x8000_0000_0000_0000, "variant kept")
        let mid = IDGenerator.monotonic((0, 0), after: (0x7000, 0xBFFF_FFFF_FFFF_FFF0), step: 0x1F)
        XCTAssertEqual(mid.0, 0x7001)
        XCTAssertEqual(mid.1, 0x8000_0000_0000_0010)
        for (h, l) in [next, mid] {
            XCTAssertEqual(h >> 12 & 0xF, 7)
            XCTAssertEqual(l >> 62, 0b10)
        }
    }

    func testSystemIdsStrictlyIncrease() {
        let ids = IDGenerator()
        var previous: [UInt8] = []
        for _ in 0..<20_000 {
            let id = Array(ids.next().utf8)
            XCTAssertTrue(previous.lexicographicallyPrecedes(id))
            previous = id
        }
    }
}

private final class StepClock: @unchecked Sendable {
    var now: Int64 = 0
}

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
}

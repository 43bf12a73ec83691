import Foundation
import Ion
import XCTest
@testable import Ledger

/// Index keys reduce numbers to (sign, coefficient without trailing zeros,
/// exponent): `1d200000` is never expanded to 200001 digits, and a binary
/// timestamp fraction with a far-out exponent is never scaled to the seconds.
final class IndexKeyBoundsTests: XCTestCase {
    func key(_ text: String) throws -> [UInt8] { IndexKey.of(try Ion.read(text)[0]) }

    func testFarOutExponentsKeyByValueQuickly() throws {
        let start = Date()
        XCTAssertEqual(try key("1d200000"), try key("10d199999"))
        XCTAssertEqual(try key("1d200000"), try key("1.000d200000"))
        XCTAssertNotEqual(try key("1d200000"), try key("1d200001"))
        XCTAssertEqual(try key("-5d-2000000000"), try key("-50d-2000000001"))
        XCTAssertEqual(try key("100"), try key("1d2"))
        XCTAssertEqual(try key("0d-2000000000"), try key("0"))
        let fraction = IonDecimal(coefficient: 1, exponent: -999_999_999_999)
        let t = IonTimestamp(year: 2024, month: 1, day: 2, hour: 3, minute: 4, second: 5, fraction: fraction, offsetMinutes: 0, precision: .second)
        XCTAssertNotEqual(IndexKey.of(IonValue(.timestamp(t))), try key("2024-01-02T03:04:05Z"))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }
}

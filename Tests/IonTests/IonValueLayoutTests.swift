import BigInt
import XCTest
@testable import Ion

/// Values stay small: every struct field, list element and PartiQL row holds
/// an `IonValue` inline, so its size is paid once per value of every tree.
/// Timestamps (about 90 bytes) and big integers are boxed (`indirect`) for
/// that; inline, they made every value 122 bytes and every field 154, and
/// binary decode of `tally bench ion`'s stream ran at 182 MB/s against 240.
final class IonValueLayoutTests: XCTestCase {
    func testAValueIsAFewWordsNotATimestampsWorth() {
        XCTAssertLessThanOrEqual(MemoryLayout<IonInt>.size, 9)
        XCTAssertLessThanOrEqual(MemoryLayout<IonContent>.size, 32)
        XCTAssertLessThanOrEqual(MemoryLayout<IonValue>.stride, 40)
        XCTAssertLessThanOrEqual(MemoryLayout<IonField>.stride, 72)
    }

    func testBoxedCasesRoundTripThroughBothEncodings() throws {
        let big = BigInt(1) << 130
        let stamp = IonTimestamp(year: 2026, month: 12, day: 5, hour: 19, minute: 33, second: 44,
                                 fraction: IonDecimal(coefficient: IonInt(big), exponent: -40),
                                 offsetMinutes: -480, precision: .second)
        let values: [IonValue] = [
            IonValue(.int(IonInt(big))),
            IonValue(.int(IonInt(-big))),
            IonValue(.timestamp(stamp), annotations: ["at"]),
            .struct([("when", IonValue(.timestamp(stamp))), ("n", IonValue(.int(IonInt(big))))]),
        ]
        XCTAssertEqual(try Ion.read(Ion.writeBinary(values)), values)
        XCTAssertEqual(try Ion.read(Array(Ion.writeText(values).utf8)), values)
    }

    func testACopyOfABoxedValueIsIndependent() throws {
        let stamp = IonTimestamp(year: 2026, month: 12, day: 5, offsetMinutes: 0, precision: .day)
        let original = IonValue(.timestamp(stamp))
        var copy = original
        guard case .timestamp(var changed) = copy.content else { return XCTFail("not a timestamp") }
        changed.year = 2027
        copy.content = .timestamp(changed)
        XCTAssertEqual(original.content, .timestamp(stamp))
        XCTAssertNotEqual(copy, original)
    }
}

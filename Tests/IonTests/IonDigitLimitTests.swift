import Foundation
import XCTest
@testable import Ion

/// Text ints parse in time quadratic in their digits; Ion from clients is read
/// with a digit limit, so a 1 M-digit parameter is refused at once.
final class IonDigitLimitTests: XCTestCase {
    func testAMillionDigitIntIsRefusedQuicklyFromUntrustedInput() throws {
        let text = "1" + String(repeating: "7", count: 1_000_000)
        let started = Date()
        XCTAssertThrowsError(try Ion.read(Array(text.utf8), options: .untrusted)) { error in
            XCTAssertTrue("\(error)".contains("1000001 digits; the limit is 4000"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "refusing must not parse the digits")
    }

    func testTheLimitCoversDecimalsAndRadixInts() {
        let digits = String(repeating: "9", count: 4_001)
        for text in ["\(digits).5", "\(digits)d3", "0x" + String(repeating: "f", count: 4_001)] {
            XCTAssertThrowsError(try Ion.read(Array(text.utf8), options: .untrusted), String(text.prefix(10)))
        }
    }

    func testIntsWithinTheLimitStillRead() throws {
        let digits = String(repeating: "9", count: 4_000)
        let values = try Ion.read(Array(digits.utf8), options: .untrusted)
        XCTAssertEqual(values.count, 1)
        XCTAssertEqual(Ion.writeText(values), digits)
    }
}

final class IonBinaryIntLimitTests: XCTestCase {
    func testABinaryIntBeyondTheLimitIsRefused() throws {
        let huge = IonValue(.int(IonInt(negative: false, magnitude: ArraySlice(repeating: 0xAB, count: 10_000))))
        let bytes = Ion.writeBinary([huge])
        XCTAssertThrowsError(try Ion.read(bytes, options: .untrusted)) { error in
            XCTAssertTrue("\(error)".contains("magnitude bytes; the limit is"), "\(error)")
        }
        XCTAssertEqual(try Ion.read(bytes), [huge], "without a limit it still reads")
    }
}

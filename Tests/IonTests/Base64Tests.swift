import Foundation
import XCTest
@testable import Ion

final class Base64Tests: XCTestCase {
    /// Every length to 100 (each tail: none, one and two bytes), against Foundation's encoder.
    func testEncodeAndAppendMatchFoundation() {
        var rng = SystemRandomNumberGenerator()
        for n in 0...100 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let expected = Data(bytes).base64EncodedString()
            XCTAssertEqual(Base64.encode(bytes), expected, "length \(n)")
            var out = Array("prefix:".utf8)
            Base64.append(bytes, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "prefix:" + expected, "length \(n)")
            XCTAssertEqual(Base64.decode(expected), bytes, "length \(n)")
        }
    }

    func testNothingToEncode() {
        XCTAssertEqual(Base64.encode([]), "")
        var out: [UInt8] = []
        Base64.append([], to: &out)
        XCTAssertEqual(out, [])
    }

    func testEveryByteValueRoundTrips() {
        let bytes = (0...255).map { UInt8($0) }
        XCTAssertEqual(Base64.encode(bytes), Data(bytes).base64EncodedString())
        XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes)
    }
}

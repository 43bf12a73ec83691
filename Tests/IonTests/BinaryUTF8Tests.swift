import XCTest
@testable import Ion

/// String bodies: the inline ASCII check against a byte loop, and the answer
/// of the decoder and of hashing from binary for text with a non-ASCII
/// sequence at every place (valid ones read, invalid ones refused).
final class BinaryUTF8Tests: XCTestCase {
    func testASCIICheckAgreesWithAByteLoopAtEveryLengthAndPlace() {
        for length in 0...40 {
            let plain = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            XCTAssertTrue(plain.withUnsafeBufferPointer(BinaryUTF8.isASCII), "length \(length)")
            for place in 0..<length {
                var bytes = plain
                bytes[place] = 0x80
                XCTAssertFalse(bytes.withUnsafeBufferPointer(BinaryUTF8.isASCII), "length \(length), high bit at \(place)")
                bytes[place] = 0x7F
                XCTAssertTrue(bytes.withUnsafeBufferPointer(BinaryUTF8.isASCII), "length \(length), 0x7F at \(place)")
            }
        }
    }

    /// `E0 01 00 EA` and one string whose body is `body`.
    private func stream(_ body: [UInt8]) -> [UInt8] {
        let head: [UInt8] = body.count < 14 ? [0x80 | UInt8(body.count)] : [0x8E, 0x80 | UInt8(body.count)]
        return [0xE0, 0x01, 0x00, 0xEA] + head + body
    }

    func testSequencesAtEveryPlaceAreReadOrRefused() throws {
        let valid: [[UInt8]] = [[0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xEF, 0xBF, 0xBD]]
        let invalid: [[UInt8]] = [[0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
                                  [0xFF]]
        for length in 0...20 {
            for place in 0...length {
                let before = [UInt8](repeating: UInt8(ascii: "x"), count: place)
                let after = [UInt8](repeating: UInt8(ascii: "y"), count: length - place)
                for sequence in valid {
                    let body = before + sequence + after
                    let values = try Ion.read(stream(body))
                    XCTAssertEqual(values, [.string(String(decoding: body, as: UTF8.self))], "\(body)")
                    XCTAssertEqual(try Ion.sha256Hashes(ofBinary: stream(body)), values.map(\.ionHash), "\(body)")
                }
                for sequence in invalid {
                    XCTAssertThrowsError(try Ion.read(stream(before + sequence + after)), "\(before + sequence + after)")
                    XCTAssertThrowsError(try Ion.sha256Hashes(ofBinary: stream(before + sequence + after)),
                                         "hashing \(before + sequence + after)")
                }
            }
        }
    }
}

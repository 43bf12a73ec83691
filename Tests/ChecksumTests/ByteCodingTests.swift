import XCTest
@testable import Checksum

/// The byte order of every integer the binary formats write, and the reader's
/// round trip and bounds.
final class ByteCodingTests: XCTestCase {
    func testIntegersAreWrittenInTheirByteOrder() {
        var w = ByteWriter()
        w.u8(0xAB)
        w.u32(0x0102_0304)
        w.u64(0x0102_0304_0506_0708)
        w.u32le(0x0102_0304)
        w.u64le(0x0102_0304_0506_0708)
        XCTAssertEqual(w.bytes, [0xAB,
                                 1, 2, 3, 4,
                                 1, 2, 3, 4, 5, 6, 7, 8,
                                 4, 3, 2, 1,
                                 8, 7, 6, 5, 4, 3, 2, 1])
    }

    func testVarintsAndBlobs() {
        var w = ByteWriter()
        w.varint(0)
        w.varint(127)
        w.varint(128)
        w.varint(300)
        w.blob([9, 8, 7])
        XCTAssertEqual(w.bytes, [0x00, 0x7F, 0x80, 0x01, 0xAC, 0x02, 0x03, 9, 8, 7])
    }

    func testEveryValueReadsBackAndOverrunsThrow() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let (a, b, c, d) = (UInt32.random(in: .min ... .max, using: &rng), UInt64.random(in: .min ... .max, using: &rng),
                                UInt32.random(in: .min ... .max, using: &rng), UInt64.random(in: .min ... .max, using: &rng))
            let v = UInt64.random(in: .min ... .max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
            var w = ByteWriter(capacity: 4)
            w.u32(a); w.u64(b); w.u32le(c); w.u64le(d); w.varint(v)
            var r = ByteReader(w.bytes)
            XCTAssertEqual(try r.u32(), a)
            XCTAssertEqual(try r.u64(), b)
            XCTAssertEqual(try r.u32le(), c)
            XCTAssertEqual(try r.u64le(), d)
            XCTAssertEqual(try r.varint(), v)
            XCTAssertTrue(r.isAtEnd)
            XCTAssertThrowsError(try r.u8())
        }
        var short = ByteReader([1, 2, 3])
        XCTAssertThrowsError(try short.u32())
        XCTAssertEqual(short.pos, 0, "a failed read consumes nothing")
    }
}

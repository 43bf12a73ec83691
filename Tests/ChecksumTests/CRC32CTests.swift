@testable import Checksum
import XCTest

final class CRC32CTests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([]), 0)
        // RFC 3720, appendix B.4.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum(Array(0..<32)), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum(Array((0..<32).reversed())), 0x113F_DB5C)
    }

    /// The table-driven code against the definition, bit by bit, on random
    /// inputs of every length up to a few words past each unrolled stride.
    func testMatchesTheBitwiseDefinition() {
        var rng = SystemRandomNumberGenerator()
        for length in 0..<300 {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            XCTAssertEqual(CRC32C.checksum(data), Self.bitwise(data), "length \(length)")
        }
    }

    /// Both paths (the processor's instruction, when this machine has it, and
    /// the tables) against the definition, from every alignment, continuing
    /// from random earlier checksums.
    func testTheHardwareAndTheTablePathsAgree() {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<600).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { all in
            for start in 0..<9 {
                for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 500] {
                    let piece = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    let previous = UInt32.random(in: 0...UInt32.max, using: &rng)
                    let expected = Self.bitwise(Array(piece), continuing: previous)
                    XCTAssertEqual(CRC32C.software(piece, continuing: previous), expected, "tables, \(start)+\(length)")
                    XCTAssertEqual(CRC32C.checksum(piece, continuing: previous), expected, "checksum, \(start)+\(length)")
                }
            }
        }
        #if arch(x86_64)
        // Every x86-64 machine since 2008 has SSE4.2; this one should use it.
        XCTAssertTrue(CRC32C.usesHardware)
        #endif
    }

    func testIncrementalEqualsOneShotAtEverySplit() {
        let data = (0..<200).map { UInt8(($0 * 37) % 256) }
        let whole = CRC32C.checksum(data)
        for cut in 0...data.count {
            let first = CRC32C.checksum(Array(data[..<cut]))
            XCTAssertEqual(CRC32C.checksum(data[cut...], continuing: first), whole, "cut at \(cut)")
        }
    }

    func testSlicesArraysAndRawBuffersAgree() {
        let data = (0..<1000).map { UInt8($0 % 251) }
        let slice = data[17..<900]
        let viaRaw = slice.withUnsafeBytes { CRC32C.checksum($0) }
        XCTAssertEqual(CRC32C.checksum(slice), viaRaw)
        XCTAssertEqual(CRC32C.checksum(Array(slice)), viaRaw)
    }

    func testEveryOneBitFlipChangesTheChecksum() {
        let data = Array("a journal record payload".utf8)
        let clean = CRC32C.checksum(data)
        for i in 0..<(data.count * 8) {
            var flipped = data
            flipped[i / 8] ^= 1 << UInt8(i % 8)
            XCTAssertNotEqual(CRC32C.checksum(flipped), clean, "bit \(i)")
        }
    }

    /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), one bit at a time.
    static func bitwise(_ data: [UInt8], continuing previous: UInt32 = 0) -> UInt32 {
        var crc = ~previous
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}

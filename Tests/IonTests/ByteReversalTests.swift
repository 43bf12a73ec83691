@testable import Ion
import XCTest

final class ByteReversalTests: XCTestCase {
    func testReversesEveryLengthAndOffset() {
        var rng = SplitMix64Random(seed: 5)
        for count in 0..<80 {
            for offset in 0..<3 {
                let bytes = (0..<count + offset).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                var reversed = bytes
                reversed.withUnsafeMutableBufferPointer { whole in
                    ByteReversal.reverse(UnsafeMutableBufferPointer(rebasing: whole[offset...]))
                }
                XCTAssertEqual(reversed, Array(bytes[..<offset]) + bytes[offset...].reversed(), "\(count) bytes from \(offset)")
            }
        }
    }

    func testCopiesReversedAtEveryLength() {
        var rng = SplitMix64Random(seed: 6)
        for count in 0..<80 {
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var copy = [UInt8](repeating: 0, count: count)
            bytes.withUnsafeBytes { source in
                copy.withUnsafeMutableBytes { ByteReversal.copyReversed(source, to: $0) }
            }
            XCTAssertEqual(copy, bytes.reversed(), "\(count) bytes")
        }
    }
}

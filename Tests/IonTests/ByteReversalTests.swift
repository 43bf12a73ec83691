@testable import Ion
import XCTest

final class ByteReversalTests: XCTestCase {
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

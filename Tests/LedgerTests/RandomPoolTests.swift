import Foundation
import XCTest
@testable import Ledger

final class RandomPoolTests: XCTestCase {
    /// Every byte leaves the pool once: 128-bit draws never repeat, across
    /// refills and threads (a reused stretch of the buffer would repeat one).
    func testDrawsAreNeverHandedOutTwice() {
        let pool = RandomPool(capacity: 64)
        let draws = Draws()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            var mine: [[UInt8]] = []
            for _ in 0..<2_000 { mine.append(pool.bytes(16)) }
            draws.add(mine)
        }
        XCTAssertEqual(draws.distinct, 8_000)
        XCTAssertEqual(pool.refills, 8_000 * 16 / 64)
    }

    func testAPageOfDrawsTakesOneRefill() {
        let pool = RandomPool(capacity: 4096)
        for _ in 0..<256 { _ = pool.bytes(16) }
        XCTAssertEqual(pool.refills, 1)
        _ = pool.bytes(16)
        XCTAssertEqual(pool.refills, 2)
    }

    func testADrawThatDoesNotFitTheRestRefillsFirst() {
        let pool = RandomPool(capacity: 32)
        _ = pool.bytes(20)
        let second = pool.bytes(20)
        XCTAssertEqual(pool.refills, 2)
        XCTAssertEqual(second.count, 20)
    }

    func testDrawsLargerThanThePoolComeStraightFromTheSystem() {
        let pool = RandomPool(capacity: 16)
        let big = pool.bytes(1_000)
        XCTAssertEqual(big.count, 1_000)
        XCTAssertEqual(pool.refills, 0)
        XCTAssertGreaterThan(Set(big).count, 100, "1,000 random bytes take most of the 256 values")
    }

    func testIdsStayDistinct() {
        let ids = (0..<10_000).map { _ in LedgerID.random() }
        XCTAssertEqual(Set(ids).count, ids.count)
        XCTAssertTrue(ids.allSatisfy(LedgerID.isValid))
    }
}

private final class Draws: @unchecked Sendable {
    private let lock = NSLock()
    private var seen = Set<[UInt8]>()
    func add(_ draws: [[UInt8]]) { lock.lock(); seen.formUnion(draws); lock.unlock() }
    var distinct: Int { lock.lock(); defer { lock.unlock() }; return seen.count }
}

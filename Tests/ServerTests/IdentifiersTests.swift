import Foundation
import Ledger
import XCTest
@testable import Server

/// Request ids and tokens come from `arc4random`: well formed, the asked
/// length, and not repeated.
final class IdentifiersTests: XCTestCase {
    func testRequestIdsAreDistinct128BitBase62Values() {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = Identifiers.requestID()
            XCTAssertEqual(id.utf8.count, LedgerID.length)
            XCTAssertTrue(LedgerID.isValid(id), id)
            XCTAssertTrue(seen.insert(id).inserted, "repeated \(id)")
        }
    }

    func testTokensCarryTheAskedNumberOfRandomBytes() {
        var seen = Set<String>()
        for bytes in [18, 32] {
            for _ in 0..<2_000 {
                let token = Identifiers.token(bytes: bytes)
                XCTAssertEqual(Data(base64Encoded: token)?.count, bytes, token)
                XCTAssertTrue(seen.insert(token).inserted)
            }
        }
        // Not a constant fill: some token has both set and clear bits in every byte position.
        let raw = (0..<64).map { _ in [UInt8](Data(base64Encoded: Identifiers.token())!) }
        for i in 0..<32 {
            XCTAssertNotEqual(raw.reduce(UInt8(0)) { $0 | $1[i] }, 0)
            XCTAssertNotEqual(raw.reduce(UInt8(0xFF)) { $0 & $1[i] }, 0xFF)
        }
    }
}

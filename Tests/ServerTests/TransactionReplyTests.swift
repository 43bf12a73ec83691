import XCTest
@testable import Replica

/// The apply reply's plain-bytes format: a round trip, and refusals of anything else.
final class TransactionReplyTests: XCTestCase {
    func testRoundTripAndRefusals() throws {
        let reply = TransactionReply(transactionId: "0192c4b2-tx", strandId: "strand-é", sequenceNo: 1 << 40,
                                     blockHash: Array(0..<32))
        let bytes = reply.encoded()
        XCTAssertEqual(try TransactionReply.decode(bytes), reply)
        XCTAssertEqual(bytes.count, 1 + 1 + 11 + 1 + 9 + 8 + 1 + 32)
        XCTAssertThrowsError(try TransactionReply.decode([]))
        XCTAssertThrowsError(try TransactionReply.decode([2] + bytes.dropFirst()), "another format version")
        XCTAssertThrowsError(try TransactionReply.decode(Array(bytes.dropLast())), "truncated")
        XCTAssertThrowsError(try TransactionReply.decode(bytes + [0]), "trailing bytes")
    }
}

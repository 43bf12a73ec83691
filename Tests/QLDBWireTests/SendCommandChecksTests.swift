import XCTest
@testable import QLDBWire

/// The member checks accept exactly their patterns' characters, byte by byte.
final class SendCommandChecksTests: XCTestCase {
    private func isIn(_ b: UInt8, _ extra: String) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2D
            || extra.utf8.contains(b)
    }

    func testTokensAcceptExactlyTheirAlphabet() {
        for b in 0...255 {
            let token = String(decoding: [0x61, 0x62, 0x63, UInt8(b)], as: UTF8.self)
            let accepted = (try? SendCommandRequest.checkToken(token, path: "SessionToken")) != nil
            XCTAssertEqual(accepted, b < 0x80 && isIn(UInt8(b), "+/="), "byte \(b)")
        }
    }

    func testTransactionIDsAcceptExactlyTheirAlphabet() {
        for b in 0...255 {
            let id = String(decoding: Array(repeating: 0x41, count: 21) + [UInt8(b)], as: UTF8.self)
            let accepted = (try? SendCommandRequest.checkTransactionID(id, path: "TransactionId")) != nil
            XCTAssertEqual(accepted, b < 0x80 && isIn(UInt8(b), ""), "byte \(b)")
        }
        XCTAssertThrowsError(try SendCommandRequest.checkTransactionID(String(repeating: "A", count: 21), path: "T"))
        XCTAssertThrowsError(try SendCommandRequest.checkTransactionID("é" + String(repeating: "A", count: 20), path: "T"))
    }
}

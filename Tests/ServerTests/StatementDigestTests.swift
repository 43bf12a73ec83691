import Ion
import QLDBWire
import XCTest
@testable import Server

/// An ExecuteStatement's digest is made where the request is prepared (the client loop), once.
final class StatementDigestTests: XCTestCase {
    private func prepared(_ body: String) -> SessionEndpoint.Prepared {
        let endpoint = makeEndpoint(SessionManager(backend: FakeBackend()))
        let request = SignedRequest(method: "POST", target: "/", headers: [("X-Amz-Target", SessionEndpoint.sendCommandTarget)],
                                    body: Array(body.utf8))
        return endpoint.prepare(request)
    }

    func testAnExecuteStatementIsHashedWhenPrepared() throws {
        let parameter = Ion.writeBinary([.string("VIN-1")])
        let p = prepared("""
            {"SessionToken":"token1","ExecuteStatement":{"TransactionId":"ABCDEFGHIJKLMNOPQRSTUV",
             "Statement":"SELECT * FROM T WHERE id = ?","Parameters":[{"IonBinary":"\(b64(parameter))"}]}}
            """)
        guard case .success = p.outcome else { return XCTFail("\(p.outcome)") }
        XCTAssertEqual(p.statementDigest, QLDBHash.statementHash("SELECT * FROM T WHERE id = ?", parameters: [.string("VIN-1")]))
    }

    func testOtherCommandsCarryNoDigest() {
        XCTAssertNil(prepared(#"{"SessionToken":"token1","StartTransaction":{}}"#).statementDigest)
        XCTAssertNil(prepared(#"{"StartSession":{"LedgerName":"L"}}"#).statementDigest)
        XCTAssertNil(prepared(#"{"SessionToken":"token1","ExecuteStatement":{}}"#).statementDigest, "refused: no digest")
    }
}

import Foundation
import XCTest
@testable import QLDBWire

/// What `SigV4Signer` signs, the verifier accepts; what it does not sign, it refuses.
final class SigV4SignerTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_714_566_645)
    let store = StaticCredentialStore([Credential(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOK",
                                                  principal: "p")])

    func signed(target: String, body: String) -> SignedRequest {
        var headers: [(name: String, value: String)] = [(name: "Content-Type", value: AWSContentType.restJSON),
                                                        (name: "host", value: "stale:1")]
        let signer = SigV4Signer(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOK", region: "eu-north-1")
        signer.sign(method: "POST", target: target, host: "localhost:8443", headers: &headers, body: Array(body.utf8),
                    now: now)
        return SignedRequest(method: "POST", target: target, headers: headers, body: Array(body.utf8))
    }

    func testSignedRequestsVerify() throws {
        let verifier = SigV4Verifier(credentials: store, clock: ManualClock(now + 60))
        let r = signed(target: "/ledgers/a%20b/tags?tagKeys=x&tagKeys=y", body: #"{"Tags":{}}"#)
        XCTAssertEqual(r.values("Host"), ["localhost:8443"], "Host is replaced, not added")
        XCTAssertEqual(r.header("X-Amz-Security-Token"), "TOK")
        let caller = try verifier.verify(r)
        XCTAssertEqual(caller.principal, "p")
        XCTAssertEqual(caller.region, "eu-north-1")

        var tampered = r
        tampered.body = Array(#"{"Tags":{"k":"v"}}"#.utf8)
        XCTAssertThrowsError(try verifier.verify(tampered)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, "InvalidSignatureException")
        }
    }
}

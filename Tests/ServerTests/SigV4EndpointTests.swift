import Foundation
import XCTest
@testable import QLDBWire
@testable import Replica
@testable import Server

/// The node's authentication policy and the session endpoint, over requests
/// signed by `SigV4Signer` (the botocore vectors are in QLDBWireTests).
final class SigV4EndpointTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_714_566_645)
    let store = StaticCredentialStore([Credential(accessKeyID: "AKIDTALLYTEST0000001",
                                                  secretAccessKey: "tally/test/secret", principal: "tester")])

    func verifier() -> SigV4Verifier { SigV4Verifier(credentials: store, clock: ManualClock(now)) }

    func startSession(_ ledger: String) -> SignedRequest {
        let body = Array(#"{"StartSession":{"LedgerName":"\#(ledger)"}}"#.utf8)
        var headers: [(name: String, value: String)] = [
            (name: "Content-Type", value: AWSContentType.json10),
            (name: "X-Amz-Target", value: SessionEndpoint.sendCommandTarget),
        ]
        SigV4Signer(accessKeyID: "AKIDTALLYTEST0000001", secretAccessKey: "tally/test/secret", region: "us-east-1")
            .sign(method: "POST", target: "/", host: "localhost:8443", headers: &headers, body: body, now: now)
        return SignedRequest(method: "POST", target: "/", headers: headers, body: body)
    }

    func testAuthModeNoneAcceptsAnything() throws {
        let a = RequestAuthenticator(mode: .none, verifier: verifier())
        let unsigned = SignedRequest(method: "POST", target: "/", headers: [], body: [])
        XCTAssertEqual(try a.authenticate(unsigned), .anonymous)
        XCTAssertEqual(try a.authenticate(startSession("vehicle-registration")).accessKeyID, "AKIDTALLYTEST0000001")
        let strict = RequestAuthenticator(mode: .sigv4, verifier: verifier())
        XCTAssertThrowsError(try strict.authenticate(unsigned)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, "MissingAuthenticationTokenException")
        }
    }

    func testRejectionThroughEndpointIs403JSONAndChangesNothing() throws {
        let backend = FakeBackend()
        let manager = SessionManager(backend: backend)
        let request = startSession("vehicle-registration")
        let endpoint = SessionEndpoint(manager: manager, authenticator: RequestAuthenticator(mode: .sigv4, verifier: verifier()))
        var ok: ProtocolResponse?
        endpoint.handle(request) { ok = $0 }
        // Authenticated, then refused by the session layer: the ledger is unknown to the fake.
        XCTAssertEqual(ok?.status, 400, ok?.bodyText ?? "")
        XCTAssertEqual(ok?.header("x-amzn-ErrorType"), "BadRequestException")
        XCTAssertEqual(manager.liveSessionCount(ledger: "vehicle-registration"), 0)
        backend.ledgers["vehicle-registration"] = .active
        endpoint.handle(request) { ok = $0 }
        XCTAssertEqual(ok?.status, 200)
        XCTAssertEqual(manager.liveSessionCount(ledger: "vehicle-registration"), 1)

        var bad = request
        bad.body[bad.body.count - 3] ^= 1
        var r: ProtocolResponse?
        endpoint.handle(bad) { r = $0 }
        let resp = try XCTUnwrap(r)
        XCTAssertEqual(resp.status, 403)
        XCTAssertEqual(resp.header("x-amzn-ErrorType"), "InvalidSignatureException")
        XCTAssertEqual(resp.header("Content-Type"), "application/x-amz-json-1.0")
        XCTAssertEqual(resp.header("x-amzn-RequestId")?.count, 22)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(resp.body)) as? [String: String])
        XCTAssertEqual(json["__type"], "InvalidSignatureException")
        XCTAssertTrue(json["Message"]!.hasPrefix(ServiceError.signatureMismatchMessage))
        XCTAssertEqual(manager.liveSessionCount(ledger: "vehicle-registration"), 1)
    }
}

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

    /// Signer and verifier split a target at the same `?`: the first byte, even
    /// where a combining mark after it makes one Character of the two.
    func testSignerAndVerifierSplitTheTargetAlike() throws {
        let verifier = SigV4Verifier(credentials: store, clock: ManualClock(now + 60))
        for target in ["/a?\u{301}b=1", "/a?b?c", "/?x", "/plain"] {
            XCTAssertNoThrow(try verifier.verify(signed(target: target, body: "{}")), target)
        }
    }

    /// A request signed again (a client's retry) carries one signature, over the
    /// request without the earlier one; it used to sign the stale `Authorization`
    /// header as well, which the verifier then refused.
    func testSigningAgainReplacesTheSignature() throws {
        let verifier = SigV4Verifier(credentials: store, clock: ManualClock(now + 60))
        let signer = SigV4Signer(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOK", region: "eu-north-1")
        let body = Array(#"{"StartTransaction":{}}"#.utf8)
        var headers: [(name: String, value: String)] = [(name: "Content-Type", value: AWSContentType.json10)]
        signer.sign(method: "POST", target: "/", host: "localhost:8443", headers: &headers, body: body, now: now)
        let first = headers
        headers.insert((name: "authorization", value: "stale"), at: 0)
        signer.sign(method: "POST", target: "/", host: "localhost:8443", headers: &headers, body: body, now: now)
        XCTAssertEqual(headers.map(\.name), first.map(\.name))
        XCTAssertEqual(headers.last?.value, first.last?.value, "the same signature as the first time")
        XCTAssertFalse(headers.last!.value.contains("authorization"), headers.last!.value)
        XCTAssertNoThrow(try verifier.verify(SignedRequest(method: "POST", target: "/", headers: headers, body: body)))

        // The same signer with one more header: its cached Authorization prefix follows.
        headers.append((name: "X-Amz-Target", value: "QLDBSession.SendCommand"))
        signer.sign(method: "POST", target: "/", host: "localhost:8443", headers: &headers, body: body, now: now)
        XCTAssertTrue(headers.last!.value.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
                                                   + "x-amz-target, "), headers.last!.value)
        XCTAssertNoThrow(try verifier.verify(SignedRequest(method: "POST", target: "/", headers: headers, body: body)))
    }

    /// botocore 1.35.99's `SigV4Auth` signed the same requests (same keys, time and
    /// headers; service `qldb`): the Authorization must match it byte for byte, from a
    /// fresh signer and again from one that has already signed (its cached key and date).
    func testTheAuthorizationIsBotocoresByteForByte() {
        let cases = [
            ("/ledgers/a%20b/tags?tagKeys=x&tagKeys=y", #"{"Tags":{}}"#, "application/x-amz-json-1.1",
             "f4a78b68b4d91bf3dc69161ef72891de9993d39bd4a39ca13349aa8d25f5cd12"),
            ("/", #"{"StartTransaction":{}}"#, AWSContentType.json10,
             "c6694538089960f3e01da2ccd75e84c0c10c649fa2f728ae3990510415ffea05"),
        ]
        let reused = SigV4Signer(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOK", region: "eu-north-1")
        for _ in 0..<2 {
            for (target, body, type, signature) in cases {
                var headers: [(name: String, value: String)] = [(name: "Content-Type", value: type),
                                                                (name: "X-AMZ-DATE", value: "stale")]
                reused.sign(method: "POST", target: target, host: "localhost:8443", headers: &headers,
                            body: Array(body.utf8), now: now)
                XCTAssertEqual(headers.map(\.name), ["Content-Type", "Host", "X-Amz-Date", "X-Amz-Security-Token",
                                                     "Authorization"])
                XCTAssertEqual(headers[2].value, "20240501T123045Z")
                XCTAssertEqual(headers.last?.value,
                               "AWS4-HMAC-SHA256 Credential=AK/20240501/eu-north-1/qldb/aws4_request, "
                               + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=\(signature)")
            }
        }
    }
}

import Foundation
import Ion
import Logging
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

/// What is checked from the headers before a body is read, the optional
/// region, and the rate-limited failure log.
final class SigV4HeadCheckTests: XCTestCase {
    let secret = "s3cr3t"
    let date = AMZDate.parseBasic("20240501T123045Z")!

    func verifier() -> SigV4Verifier {
        SigV4Verifier(credentials: StaticCredentialStore([Credential(accessKeyID: "AK", secretAccessKey: secret, principal: "p")]),
                      clock: ManualClock(date))
    }

    /// Signed with every header given; `key` and `region` name the scope.
    func signed(key: String = "AK", region: String = "eu-north-1", headers extra: [(name: String, value: String)] = [],
                signedNames: [String]? = nil, body: String = "{}") -> SignedRequest {
        let headers = [(name: "Host", value: "h"), (name: "X-Amz-Date", value: "20240501T123045Z")] + extra
        let names = signedNames ?? headers.map { $0.name.lowercased() }.sorted()
        let payload = Hex.encode(SHA256.hash(Array(body.utf8)))
        let cr = SigV4Canonical.canonicalRequest(method: "POST", rawPath: "/", rawQuery: nil, signedHeaders: names,
                                                 headers: headers, payloadHash: payload)
        let scope = "20240501/\(region)/qldb/aws4_request"
        let sts = SigV4Canonical.stringToSign(amzDate: "20240501T123045Z", scope: scope, canonicalRequest: cr)
        let sig = SigV4Canonical.signature(signingKey: SigV4Canonical.signingKey(
            secret: secret, date: "20240501", region: region, service: "qldb"), stringToSign: sts)
        return SignedRequest(method: "POST", target: "/", headers: headers + [(name: "Authorization", value:
            "AWS4-HMAC-SHA256 Credential=\(key)/\(scope), SignedHeaders=\(names.joined(separator: ";")), Signature=\(sig)")],
            body: Array(body.utf8), remoteAddress: "10.0.0.7:5555")
    }

    func code(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch { return (error as? ServiceError)?.code }
    }

    func testHeadCheckNeedsNoBody() {
        let v = verifier()
        var headOnly = signed()
        headOnly.body = []
        XCTAssertNil(code { try v.checkHead(headOnly) }, "the body is not looked at")
        XCTAssertEqual(code { try v.verify(headOnly) }, "InvalidSignatureException", "but verify covers it")
        XCTAssertEqual(code { try v.checkHead(self.signed(key: "NOPE")) }, "UnrecognizedClientException")
        XCTAssertEqual(code { try v.checkHead(SignedRequest(method: "POST", target: "/", headers: [
            (name: "Authorization", value: "AWS4-HMAC-SHA256 bogus")], body: [])) }, "IncompleteSignatureException")
        XCTAssertEqual(code { try v.checkHead(SignedRequest(method: "POST", target: "/", headers: [], body: [])) },
                       "MissingAuthenticationTokenException")
        var late = verifier()
        late.clock = ManualClock(date + 16 * 60)
        XCTAssertEqual(code { try late.checkHead(self.signed()) }, "InvalidSignatureException")
    }

    func testTheDateHeaderMustBeSigned() {
        let r = signed(signedNames: ["host"])
        XCTAssertThrowsError(try verifier().checkHead(r)) {
            XCTAssertEqual(($0 as? ServiceError)?.message, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
        }
    }

    func testRegionIsCheckedOnlyWhenConfigured() throws {
        XCTAssertEqual(try verifier().verify(signed(region: "ap-south-1")).region, "ap-south-1", "unset: any region")
        var v = verifier()
        v.region = "eu-north-1"
        XCTAssertEqual(try v.verify(signed()).accessKeyID, "AK")
        XCTAssertThrowsError(try v.checkHead(signed(region: "us-east-1"))) {
            XCTAssertEqual(($0 as? ServiceError)?.code, "InvalidSignatureException")
            XCTAssertEqual(($0 as? ServiceError)?.message, "Credential should be scoped to a valid region, not 'us-east-1'. ")
        }
    }

    func testFailuresAreLoggedWithoutSecretsAndRateLimited() throws {
        let lines = LockedLines()
        let logger = Logger(label: "tally.auth") { LogfmtLogHandler(label: $0, level: .info, sink: LogSink { lines.append($0) }) }
        let clock = ManualClock(date)
        let log = AuthFailureLog(linesPerMinute: 3, logger: logger, clock: clock)
        let auth = RequestAuthenticator(mode: .sigv4, verifier: verifier(), failureLog: log)
        var bad = signed()
        bad.body = Array("{\"changed\":1}".utf8)
        XCTAssertThrowsError(try auth.authenticate(bad))
        XCTAssertThrowsError(try auth.checkHead(signed(key: "NOPE")))
        XCTAssertThrowsError(try auth.checkHead(SignedRequest(method: "POST", target: "/", headers: [], body: [])))
        var first = lines.all
        XCTAssertEqual(first.count, 3)
        XCTAssertTrue(first[0].contains("level=warning"), first[0])
        XCTAssertTrue(first[0].contains("msg=\"authentication failed\""), first[0])
        XCTAssertTrue(first[0].contains("reason=bad_signature"), first[0])
        XCTAssertTrue(first[0].contains("remote=10.0.0.7:5555"), first[0])
        XCTAssertTrue(first[0].contains("access_key_id=AK "), first[0])
        XCTAssertTrue(first[1].contains("reason=unknown_key") && first[1].contains("access_key_id=NOPE"), first[1])
        XCTAssertTrue(first[2].contains("reason=missing_header"), first[2])
        let signature = bad.header("Authorization").flatMap { try? SigV4Authorization.parse($0).signature } ?? "?"
        XCTAssertFalse(first.joined().contains(signature))
        XCTAssertFalse(first.joined().contains(secret))

        // A flood within the minute writes nothing more, then one summary line.
        for _ in 0..<1000 { XCTAssertThrowsError(try auth.checkHead(signed(key: "NOPE"))) }
        XCTAssertEqual(lines.all.count, 3)
        log.flush()
        XCTAssertEqual(lines.all.count, 3, "the minute is not over")
        clock.advance(by: 60)
        log.flush()
        first = lines.all
        XCTAssertEqual(first.count, 4)
        XCTAssertTrue(first[3].contains("msg=\"suppressed 1000 auth failures\""), first[3])
        log.flush()
        XCTAssertEqual(lines.all.count, 4, "one summary per minute")
        XCTAssertThrowsError(try auth.checkHead(signed(key: "NOPE")))
        XCTAssertEqual(lines.all.count, 5, "a new minute logs again")
    }
}

/// The head checked in `shouldAccept` is handed to `authenticate` with its request instead of being checked again.
extension SigV4HeadCheckTests {
    func testAuthenticateUsesTheHeadCheckedWhenTheHeadersArrived() throws {
        let auth = RequestAuthenticator(mode: .sigv4, verifier: verifier())
        let request = signed()
        let head = try XCTUnwrap(try auth.checkHead(request))
        XCTAssertEqual(try auth.authenticate(request, checkedHead: head).accessKeyID, "AK")
        // With the head the checks it holds are not repeated: a head checked at 12:30 passes; the
        // same request authenticated without one 16 minutes later is refused for the clock.
        var late = auth
        late.verifier.clock = ManualClock(date + 16 * 60)
        XCTAssertEqual(try late.authenticate(request, checkedHead: head).accessKeyID, "AK", "checked when its headers arrived")
        XCTAssertEqual(code { try late.authenticate(request) }, "InvalidSignatureException", "no head: checked now")
        // Without SigV4 there is nothing to check.
        XCTAssertNil(try RequestAuthenticator(mode: .none, verifier: verifier()).checkHead(request))
    }

    func testACheckedHeadStillNeedsTheRightBodyAndSignature() throws {
        let auth = RequestAuthenticator(mode: .sigv4, verifier: verifier())
        var tampered = signed(body: "{\"a\":1}")
        let head = try XCTUnwrap(try auth.checkHead(tampered))
        tampered.body = Array("{\"a\":2}".utf8)
        XCTAssertEqual(code { try auth.authenticate(tampered, checkedHead: head) }, "InvalidSignatureException")
        // A signed header changed after the check: the canonical request differs.
        var moved = signed(headers: [(name: "X-Amz-Target", value: "QLDBSession.SendCommand")])
        let movedHead = try XCTUnwrap(try auth.checkHead(moved))
        moved.headers[2].value = "QLDBSession.Other"
        XCTAssertEqual(code { try auth.authenticate(moved, checkedHead: movedHead) }, "InvalidSignatureException")
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

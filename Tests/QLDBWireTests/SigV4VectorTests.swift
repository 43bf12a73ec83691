import Foundation
import Ion
import XCTest
@testable import QLDBWire

/// Requests signed by the real botocore (Fixtures/gen_sigv4_vectors.py).
final class SigV4VectorTests: XCTestCase {
    struct Vector {
        var name: String
        var request: SignedRequest
        var serverTime: Date
        var expect: String
        var region: String?
        var canonicalRequest: String?
    }

    var vectors: [Vector] = []
    var store = StaticCredentialStore([])

    override func setUpWithError() throws {
        let doc = try Fixtures.json("sigv4_vectors.json")
        let creds = try XCTUnwrap(doc["credentials"] as? [String: String])
        store = StaticCredentialStore(creds.map { Credential(accessKeyID: $0.key, secretAccessKey: $0.value, principal: "tester") })
        for v in try XCTUnwrap(doc["vectors"] as? [[String: Any]]) {
            let headers = (v["headers"] as! [[String]]).map { (name: $0[0], value: $0[1]) }
            let body = [UInt8](Data(base64Encoded: v["body_b64"] as! String)!)
            vectors.append(Vector(
                name: v["name"] as! String,
                request: SignedRequest(method: v["method"] as! String, target: v["target"] as! String,
                                       headers: headers, body: body),
                serverTime: AMZDate.parseBasic(v["server_time"] as! String)!,
                expect: v["expect"] as! String, region: v["region"] as? String,
                canonicalRequest: v["canonical_request"] as? String))
        }
        XCTAssertGreaterThanOrEqual(vectors.count, 20)
    }

    func verifier(at time: Date) -> SigV4Verifier {
        var v = SigV4Verifier(credentials: store, clock: ManualClock(time))
        v.explainMismatch = true
        return v
    }

    func check(_ v: Vector, _ request: SignedRequest, at time: Date? = nil, code: String, message: String? = nil,
               _ what: String, line: UInt = #line) {
        do {
            _ = try verifier(at: time ?? v.serverTime).verify(request)
            XCTFail("\(v.name) [\(what)]: accepted, expected \(code)", line: line)
        } catch let e as ServiceError {
            XCTAssertEqual(e.code, code, "\(v.name) [\(what)]: \(e.message)", line: line)
            XCTAssertEqual(e.status, 403, line: line)
            if let message { XCTAssertTrue(e.message.hasPrefix(message), "\(v.name) [\(what)]: \(e.message)", line: line) }
        } catch {
            XCTFail("\(v.name): unexpected \(error)", line: line)
        }
    }

    var accepted: [Vector] { vectors.filter { $0.expect == "accept" } }

    func testCanonicalRequestsMatchBotocore() throws {
        for v in vectors {
            guard let expected = v.canonicalRequest else { continue }
            let auth = try SigV4Authorization.parse(v.request.header("Authorization")!)
            let payload = v.request.header("X-Amz-Content-SHA256") ?? Hex.encode(SHA256.hash(v.request.body))
            let mine = SigV4Canonical.canonicalRequest(method: v.request.method, rawPath: v.request.rawPath,
                                                       rawQuery: v.request.rawQuery, signedHeaders: auth.signedHeaders,
                                                       headers: v.request.headers, payloadHash: payload)
            XCTAssertEqual(mine, expected, v.name)
        }
    }

    func testAcceptsEveryGoodVector() throws {
        XCTAssertGreaterThanOrEqual(accepted.count, 15)
        for v in accepted {
            do {
                let caller = try verifier(at: v.serverTime).verify(v.request)
                XCTAssertEqual(caller.accessKeyID, "AKIDTALLYTEST0000001", v.name)
                XCTAssertEqual(caller.principal, "tester", v.name)
                if let region = v.region { XCTAssertEqual(caller.region, region, v.name) }
            } catch {
                XCTFail("\(v.name): \(error)")
            }
        }
    }

    func testRejectsBotocoreSignedNegativeVectors() {
        let negative = vectors.filter { $0.expect != "accept" }
        XCTAssertEqual(Set(negative.map(\.name)), ["wrong_service", "unknown_access_key", "wrong_secret"])
        for v in negative {
            let message: String? = switch v.name {
            case "wrong_service": "Credential should be scoped to correct service: 'qldb'."
            case "unknown_access_key": "The security token included in the request is invalid."
            default: "The request signature we calculated does not match the signature you provided."
            }
            check(v, v.request, code: v.expect, message: message, "as signed")
        }
    }

    static func flipBit(_ s: String, at index: Int) -> String {
        var bytes = Array(s.utf8)
        bytes[index] ^= 0x01
        return String(decoding: bytes, as: UTF8.self)
    }

    static func replacing(_ r: SignedRequest, header name: String, with transform: (String) -> String) -> SignedRequest {
        var r = r
        r.headers = r.headers.map { $0.name.lowercased() == name.lowercased() ? (name: $0.name, value: transform($0.value)) : $0 }
        return r
    }

    let mismatch = "The request signature we calculated does not match the signature you provided."

    func testRejectsBodyBitFlip() {
        for v in accepted {
            var r = v.request
            if r.body.isEmpty { r.body = [0x7B] } else { r.body[r.body.count / 2] ^= 0x01 }
            let message = r.header("X-Amz-Content-SHA256") == nil ? mismatch
                : "The provided 'x-amz-content-sha256' header does not match what was computed."
            check(v, r, code: "InvalidSignatureException", message: message, "body bit")
        }
    }

    func testRejectsSignedHeaderBitFlip() throws {
        for v in accepted {
            let auth = try SigV4Authorization.parse(v.request.header("Authorization")!)
            for name in auth.signedHeaders where name != "x-amz-date" {
                let r = Self.replacing(v.request, header: name) { Self.flipBit($0, at: $0.utf8.count - 1) }
                let message = name == "x-amz-content-sha256" ? "The provided 'x-amz-content-sha256'" : mismatch
                check(v, r, code: "InvalidSignatureException", message: message, "header \(name)")
            }
            // Unsigned headers are not covered: changing them is fine.
            var extra = v.request
            extra.headers.append((name: "X-Unsigned-Extra", value: "anything"))
            XCTAssertNoThrow(try verifier(at: v.serverTime).verify(extra), v.name)
        }
    }

    func testRejectsDateChange() {
        for v in accepted {
            // One second later: still inside the window and the same day, but not what was signed.
            let r = Self.replacing(v.request, header: "X-Amz-Date") { AMZDate.formatBasic(AMZDate.parseBasic($0)! + 1) }
            check(v, r, code: "InvalidSignatureException", message: mismatch, "date +1s")
            // A different day no longer matches the credential scope.
            let d = Self.replacing(v.request, header: "X-Amz-Date") { AMZDate.formatBasic(AMZDate.parseBasic($0)! + 86400) }
            check(v, d, at: v.serverTime + 86400, code: "InvalidSignatureException",
                  message: "Date in Credential scope does not match", "date +1 day")
            let bad = Self.replacing(v.request, header: "X-Amz-Date") { _ in "2024-05-01T12:30:45Z" }
            check(v, bad, code: "IncompleteSignatureException", message: "Date must be in ISO-8601 'basic format'", "date format")
        }
    }

    func testRejectsSignatureBitFlip() {
        for v in accepted {
            let r = Self.replacing(v.request, header: "Authorization") { h in
                Self.flipBit(h, at: h.utf8.count - 1)
            }
            check(v, r, code: "InvalidSignatureException", message: mismatch, "signature")
        }
    }

    func testRejectsMethodPathAndQueryChanges() {
        for v in accepted {
            var m = v.request
            m.method = m.method == "GET" ? "PUT" : "GET"
            check(v, m, code: "InvalidSignatureException", message: mismatch, "method")
            var p = v.request
            p.target = "/x" + p.target
            check(v, p, code: "InvalidSignatureException", message: mismatch, "path")
            var q = v.request
            q.target += q.target.contains("?") ? "&extra=1" : "?extra=1"
            check(v, q, code: "InvalidSignatureException", message: mismatch, "query")
        }
    }

    func testClockWindow() {
        for v in accepted {
            XCTAssertNoThrow(try verifier(at: v.serverTime + 14 * 60).verify(v.request), v.name)
            XCTAssertNoThrow(try verifier(at: v.serverTime - 14 * 60).verify(v.request), v.name)
            check(v, v.request, at: v.serverTime + 15 * 60 + 1, code: "InvalidSignatureException",
                  message: "Signature expired: 20240501T123045Z is now earlier than 20240501T123046Z "
                      + "(20240501T124546Z - 15 min.)", "stale")
            check(v, v.request, at: v.serverTime - 16 * 60, code: "InvalidSignatureException",
                  message: "Signature not yet current: 20240501T123045Z is still later than", "future")
        }
    }

    func testUnknownKeyWrongServiceAndMissingOrBrokenAuthorization() {
        for v in accepted {
            let unknown = Self.replacing(v.request, header: "Authorization") {
                $0.replacingOccurrences(of: "AKIDTALLYTEST0000001", with: "AKIDTALLYTEST0000002")
            }
            check(v, unknown, code: "UnrecognizedClientException",
                  message: "The security token included in the request is invalid.", "unknown key")
            let service = Self.replacing(v.request, header: "Authorization") {
                $0.replacingOccurrences(of: "/qldb/", with: "/session.qldb/")
            }
            check(v, service, code: "InvalidSignatureException", message: "Credential should be scoped to correct service", "service")
            var none = v.request
            none.headers.removeAll { $0.name.lowercased() == "authorization" }
            check(v, none, code: "MissingAuthenticationTokenException", message: "Request is missing Authentication Token", "missing")
            let noSig = Self.replacing(v.request, header: "Authorization") {
                String($0[..<$0.range(of: ", Signature=")!.lowerBound])
            }
            check(v, noSig, code: "IncompleteSignatureException",
                  message: "Authorization header requires 'Signature' parameter.", "no Signature")
            var noDate = v.request
            noDate.headers.removeAll { $0.name.lowercased() == "x-amz-date" }
            check(v, noDate, code: "IncompleteSignatureException",
                  message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", "no date")
            let token = Self.replacing(v.request, header: "Host") { $0 }
            var withToken = token
            withToken.headers.append((name: "X-Amz-Security-Token", value: "tok"))
            check(v, withToken, code: "UnrecognizedClientException", "unexpected session token")
        }
    }
}

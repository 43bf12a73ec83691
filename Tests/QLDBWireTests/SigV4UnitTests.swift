import Foundation
import Ion
import XCTest
@testable import QLDBWire

final class SigV4UnitTests: XCTestCase {
    func testHMACSHA256RFC4231Case2() {
        let mac = HMACSHA256.mac(key: Array("Jefe".utf8), "what do ya want for nothing?")
        XCTAssertEqual(Hex.encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// The low-level HMAC: a short key, a key longer than SHA-256's block (hashed first) and an empty one.
    func testHMACSHA256RFC4231Cases1And6And7AndAnEmptyKey() {
        XCTAssertEqual(Hex.encode(HMACSHA256.mac(key: [UInt8](repeating: 0x0b, count: 20), "Hi There")),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let longKey = [UInt8](repeating: 0xaa, count: 131)
        XCTAssertEqual(Hex.encode(HMACSHA256.mac(key: longKey, "Test Using Larger Than Block-Size Key - Hash Key First")),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        XCTAssertEqual(Hex.encode(HMACSHA256.mac(key: longKey, "This is a test using a larger than block-size key and a larger than "
            + "block-size data. The key needs to be hashed before being used by the HMAC algorithm.")),
                       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
        XCTAssertEqual(Hex.encode(HMACSHA256.mac(key: [], "")),
                       "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    /// The cache's last-key shortcut never hands one secret's or day's key to another.
    func testSigningKeyCacheAnswersEachScopeItsOwnKey() {
        let cache = SigningKeyCache()
        func derived(_ secret: String, _ date: String) -> [UInt8] {
            SigV4Canonical.signingKey(secret: secret, date: date, region: "us-east-1", service: "qldb")
        }
        for (secret, date) in [("s1", "20240101"), ("s2", "20240101"), ("s1", "20240101"), ("s1", "20240102"), ("s2", "20240101")] {
            XCTAssertEqual(cache.key(secret: secret, date: date, region: "us-east-1", service: "qldb"), derived(secret, date))
        }
        XCTAssertNotEqual(cache.key(secret: "s1", date: "20240101", region: "eu-west-1", service: "qldb"), derived("s1", "20240101"))
    }

    func testSigningKeyFromAWSDocumentation() {
        // docs.aws.amazon.com "Examples of how to derive a signing key for Signature Version 4".
        let key = SigV4Canonical.signingKey(secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", date: "20120215",
                                            region: "us-east-1", service: "iam")
        XCTAssertEqual(Hex.encode(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    func testCanonicalPieces() {
        XCTAssertEqual(SigV4Canonical.canonicalURI(rawPath: "/ledgers/a%3Ab"), "/ledgers/a%253Ab")
        XCTAssertEqual(SigV4Canonical.canonicalURI(rawPath: ""), "/")
        XCTAssertEqual(SigV4Canonical.canonicalURI(rawPath: "//a/./b/../c/"), "/a/c/")
        XCTAssertEqual(SigV4Canonical.canonicalQuery("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=")
        XCTAssertEqual(SigV4Canonical.canonicalQuery("k=a%2bb&sp=a%20b&plus=a+b"), "k=a%2Bb&plus=a%2Bb&sp=a%20b")
        // Untrimmed values; then values already trimmed (copied whole) and each way of not being so.
        let trims = [("  a   b\t\tc  ", "a b c"), (" \u{0B}a\u{0C} é  b ", "a é b"), ("   ", ""),
                     ("a b c", "a b c"), ("", ""), ("x", "x"), (" a", "a"), ("a ", "a"), ("a  b", "a b"), ("a\tb", "a b")]
        for (value, trimmed) in trims { XCTAssertEqual(SigV4Canonical.trimAll(value), trimmed, value) }
        XCTAssertEqual(SignedRequest(method: "POST", target: "/", headers: [("X-Amz-DATE", "1"), ("x-amz-date", "2"), ("Date", "3")],
                                     body: []).values("x-AMZ-date"), ["1", "2"])
        XCTAssertEqual(SigV4Canonical.canonicalHeaders(signedHeaders: ["host", "x-a"],
                                                       headers: [("Host", "h"), ("X-A", " 1 "), ("x-a", "2  3")]),
                       "host:h\nx-a:1,2 3\n")
    }

    func testAuthorizationHeaderParsing() throws {
        let a = try SigV4Authorization.parse(
            "AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/qldb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
        XCTAssertEqual(a.accessKeyID, "AKID")
        XCTAssertEqual(a.scope, "20240501/us-east-1/qldb/aws4_request")
        XCTAssertEqual(a.signedHeaders, ["host", "x-amz-date"])
        XCTAssertEqual(a.signature, "abc")
        // Leading spaces, tabs around components, empty components, unknown keys and
        // upper-case signed header names (lowercased) are accepted.
        let b = try SigV4Authorization.parse(
            "  AWS4-HMAC-SHA256 \tCredential=AKID/20240501/us-east-1/qldb/aws4_request\t,, X=y, SignedHeaders=Host;X-Amz-Date , Signature=abc")
        XCTAssertEqual(b, SigV4Authorization(accessKeyID: "AKID", date: "20240501", region: "us-east-1", service: "qldb",
                                             terminator: "aws4_request", signedHeaders: ["host", "x-amz-date"], signature: "abc"))
        // No spaces after commas is accepted too.
        XCTAssertNoThrow(try SigV4Authorization.parse(
            "AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/qldb/aws4_request,SignedHeaders=host,Signature=abc"))
        for (header, message) in [
            ("AWS4-HMAC-SHA256", "Authorization header requires 'Credential' parameter."),
            ("AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/qldb/aws4_request", "Authorization header requires 'Signature' parameter."),
            ("AWS AKID:sig", "Unsupported AWS 'algorithm': 'AWS'"),
            ("AWS4-HMAC-SHA256 Credential=AKID/us-east-1/qldb/aws4_request, SignedHeaders=host, Signature=a",
             "Credential must have exactly 5 slash-delimited elements"),
            ("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, Credential=a/b/c/d/e, SignedHeaders=host, Signature=a",
             "Authorization header has duplicate 'Credential' parameter."),
            ("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, X=1, SignedHeaders=host, X=2, Signature=a",
             "Authorization header has duplicate 'X' parameter."),
            ("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=", "Authorization header requires 'Signature' parameter."),
            ("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders, Signature=a",
             "Authorization header requires each component to be of the form key=value."),
            ("AWS4-HMAC-SHA256 Credential=a/b//d/e, SignedHeaders=host, Signature=a", "Credential must have exactly 5"),
            ("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host;;x, Signature=a", "SignedHeaders contains an empty"),
            ("  AWS4-HMAC-SHA256é Credential=a/b/c/d/e", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA256é'"),
        ] {
            XCTAssertThrowsError(try SigV4Authorization.parse(header), header) { e in
                let e = e as! ServiceError
                XCTAssertEqual(e.code, "IncompleteSignatureException", header)
                XCTAssertEqual(e.status, 403)
                XCTAssertTrue(e.message.hasPrefix(message), e.message)
            }
        }
    }

    func testDates() {
        let d = AMZDate.parseBasic("20240501T123045Z")!
        XCTAssertEqual(d.timeIntervalSince1970, 1_714_566_645)
        XCTAssertEqual(AMZDate.formatBasic(d), "20240501T123045Z")
        XCTAssertEqual(AMZDate.parseHTTPDate("Wed, 01 May 2024 12:30:45 GMT"), d)
        XCTAssertNil(AMZDate.parseBasic("20241301T123045Z"))
        XCTAssertNil(AMZDate.parseBasic("2024-05-01T12:30:45Z"))
        XCTAssertEqual(AMZDate.formatBasic(Date(timeIntervalSince1970: 951_782_400)), "20000229T000000Z")
    }

    func testSignsWithDateHeaderAndUnsignedPayloadPolicy() throws {
        // A request signed by this implementation with a `Date` header verifies.
        let secret = "s3cr3t"
        let store = StaticCredentialStore([Credential(accessKeyID: "AK", secretAccessKey: secret, principal: "p")])
        let date = AMZDate.parseBasic("20240501T123045Z")!
        func signed(_ headers: [(name: String, value: String)], payload: String) -> SignedRequest {
            let names = headers.map { $0.name.lowercased() }.sorted()
            let cr = SigV4Canonical.canonicalRequest(method: "POST", rawPath: "/", rawQuery: nil, signedHeaders: names,
                                                     headers: headers, payloadHash: payload)
            let sts = SigV4Canonical.stringToSign(amzDate: "20240501T123045Z", scope: "20240501/eu-north-1/qldb/aws4_request",
                                                  canonicalRequest: cr)
            let sig = SigV4Canonical.signature(signingKey: SigV4Canonical.signingKey(
                secret: secret, date: "20240501", region: "eu-north-1", service: "qldb"), stringToSign: sts)
            return SignedRequest(method: "POST", target: "/", headers: headers + [(name: "Authorization", value:
                "AWS4-HMAC-SHA256 Credential=AK/20240501/eu-north-1/qldb/aws4_request, SignedHeaders=\(names.joined(separator: ";")), Signature=\(sig)")],
                body: Array("{}".utf8))
        }
        var v = SigV4Verifier(credentials: store, clock: ManualClock(date))
        let r = signed([(name: "Host", value: "h"), (name: "Date", value: "Wed, 01 May 2024 12:30:45 GMT")],
                       payload: Hex.encode(SHA256.hash(Array("{}".utf8))))
        XCTAssertEqual(try v.verify(r).region, "eu-north-1")

        let unsigned = signed([(name: "Host", value: "h"), (name: "X-Amz-Date", value: "20240501T123045Z"),
                               (name: "X-Amz-Content-SHA256", value: "UNSIGNED-PAYLOAD")], payload: "UNSIGNED-PAYLOAD")
        XCTAssertThrowsError(try v.verify(unsigned)) { XCTAssertEqual(($0 as! ServiceError).code, "InvalidSignatureException") }
        v.allowUnsignedPayload = true
        XCTAssertNoThrow(try v.verify(unsigned))

        // Host must be signed.
        let noHost = signed([(name: "X-Amz-Date", value: "20240501T123045Z")], payload: Hex.encode(SHA256.hash(Array("{}".utf8))))
        XCTAssertThrowsError(try v.verify(noHost)) {
            XCTAssertEqual(($0 as! ServiceError).message, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
        }
    }

    func testCredentialsFile() throws {
        let store = try CredentialsFile.parse("""
        # Tally node credentials
        [default]
        aws_access_key_id = AKIDEXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
        region = us-east-1

        [profile ci]
        ; another one
        aws_access_key_id=AKIDCI
        aws_secret_access_key=ci=secret==
        aws_session_token = TOKEN
        """)
        XCTAssertEqual(store.credential(forAccessKeyID: "AKIDEXAMPLE"),
                       Credential(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                  principal: "default"))
        XCTAssertEqual(store.credential(forAccessKeyID: "AKIDCI")?.secretAccessKey, "ci=secret==")
        XCTAssertEqual(store.credential(forAccessKeyID: "AKIDCI")?.principal, "ci")
        XCTAssertEqual(store.credential(forAccessKeyID: "AKIDCI")?.sessionToken, "TOKEN")
        XCTAssertNil(store.credential(forAccessKeyID: "nope"))

        for (text, message) in [
            ("[a]\naws_access_key_id = X\n", "credentials file, line 1: section [a] has no aws_secret_access_key"),
            ("aws_access_key_id = X\n", "credentials file, line 1: 'aws_access_key_id' before any [section]"),
            ("[a]\naws_access_key_id=X\naws_secret_access_key=1\n[b]\naws_access_key_id=X\naws_secret_access_key=2\n",
             "credentials file, line 4: access key id X appears in more than one section"),
            ("[a\n", "credentials file, line 1: malformed section header '[a'"),
            ("[a]\njunk\n", "credentials file, line 2: expected 'key = value', got 'junk'"),
        ] {
            XCTAssertThrowsError(try CredentialsFile.parse(text)) { XCTAssertEqual("\($0)", message) }
        }
    }

    func testHeaderNamesCompareCaseInsensitivelyWithoutLowerCasingStrings() {
        XCTAssertTrue(SignedRequest.sameName("X-Amz-Date", "x-amz-date"))
        XCTAssertTrue(SignedRequest.sameName("HOST", "host"))
        XCTAssertFalse(SignedRequest.sameName("Host", "Hosts"))
        XCTAssertFalse(SignedRequest.sameName("x-amz-date", "x-amz-datf"))
        XCTAssertFalse(SignedRequest.sameName("Date", "X-Amz-Date"))
        XCTAssertFalse(SignedRequest.sameName("", "a"))
        XCTAssertTrue(SignedRequest.sameName("", ""))
        // Outside ASCII the full Unicode lower-casing decides, also across lengths.
        XCTAssertTrue(SignedRequest.sameName("Ä-Key", "ä-key"))
        XCTAssertEqual(SignedRequest.sameName("İ", "i̇"), "İ".lowercased() == "i̇".lowercased())
        let request = SignedRequest(method: "POST", target: "/", headers: [("Host", "h"), ("X-AMZ-Date", "d1"), ("x-amz-date", "d2")], body: [])
        XCTAssertEqual(request.header("x-amz-date"), "d1")
        XCTAssertEqual(request.values("X-Amz-Date"), ["d1", "d2"])
        XCTAssertNil(request.header("Authorization"))
        // Lookups use the names lower-cased once; a changed header list takes new ones.
        var changed = request
        changed.headers.append((name: "Ä-Key", value: "v"))
        XCTAssertEqual(changed.header("ä-KEY"), "v")
        XCTAssertNil(request.header("ä-key"))
        XCTAssertEqual(SigV4Authorization.lowercased("Already-lower".lowercased()), "already-lower")
        XCTAssertEqual(SigV4Authorization.lowercased("X-Amz-Date"), "x-amz-date")
        XCTAssertEqual(SigV4Authorization.lowercased("ÄB"), "äb")
    }

    /// Names the HTTP parser lower-cased are taken as they are, with the same lookups as names scanned.
    func testNamesKnownToBeLowerCaseAreNotScannedAgain() {
        let mixed = [(name: "Host", value: "h"), (name: "X-Amz-Date", value: "d"), (name: "x-amz-target", value: "t")]
        let lower = mixed.map { (name: $0.name.lowercased(), value: $0.value) }
        let scanned = SignedRequest(method: "POST", target: "/", headers: mixed, body: [])
        let taken = SignedRequest(method: "POST", target: "/", headers: lower, body: [], namesAreLowerCase: true)
        XCTAssertEqual(taken.lowerCasedNames, scanned.lowerCasedNames)
        XCTAssertEqual(taken.header("X-AMZ-DATE"), "d")
        XCTAssertEqual(taken.values("host"), ["h"])
    }

    /// Two headers that differ only in their 64-hex-digit signature parse alike but for it;
    /// anything else is parsed in full (and only a parse whose signature is those digits is remembered).
    func testAuthorizationMemoAnswersOnlyHeadersThatDifferInTheSignature() throws {
        let prefix = "AWS4-HMAC-SHA256 Credential=MEMO/20240501/us-east-1/qldb/aws4_request, SignedHeaders=Host;x-amz-date, Signature="
        let s1 = String(repeating: "a", count: 64), s2 = String(repeating: "b", count: 63) + "C"
        let a = try SigV4Authorization.parse(prefix + s1)
        let b = try SigV4Authorization.parse(prefix + s2)
        XCTAssertEqual(b, try SigV4Authorization.parseAll(prefix + s2))
        XCTAssertEqual(a.signature, s1)
        XCTAssertEqual(b.signature, s2)
        XCTAssertEqual(b.signedHeaders, ["host", "x-amz-date"])
        // A header whose last 64 hex digits are not its signature is never remembered under that prefix.
        let other = "AWS4-HMAC-SHA256 Signature=\(s1), Credential=MEMO/20240501/us-east-1/qldb/aws4_request, SignedHeaders=host, X="
        let trailing = String(repeating: "d", count: 64)
        let c = try SigV4Authorization.parse(other + trailing)
        XCTAssertEqual(c.signature, s1)
        XCTAssertEqual(try SigV4Authorization.parse(other + String(repeating: "e", count: 64)).signature, s1)
        // Malformed headers still fail in full, memo or not.
        XCTAssertThrowsError(try SigV4Authorization.parse(
            "AWS4-HMAC-SHA256 Credential=MEMO/20240501/us-east-1/qldb, SignedHeaders=host, Signature=" + s1))
        XCTAssertNil(AuthorizationMemo.split(prefix + "xyz"))
        XCTAssertEqual(AuthorizationMemo.split(prefix + s1)?.prefix, prefix)
    }

    /// More access keys than the memo's recent prefixes, in turns: every parse is the full parse.
    func testAuthorizationMemoAgreesWithTheFullParseAcrossManyPrefixes() throws {
        let keys = (0..<(AuthorizationMemo.recentCapacity * 2 + 3)).map { "MEMOKEY\($0)" }
        let hex = Array("0123456789abcdefABCDEF")
        for turn in 0..<6 {
            for (k, key) in keys.enumerated() where (k + turn) % 3 != 0 {
                let signature = String((0..<64).map { hex[($0 * 7 + k + turn) % hex.count] })
                let header = "AWS4-HMAC-SHA256 Credential=\(key)/20240501/us-east-1/qldb/aws4_request, "
                    + "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + signature
                let parsed = try SigV4Authorization.parse(header)
                XCTAssertEqual(parsed, try SigV4Authorization.parseAll(header), header)
                XCTAssertEqual(parsed.accessKeyID, key)
                XCTAssertEqual(parsed.signature, signature)
            }
        }
        // The same prefix with a signature that is not 64 hex digits is parsed in full (and refused if malformed).
        let prefix = "AWS4-HMAC-SHA256 Credential=MEMOKEY0/20240501/us-east-1/qldb/aws4_request, "
            + "SignedHeaders=host;x-amz-date;x-amz-target, Signature="
        let odd = String(repeating: "g", count: 64)
        XCTAssertEqual(try SigV4Authorization.parse(prefix + odd), try SigV4Authorization.parseAll(prefix + odd))
    }
}

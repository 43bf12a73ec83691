import Foundation
import XCTest
@testable import Net

/// Field names compare case-insensitively without lower-casing copies, and a
/// parsed message keeps its names in lower case.
final class HTTPHeaderNameTests: XCTestCase {
    func testNamesCompareIgnoringASCIICaseOnly() {
        XCTAssertTrue(HTTPHeaders.sameName("X-Amz-Content-Sha256", "x-amz-content-SHA256"))
        XCTAssertTrue(HTTPHeaders.sameName("", ""))
        XCTAssertFalse(HTTPHeaders.sameName("Host", "Hos"))
        XCTAssertFalse(HTTPHeaders.sameName("X-Amz-Date", "X-Amz-Data"))
        // Bytes 0x20 apart that are not letters are different characters.
        XCTAssertFalse(HTTPHeaders.sameName("a[", "a{"))
        XCTAssertFalse(HTTPHeaders.sameName("a@", "a`"))
        XCTAssertFalse(HTTPHeaders.sameName("1", "\u{11}"))
        // Not ASCII (never a valid field name): compared lower-cased, as before.
        XCTAssertTrue(HTTPHeaders.sameName("Ärger", "äRGER"))
        XCTAssertFalse(HTTPHeaders.sameName("Ärger", "Arger"))
    }

    func testLookupsFindAnyCase() {
        var headers: HTTPHeaders = ["Content-Type": "a", "x-amz-target": "b", "X-AMZ-TARGET": "c"]
        XCTAssertEqual(headers["content-type"], "a")
        XCTAssertEqual(headers["X-Amz-Target"], "b")
        XCTAssertEqual(headers.values("x-Amz-target"), ["b", "c"])
        headers.remove("X-Amz-Target")
        XCTAssertEqual(headers.count, 1)
        XCTAssertNil(headers["x-amz-target"])
    }

    func testAParsedRequestKeepsItsNamesInLowerCase() throws {
        let parser = HTTPMessageParser(request: true, maxHeaderBytes: 8192, maxBodyBytes: 1024)
        let text = "POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: QLDBSession.SendCommand\r\nCONTENT-LENGTH: 2\r\n"
            + "X-Amz-Date: 20261205T000000Z\r\n\r\n{}"
        let used = Array(text.utf8).withUnsafeBytes { parser.execute($0) }
        XCTAssertEqual(used, text.utf8.count)
        let message = try XCTUnwrap(parser.takeMessage())
        XCTAssertEqual(message.headers.entries.map(\.name), ["host", "x-amz-target", "content-length", "x-amz-date"])
        XCTAssertEqual(message.headers.entries.map(\.value), ["h", "QLDBSession.SendCommand", "2", "20261205T000000Z"],
                       "values as sent")
        XCTAssertEqual(message.headers["X-Amz-Target"], "QLDBSession.SendCommand")
        XCTAssertEqual(message.body, Array("{}".utf8))
        XCTAssertTrue(message.headers.namesAreLowerCase, "SigV4 takes the parser's names as they are")
    }

    /// Only the parser promises lower-case names; headers built otherwise are scanned.
    func testOnlyTheParsersHeadersPromiseLowerCaseNames() {
        XCTAssertTrue(HTTPHeaders().namesAreLowerCase)
        XCTAssertFalse(HTTPHeaders(entries: [(name: "Host", value: "h")]).namesAreLowerCase)
        XCTAssertFalse(HTTPHeaders([("host", "h")]).namesAreLowerCase)
        var headers = HTTPHeaders()
        headers.add("X-Amz-Date", "d")
        XCTAssertFalse(headers.namesAreLowerCase)
        var parsed = HTTPHeaders()
        parsed.addLowerCased("host", "h")
        XCTAssertTrue(parsed.namesAreLowerCase)
        parsed.set("Authorization", "a")
        XCTAssertFalse(parsed.namesAreLowerCase)
    }

    /// A field equal to the one in the same place of the previous message reuses
    /// its strings; anything else, down to one byte or the order, is read afresh.
    func testFieldsRepeatedFromThePreviousMessageAreReadAsSent() throws {
        let parser = HTTPMessageParser(request: true, maxHeaderBytes: 8192, maxBodyBytes: 1024)
        func parse(_ fields: [(String, String)]) throws -> [(name: String, value: String)] {
            let text = "POST / HTTP/1.1\r\n" + fields.map { "\($0.0): \($0.1)\r\n" }.joined() + "Content-Length: 0\r\n\r\n"
            let used = Array(text.utf8).withUnsafeBytes { parser.execute($0) }
            XCTAssertEqual(used, text.utf8.count)
            let message = try XCTUnwrap(parser.takeMessage())
            parser.resume()
            return message.headers.entries
        }
        func check(_ fields: [(String, String)], file: StaticString = #filePath, line: UInt = #line) throws {
            let got = try parse(fields)
            let want = fields.map { (name: $0.0.lowercased(), value: $0.1) } + [(name: "content-length", value: "0")]
            XCTAssertEqual(got.map(\.name), want.map(\.name), file: file, line: line)
            XCTAssertEqual(got.map(\.value), want.map(\.value), file: file, line: line)
        }
        let signed = [("Host", "127.0.0.1:8443"), ("Content-Type", "application/x-amz-json-1.0"),
                      ("X-Amz-Target", "QLDBSession.SendCommand"), ("X-Amz-Date", "20261206T081500Z"),
                      ("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261206/us-east-1/qldb/aws4_request, Signature=00ff")]
        try check(signed)
        try check(signed)                                                   // all repeated
        var changed = signed
        changed[3].1 = "20261206T081501Z"                                   // same length, one byte differs
        changed[4].1 = "AWS4-HMAC-SHA256 Credential=AKID/20261206/us-east-1/qldb/aws4_request, Signature=00fe"
        try check(changed)
        try check(Array(signed.reversed()))                                 // the same fields, another order
        var cased = signed
        cased[1].0 = "CONTENT-TYPE"                                         // a name in another case: lower-cased alike
        try check(cased)
        try check(Array(signed.prefix(2)) + [("X-Amz-Target", "QLDBSession.SendCommandX")])  // longer
        try check([("Host", "")] + signed.dropFirst())                      // an empty value where there was one
        try check(signed)
    }
}


/// Lookups in headers the parser lower-cased compare one lower-cased name; they find what `sameName` finds.
final class HTTPHeaderLowerCaseLookupTests: XCTestCase {
    func testLookupsInParsedHeadersFindAnyCaseOfTheName() {
        var parsed = HTTPHeaders()
        for (name, value) in [("host", "h"), ("x-amz-target", "t1"), ("content-type", "c"), ("x-amz-target", "t2")] {
            parsed.addLowerCased(name, value)
        }
        let scanned = HTTPHeaders(entries: parsed.entries)
        XCTAssertTrue(parsed.namesAreLowerCase)
        XCTAssertFalse(scanned.namesAreLowerCase)
        for query in ["X-Amz-Target", "x-amz-target", "X-AMZ-TARGET", "Host", "CONTENT-type", "Expect", "", "Ärger", "hoSt "] {
            XCTAssertEqual(parsed[query], scanned[query], query)
            XCTAssertEqual(parsed.values(query), scanned.values(query), query)
        }
        XCTAssertEqual(parsed.values("X-Amz-Target"), ["t1", "t2"])
        XCTAssertEqual(HTTPHeaders.asciiLowerCased("X-Amz-Date"), "x-amz-date")
        XCTAssertEqual(HTTPHeaders.asciiLowerCased("already"), "already")
        XCTAssertNil(HTTPHeaders.asciiLowerCased("Ärger"))
    }
}

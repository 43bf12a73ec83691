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
    }
}

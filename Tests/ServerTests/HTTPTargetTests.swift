import Net
import QLDBWire
import XCTest

/// A request target's path and query: split at the first `?` only, the
/// same for the router (`HTTPRequest`) and for the signature (`SignedRequest`).
final class HTTPTargetTests: XCTestCase {
    private let cases: [(target: String, path: String, query: String?)] = [
        ("/", "/", nil),
        ("/ledgers/a%3Ab", "/ledgers/a%3Ab", nil),
        ("/ledgers?max=2", "/ledgers", "max=2"),
        ("/a?b?c", "/a", "b?c"),
        ("/a?", "/a", ""),
        ("?x=1", "", "x=1"),
        ("", "", nil),
        ("/é?ü", "/é", "ü"),
        // A combining mark after the `?` makes one Character of them, but the
        // delimiter is the byte: path and query still split there, and together.
        ("/a?\u{301}b", "/a", "\u{301}b"),
    ]

    func testTheRouterSplitsAtTheFirstQuestionMark() {
        for c in cases {
            let request = HTTPRequest(method: "GET", target: c.target)
            XCTAssertEqual(request.path, c.path, c.target)
            XCTAssertEqual(request.query, c.query, c.target)
        }
    }

    func testTheSignatureSplitsTheSameWay() {
        for c in cases {
            let request = SignedRequest(method: "GET", target: c.target, headers: [], body: [])
            XCTAssertEqual(request.rawPath, c.path, c.target)
            XCTAssertEqual(request.rawQuery, c.query, c.target)
        }
    }
}

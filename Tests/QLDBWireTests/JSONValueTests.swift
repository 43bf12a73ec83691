import XCTest
@testable import QLDBWire

/// The request parser and the response writer (both byte-level).
final class JSONValueTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    private func parseError(_ bytes: [UInt8]) -> JSONValue.ParseError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch let e as JSONValue.ParseError {
            return e
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    func testParsesMembersInOrderAndKeepsNumberText() throws {
        let v = try parse(#" { "b" : [1, -0.5e+3, true, false, null] , "a":{"s":"x"} } "#)
        XCTAssertEqual(v, .object([("b", .array([.number("1"), .number("-0.5e+3"), .bool(true), .bool(false), .null])),
                                   ("a", .object([("s", .string("x"))]))]))
    }

    func testStringsWithAndWithoutEscapes() throws {
        XCTAssertEqual(try parse(#""plain text""#), .string("plain text"))
        XCTAssertEqual(try parse(#""""#), .string(""))
        // A plain prefix, then escapes: the slow path starts from the prefix.
        XCTAssertEqual(try parse(#""ab\"c\\d\/e\n\t\u00e9\ud83d\ude00f""#), .string("ab\"c\\d/e\n\té😀f"))
        XCTAssertEqual(try parse(#""\u0041""#), .string("A"))
        XCTAssertEqual(try parse("\"caf\u{e9} \u{1F600}\""), .string("café 😀"))
    }

    func testMalformedStringsAreRefusedWithTheirOffset() {
        // Invalid UTF-8 with no escape (the in-place path) and after an escape (the copying path):
        // the offset is just past the closing quote either way.
        XCTAssertEqual(parseError([0x22, 0x61, 0xFF, 0x22])?.reason, "invalid UTF-8 in string")
        XCTAssertEqual(parseError([0x22, 0x61, 0xFF, 0x22])?.offset, 4)
        XCTAssertEqual(parseError([0x22, 0x5C, 0x6E, 0xFF, 0x22])?.offset, 5)
        // A truncated four-byte sequence: repairing it gives U+FFFD, three bytes, as many as it had.
        XCTAssertEqual(parseError([0x22, 0xF0, 0x9F, 0x98, 0x22])?.reason, "invalid UTF-8 in string")
        XCTAssertEqual(parseError([0x22, 0x5C, 0x6E, 0xF0, 0x9F, 0x98, 0x22])?.reason, "invalid UTF-8 in string")
        XCTAssertEqual(parseError([0x22, 0xEF, 0xBF, 0xBD, 0x22])?.reason, nil)   // U+FFFD itself is valid
        XCTAssertEqual(parseError(Array("\"a\u{01}\"".utf8))?.reason, "control character in string")
        XCTAssertEqual(parseError(Array("\"abc".utf8))?.reason, "unterminated string")
        XCTAssertEqual(parseError(Array(#""\ud83d""#.utf8))?.reason, "lone surrogate")
        XCTAssertEqual(parseError(Array(#""\x""#.utf8))?.reason, "bad escape")
    }

    func testOtherMalformedInput() {
        XCTAssertEqual(parseError(Array("01".utf8))?.reason, "leading zero")
        XCTAssertEqual(parseError(Array("{} x".utf8))?.reason, "trailing characters")
        XCTAssertEqual(parseError(Array("tru".utf8))?.reason, "unexpected token")
        XCTAssertEqual(parseError(Array("nul!".utf8))?.reason, "unexpected token")
        XCTAssertEqual(parseError(Array("[1,]".utf8))?.reason, "unexpected character")
        XCTAssertEqual(parseError(Array(String(repeating: "[", count: 100).utf8))?.reason, "nested too deeply")
    }

    func testWriterEscapesWhatItMustAndRoundTrips() throws {
        let v = JSONValue.object([("Plain", .string("AbC123+/=")), ("Quote", .string("say \"hi\"\\")),
                                  ("Control", .string("a\nb\u{01}")), ("Unicode", .string("é😀")),
                                  ("List", .array([.int(-7), .bool(true), .null])), ("Empty", .object([]))])
        let bytes = v.bytes
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), v.text)
        XCTAssertTrue(v.text.hasPrefix(#"{"Plain":"AbC123+/=","Quote":"say \"hi\"\\","#), v.text)
        XCTAssertFalse(v.text.contains("\n"), v.text)
        XCTAssertEqual(try JSONValue.parse(bytes), v)
    }

    func testSessionResponseBodyBytesMatchTheText() {
        let result = SessionResult.commitTransaction(transactionID: "tx1", commitDigest: [1, 2, 3], consumedIOs: IOUsage(readIOs: 2, writeIOs: 1))
        let bytes = result.jsonBodyBytes(processingTimeMilliseconds: 4)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), result.jsonBody(processingTimeMilliseconds: 4))
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       #"{"CommitTransaction":{"TransactionId":"tx1","CommitDigest":"AQID","#
                       + #""TimingInformation":{"ProcessingTimeMilliseconds":4},"ConsumedIOs":{"ReadIOs":2,"WriteIOs":1}}}"#)
    }
}

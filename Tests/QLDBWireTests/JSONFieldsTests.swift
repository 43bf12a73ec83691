import Raft   // SplitMix64: the seeded generator
import XCTest
@testable import QLDBWire

/// `JSONFields` (the load generator's responses, read without a tree) must
/// accept only what `JSONValue.parse` accepts and find what the tree holds.
final class JSONFieldsTests: XCTestCase {
    static let responses: [String] = [
        #"{"StartSession":{"SessionToken":"AQIDBAUG+/=="}}"#,
        #"{"StartTransaction":{"TransactionId":"AbCdEfGhIjKlMnOpQrStUv","TimingInformation":{"ProcessingTimeMilliseconds":1}}}"#,
        #"{"ExecuteStatement":{"FirstPage":{"Values":[{"IonBinary":"4AEA6g=="}]},"TimingInformation":{"ProcessingTimeMilliseconds":0},"ConsumedIOs":{"ReadIOs":1}}}"#,
        #"{"ExecuteStatement":{"FirstPage":{"Values":[]}}}"#,
        #"{"ExecuteStatement":{"FirstPage":{"Values":[{"IonBinary":"a"},{"IonBinary":"b"},{}]}}}"#,
        #"{"CommitTransaction":{"TransactionId":"AbCd","CommitDigest":"AAECAwQ=","TimingInformation":{}}}"#,
        #"{"header":{"cluster_id":"1","revision":"7"},"kvs":[{"key":"YQ==","value":"Yg=="}],"count":"1"}"#,
        #"{"header":{"revision":"7"}}"#,
        // Layout, repeats, nulls, escapes in values, deeper containers.
        " {\r\n \"StartTransaction\" : { \"TransactionId\" : \"x\" , \"TransactionId\" : \"y\" } } ",
        #"{"StartTransaction":{"TransactionId":null}}"#,
        #"{"StartTransaction":null,"StartTransaction":{"TransactionId":"d\u00e9j\u00e0 \"q\""}}"#,
        #"{"CommitTransaction":{"CommitDigest":7,"X":[[[[[{"a":[1,2,{"b":null}]}]]]]]}}"#,
        #"{"kvs":{"a":1}}"#,
        #"{"Ünï":1,"StartSession":{"SessionToken":"t"}}"#,
        #"{"\u0053tartSession":{"SessionToken":"t"}}"#,
        // Not one object.
        #"[{"StartSession":{"SessionToken":"t"}}]"#,
        #"{"StartSession":{"SessionToken":"t"}} {}"#,
        #"{"StartSession":{"SessionToken":"t"}"#,
        "",
    ]

    static let paths: [[String]] = [
        ["StartSession", "SessionToken"], ["StartTransaction", "TransactionId"], ["CommitTransaction", "CommitDigest"],
        ["CommitTransaction", "TransactionId"], ["header", "revision"], ["count"],
    ]
    static let arrays: [[String]] = [["ExecuteStatement", "FirstPage", "Values"], ["kvs"]]

    /// The tree's reading with the same rules (the last of a repeated name; null is absent).
    private func member(_ value: JSONValue?, _ name: String) -> JSONValue? {
        guard case .object(let members)? = value, let found = members.last(where: { $0.0 == name })?.1 else { return nil }
        if case .null = found { return nil }
        return found
    }

    private func lookUp(_ tree: JSONValue, _ path: [String]) -> JSONValue? {
        path.reduce(Optional(tree)) { member($0, $1) }
    }

    private func check(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let text = String(decoding: bytes, as: UTF8.self)
        let tree = try? JSONValue.parse(bytes)
        guard let fields = JSONFields(bytes) else {
            if case .object? = tree {
                // Only names that are not plain ASCII turn a valid object away.
                XCTAssertTrue(bytes.contains { $0 >= 0x80 || $0 == UInt8(ascii: "\\") }, "refused: \(text)", file: file, line: line)
            }
            return
        }
        guard let tree, case .object = tree else {
            return XCTFail("accepted what the tree refuses: \(text)", file: file, line: line)
        }
        for path in Self.paths {
            var expected: String?
            if case .string(let s)? = lookUp(tree, path) { expected = s }
            XCTAssertEqual(fields.string(at: path), expected, "\(path) in \(text)", file: file, line: line)
        }
        for path in Self.arrays {
            var expected: Int?
            if case .array(let items)? = lookUp(tree, path) { expected = items.count }
            XCTAssertEqual(fields.arrayCount(at: path), expected, "\(path) in \(text)", file: file, line: line)
        }
    }

    func testTheResponsesBothServersSendAreReadWithoutATree() throws {
        let fields = try XCTUnwrap(JSONFields(Array(Self.responses[2].utf8)))
        XCTAssertEqual(fields.arrayCount("ExecuteStatement", "FirstPage", "Values"), 1)
        XCTAssertEqual(JSONFields(Array(Self.responses[1].utf8))?.string("StartTransaction", "TransactionId"),
                       "AbCdEfGhIjKlMnOpQrStUv")
        XCTAssertEqual(JSONFields(Array(Self.responses[6].utf8))?.arrayCount("kvs"), 1)
        XCTAssertEqual(JSONFields(Array(Self.responses[8].utf8))?.string("StartTransaction", "TransactionId"), "y")
        XCTAssertEqual(JSONFields(Array(Self.responses[10].utf8))?.string("StartTransaction", "TransactionId"),
                       "d\u{e9}j\u{e0} \"q\"")
        XCTAssertNil(JSONFields(Array(Self.responses[9].utf8))?.string("StartTransaction", "TransactionId"))
        XCTAssertNil(JSONFields(Array(Self.responses[11].utf8))?.string("CommitTransaction", "CommitDigest"))
        XCTAssertNil(JSONFields(Array(Self.responses[12].utf8))?.arrayCount("kvs"))
        for refused in Self.responses.suffix(6) { XCTAssertNil(JSONFields(Array(refused.utf8)), refused) }
    }

    func testFieldsAgreeWithTheTreeOnEveryResponse() {
        for response in Self.responses { check(Array(response.utf8)) }
    }

    func testFieldsAgreeWithTheTreeOnMutatedResponses() {
        var rng = SplitMix64(seed: 0xF1E1_D5)
        for response in Self.responses {
            let original = Array(response.utf8)
            for _ in 0..<300 {
                check(JSONMutations.mutate(original, rng: &rng))
            }
        }
    }
}

/// The word-at-a-time test `JSONScanner.skipString` runs before its byte loop.
final class JSONScannerWordTests: XCTestCase {
    private func reference(_ w: UInt64) -> Bool {
        (0..<8).contains { i in
            let b = UInt8(truncatingIfNeeded: w >> (8 * UInt64(i)))
            return b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 || b > 0x7F
        }
    }

    func testAgreesWithTheByteTestOnEveryByteInEveryPlace() {
        let plain = UInt64(0x6161_6161_6161_6161)  // "aaaaaaaa"
        XCTAssertFalse(JSONScanner.needsAttention(plain))
        for place in 0..<8 {
            for byte in 0...255 {
                let w = plain & ~(0xFF << (8 * UInt64(place))) | UInt64(byte) << (8 * UInt64(place))
                XCTAssertEqual(JSONScanner.needsAttention(w), reference(w), "byte \(byte) at \(place)")
            }
        }
    }

    func testAgreesWithTheByteTestOnRandomWords() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            // Mostly printable ASCII, as a request's strings are, with a special byte now and then.
            var w: UInt64 = 0
            for i in 0..<8 {
                let b: UInt8 = Int.random(in: 0..<10, using: &rng) == 0 ? .random(in: 0...255, using: &rng)
                    : .random(in: 0x20...0x7E, using: &rng)
                w |= UInt64(b) << (8 * UInt64(i))
            }
            XCTAssertEqual(JSONScanner.needsAttention(w), reference(w), String(w, radix: 16))
        }
    }
}

import Foundation
import Raft   // SplitMix64: the seeded generator
import XCTest
@testable import QLDBWire

/// The direct decoder (no JSON tree) must agree with the tree decoder on every
/// body: the same request where both accept, and no request where the tree
/// refuses (then `decode` reports the tree's error).
final class SendCommandDirectDecodeTests: XCTestCase {
    static let token = "AQIDBAUGBwgJCgsMDQ4PEA+/="
    static let txn = "AbCdEfGhIjKlMnOpQrStUv"
    static let digest = Data((0..<32).map { UInt8($0) }).base64EncodedString()
    static let ionInt = Data([0xE0, 0x01, 0x00, 0xEA, 0x21, 0x05]).base64EncodedString()

    /// The first `direct` bodies take the direct path; the rest are left to the tree.
    static let direct = 18
    static let bodies: [String] = [
        #"{"StartSession":{"LedgerName":"my-ledger"}}"#,
        #"{"SessionToken":"\#(token)","StartTransaction":{}}"#,
        #"{"SessionToken":"\#(token)","ExecuteStatement":{"TransactionId":"\#(txn)","Statement":"SELECT * FROM T"}}"#,
        #"{"SessionToken":"\#(token)","ExecuteStatement":{"TransactionId":"\#(txn)","Statement":"INSERT INTO T ?","Parameters":[{"IonBinary":"\#(ionInt)"}]}}"#,
        #"{"SessionToken":"\#(token)","ExecuteStatement":{"TransactionId":"\#(txn)","Statement":"INSERT INTO T ?","Parameters":[{"IonText":"{a: \"x\\u00e9\"}"},{"IonBinary":"\#(ionInt)","IonText":null}]}}"#,
        #"{"SessionToken":"\#(token)","ExecuteStatement":{"TransactionId":"\#(txn)","Statement":"SELECT *\nFROM T WHERE a = 'caf\u00e9' AND b = 'ü'","Parameters":null}}"#,
        #"{"SessionToken":"\#(token)","FetchPage":{"TransactionId":"\#(txn)","NextPageToken":"\#(token)"}}"#,
        #"{"SessionToken":"\#(token)","CommitTransaction":{"TransactionId":"\#(txn)","CommitDigest":"\#(digest)"}}"#,
        #"{"SessionToken":"\#(token)","AbortTransaction":{}}"#,
        #"{"SessionToken":"\#(token)","EndSession":{}}"#,
        // Layout, order, repeats, nulls and members nobody reads.
        " { \"EndSession\" : { } ,\r\n\t\"SessionToken\" : \"\(token)\" } ",
        #"{"SessionToken":"x","SessionToken":"\#(token)","StartTransaction":{"Extra":[1,-2.5e3,true,false,null,{"a":[]}]}}"#,
        #"{"SessionToken":"\#(token)","StartTransaction":{},"EndSession":null}"#,
        #"{"SessionToken":"\#(token)","StartTransaction":{},"StartTransaction":{}}"#,
        #"{"StartSession":{"LedgerName":"a--b"},"StartSession":{"LedgerName":"ab"}}"#,
        #"{"SessionToken":"\#(token)","StartTransaction":{},"Note":"d\u00e9j\u00e0 \ud83d\ude00 ü"}"#,
        #"{"SessionToken":"\#(token)","StartTransaction":{"a":"\#(String(repeating: "[", count: 40))"}}"#,
        #"{"SessionToken":"\#(token)","ExecuteStatement":{"Parameters":[{"IonBinary":"\#(ionInt)"},{"IonText":"[1, 2]","X":{"y":[{}]}},{"IonBinary":"\#(ionInt)"}],"TransactionId":"\#(txn)","Statement":"UPDATE T SET a = ? WHERE b = ? OR c = ?"},"After":{"a":{"b":[{"c":1}]}}}"#,
        // Names the direct path leaves to the tree: escaped or non-ASCII.
        #"{"SessionToken":"\#(token)","StartTransaction":{},"Ünïcode":1}"#,
        #"{"\u0053essionToken":"\#(token)","StartTransaction":{}}"#,
        #"{"SessionToken":"\#(token)","StartTransaction":{"K\u212A":1}}"#,
        // Bodies the tree refuses.
        #"{"SessionToken":"\#(token)","StartTransaction":{},"EndSession":{}}"#,
        #"{"SessionToken":7,"StartTransaction":{}}"#,
        #"{"SessionToken":"\#(token)","ExecuteStatement":{"TransactionId":"\#(txn)","Statement":"S","Parameters":[{"IonBinary":5,"IonText":"1"}]}}"#,
        #"{"SessionToken":"\#(token)","ExecuteStatement":{"TransactionId":"\#(txn)","Statement":"S","Parameters":{}}}"#,
        #"{"SessionToken":"\#(token)","ExecuteStatement":{"TransactionId":"\#(txn)","Statement":""}}"#,
        #"{"SessionToken":"\#(token)","CommitTransaction":{"TransactionId":"\#(txn)","CommitDigest":"!!"}}"#,
        #"{"SessionToken":"\#(token)","ExecuteStatement":{"TransactionId":"\#(txn)","Statement":"S","Parameters":[{"IonText":"x","IonBinary":null},{"IonBinary":"!!"}]}}"#,
        #"[{"SessionToken":"\#(token)","StartTransaction":{}}]"#,
        #"{"SessionToken":"\#(token)","StartTransaction":{}} {}"#,
        String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
        "{\"SessionToken\":\"\(token)\",\"StartTransaction\":{\"a\":" + String(repeating: "[", count: 40)
            + String(repeating: "]", count: 40) + "}}",
    ]

    /// Both decoders on one body; fails when they disagree.
    private func check(_ body: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let tree = Result { try SendCommandRequest.decodeTree(body) }
        let direct = Result { try SendCommandRequest.decodeDirect(body) }
        let decoded = Result { try SendCommandRequest.decode(body) }
        let text = String(decoding: body, as: UTF8.self)
        switch tree {
        case .success(let expected):
            if case .success(let got?) = direct {
                XCTAssertEqual(got, expected, "direct decode differs on \(text)", file: file, line: line)
            }
            XCTAssertEqual(try? decoded.get(), expected, "decode differs on \(text)", file: file, line: line)
        case .failure(let error):
            if case .success(let got?) = direct {
                XCTFail("direct decode accepted \(got) where the tree refuses (\(error)): \(text)", file: file, line: line)
            }
            guard case .failure(let got) = decoded else {
                return XCTFail("decode accepted a body the tree refuses: \(text)", file: file, line: line)
            }
            XCTAssertEqual("\(got)", "\(error)", file: file, line: line)
        }
    }

    func testTheDirectPathTakesTheBodiesDriversSend() throws {
        for body in Self.bodies.prefix(Self.direct) {
            let bytes = Array(body.utf8)
            let direct = try XCTUnwrap(try SendCommandRequest.decodeDirect(bytes), "not taken directly: \(body)")
            XCTAssertEqual(direct, try SendCommandRequest.decodeTree(bytes), body)
        }
        for body in Self.bodies.dropFirst(Self.direct) {
            XCTAssertNil(try? SendCommandRequest.decodeDirect(Array(body.utf8)), body)
        }
    }

    /// A value holder's problem is reported by the direct path itself (`Settled`), as the tree words it:
    /// a large body is not read twice.
    func testAValueHoldersProblemIsSettledByTheDirectPathAsTheTreeWouldSayIt() throws {
        let holders = [#"{"IonBinary":"!!"}"#, #"{"IonText":""}"#, #"{}"#, #"{"IonBinary":"\#(Self.ionInt)","IonText":"1"}"#,
                       #"{"IonText":"1 2"}"#, #"{"IonText":"{"}"#, #"{"IonText":"1\#(String(repeating: "7", count: 5_000))"}"#]
        for holder in holders {
            let body = Array(#"{"SessionToken":"\#(Self.token)","ExecuteStatement":{"TransactionId":"\#(Self.txn)","#.utf8)
                + Array(#""Statement":"INSERT INTO T ?","Parameters":[{"IonText":"1"},\#(holder)]}}"#.utf8)
            do {
                _ = try SendCommandRequest.decodeDirect(body)
                XCTFail("the direct path accepted \(holder)")
            } catch let settled as SendCommandRequest.Settled {
                do {
                    _ = try SendCommandRequest.decodeTree(body)
                    XCTFail("the tree accepted \(holder)")
                } catch {
                    XCTAssertEqual("\(settled.error)", "\(error)")
                    XCTAssertTrue("\(error)".contains("ExecuteStatement.Parameters[1]"), "\(error)")
                }
            } catch {
                XCTFail("\(error) for \(holder): not settled by the direct path")
            }
            check(body)
        }
    }

    func testBothDecodersAgreeOnEveryBody() {
        for body in Self.bodies { check(Array(body.utf8)) }
    }

    /// Seeded mutations of every body: bytes dropped, inserted, replaced and
    /// ranges repeated, from the characters JSON gives meaning to.
    func testBothDecodersAgreeOnMutatedBodies() {
        var rng = SplitMix64(seed: 0x5EED_D1EC)
        var mutated = 0
        for body in Self.bodies {
            let original = Array(body.utf8)
            for _ in 0..<400 {
                check(JSONMutations.mutate(original, rng: &rng))
                mutated += 1
            }
        }
        XCTAssertEqual(mutated, Self.bodies.count * 400)
    }
}

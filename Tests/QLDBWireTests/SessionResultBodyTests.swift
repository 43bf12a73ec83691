import Foundation
import XCTest
@testable import QLDBWire

/// A response body is written member by member (`JSONBytes`); it must be the
/// very bytes the `JSONValue` tree it replaced wrote, for every command.
final class SessionResultBodyTests: XCTestCase {
    /// The tree-built body, as `jsonBodyBytes` made it before (the oracle).
    private func treeBody(_ result: SessionResult, ms: Int64) -> [UInt8] {
        let timing: (String, JSONValue) = ("TimingInformation", .object([("ProcessingTimeMilliseconds", .int(ms))]))
        func ios(_ io: IOUsage) -> (String, JSONValue) {
            ("ConsumedIOs", .object([("ReadIOs", .int(io.readIOs)), ("WriteIOs", .int(io.writeIOs))]))
        }
        func page(_ p: ResultPage) -> JSONValue {
            var members: [(String, JSONValue)] = [
                ("Values", .array(p.values.map { .object([("IonBinary", .string(Data($0).base64EncodedString()))]) })),
            ]
            if let token = p.nextPageToken { members.append(("NextPageToken", .string(token))) }
            return .object(members)
        }
        let (key, members): (String, [(String, JSONValue)])
        switch result {
        case .startSession(let token): (key, members) = ("StartSession", [("SessionToken", .string(token)), timing])
        case .startTransaction(let id): (key, members) = ("StartTransaction", [("TransactionId", .string(id)), timing])
        case .executeStatement(let p, let io): (key, members) = ("ExecuteStatement", [("FirstPage", page(p)), timing, ios(io)])
        case .fetchPage(let p, let io): (key, members) = ("FetchPage", [("Page", page(p)), timing, ios(io)])
        case .commitTransaction(let id, let digest, let io):
            (key, members) = ("CommitTransaction", [("TransactionId", .string(id)),
                                                    ("CommitDigest", .string(Data(digest).base64EncodedString())),
                                                    timing, ios(io)])
        case .abortTransaction: (key, members) = ("AbortTransaction", [timing])
        case .endSession: (key, members) = ("EndSession", [timing])
        }
        return JSONValue.object([(key, .object(members))]).bytes
    }

    func testEveryCommandsBodyIsTheTreesBytes() {
        var rng = SystemRandomNumberGenerator()
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        func text() -> String {
            // Token-like text, and now and then characters a JSON string must escape.
            let pieces = ["abc", "XYZ", "09", "+/=", "\"", "\\", "\n", "\u{01}", "é", "😀"]
            return (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        func io() -> IOUsage { IOUsage(readIOs: Int64.random(in: 0...1_000_000, using: &rng), writeIOs: Int64.random(in: 0...9, using: &rng)) }
        func page() -> ResultPage {
            ResultPage(values: (0..<Int.random(in: 0...4, using: &rng)).map { _ in bytes(Int.random(in: 0...40, using: &rng)) },
                       nextPageToken: Bool.random(using: &rng) ? text() : nil)
        }
        for _ in 0..<500 {
            let results: [SessionResult] = [
                .startSession(sessionToken: text()), .startTransaction(transactionID: text()),
                .executeStatement(firstPage: page(), consumedIOs: io()), .fetchPage(page: page(), consumedIOs: io()),
                .commitTransaction(transactionID: text(), commitDigest: bytes(Int.random(in: 0...33, using: &rng)), consumedIOs: io()),
                .abortTransaction, .endSession,
            ]
            let ms = Int64.random(in: 1...Int64.max, using: &rng)
            for r in results {
                XCTAssertEqual(String(decoding: r.jsonBodyBytes(processingTimeMilliseconds: ms), as: UTF8.self),
                               String(decoding: treeBody(r, ms: ms), as: UTF8.self))
            }
        }
    }

    /// Numbers are written digit by digit (no `String` between): the edges, as the tree writes them.
    func testNumbersAtTheEdges() {
        let edges: [Int64] = [0, 1, 9, 10, 99, 100, -1, -10, 1_000_000_007, .max, .min, .min + 1]
        for ms in edges {
            for ios in edges {
                let r = SessionResult.commitTransaction(transactionID: "t", commitDigest: [1, 2],
                                                        consumedIOs: IOUsage(readIOs: ios, writeIOs: ms))
                XCTAssertEqual(String(decoding: r.jsonBodyBytes(processingTimeMilliseconds: ms), as: UTF8.self),
                               String(decoding: treeBody(r, ms: ms), as: UTF8.self))
            }
        }
    }
}

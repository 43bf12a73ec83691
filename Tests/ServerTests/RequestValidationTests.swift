import Foundation
import Ion
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

/// Every malformed `SendCommand` body gets a 400 BadRequestException naming
/// the problem, and nothing changes.
final class RequestValidationTests: XCTestCase {
    func testMalformedRequestsAreRejectedAndChangeNothing() throws {
        let backend = FakeBackend()
        let manager = SessionManager(backend: backend)
        let endpoint = makeEndpoint(manager)
        let tok = try XCTUnwrap(send(manager, nil, .startSession(ledgerName: "test-ledger")).token)
        let txn = try XCTUnwrap(send(manager, tok, .startTransaction).transactionID)

        func exec(_ inner: String) -> String {
            "{\"SessionToken\":\"\(tok)\",\"ExecuteStatement\":{\"TransactionId\":\"\(txn)\",\(inner)}}"
        }
        func param(_ holder: String) -> String { exec("\"Statement\":\"INSERT INTO T ?\",\"Parameters\":[\(holder)]") }
        let malformedIon = b64([0xE0, 0x01, 0x00, 0xEA, 0x83, 0x61])       // string of 3 bytes, 1 present
        let twoValues = b64([0xE0, 0x01, 0x00, 0xEA, 0x20, 0x21, 0x01])
        let noValue = b64([0xE0, 0x01, 0x00, 0xEA])
        let huge = b64([0xE0, 0x01, 0x00, 0xEA] + [UInt8](repeating: 0, count: 131_069))   // 131073 bytes
        let longStatement = String(repeating: "x", count: 100_001)

        let table: [(String, String)] = [
            ("", "Request body is empty; expected a JSON object"),
            ("not json", "Request body is not valid JSON"),
            ("[1]", "Request body must be a JSON object"),
            ("7", "Request body is not valid JSON"),
            ("{\"StartSession\":{\"LedgerName\":\"ab\"}} x", "Request body is not valid JSON"),
            ("{\"StartSession\":{\"LedgerName\":\"a\\ud800b\"}}", "Request body is not valid JSON"),
            ("{\"StartSession\":{\"LedgerName\":\"ab\"},\"StartSession\":{\"LedgerName\":\"a--b\"}}",
             "StartSession.LedgerName 'a--b' is invalid"),   // a repeated member: the last one counts
            ("{}", "Request must contain exactly one command (one of StartSession, StartTransaction, ExecuteStatement, FetchPage, CommitTransaction, AbortTransaction, EndSession); found none"),
            ("{\"SessionToken\":\"\(tok)\"}", "Request must contain exactly one command"),
            ("{\"StartSession\":{\"LedgerName\":\"test-ledger\"},\"EndSession\":{}}",
             "Request must contain exactly one command; found 2: StartSession, EndSession"),
            ("{\"StartTransaction\":{}}", "SessionToken is required for StartTransaction"),
            ("{\"SessionToken\":\"abc\",\"StartTransaction\":{}}", "SessionToken must be 4 to 1024 characters long"),
            ("{\"SessionToken\":\"\(String(repeating: "a", count: 1025))\",\"StartTransaction\":{}}",
             "SessionToken must be 4 to 1024 characters long"),
            ("{\"SessionToken\":\"abcd!\",\"StartTransaction\":{}}", "SessionToken must match the pattern ^[A-Za-z-0-9+/=]+$"),
            ("{\"SessionToken\":7,\"StartTransaction\":{}}", "SessionToken must be a string"),
            ("{\"SessionToken\":\"\(tok)\",\"StartTransaction\":[]}", "StartTransaction must be a JSON object"),
            ("{\"StartSession\":\"x\"}", "StartSession must be a JSON object"),
            ("{\"StartSession\":{}}", "StartSession.LedgerName is required"),
            ("{\"StartSession\":{\"LedgerName\":5}}", "StartSession.LedgerName must be a string"),
            ("{\"StartSession\":{\"LedgerName\":\"a--b\"}}", "StartSession.LedgerName 'a--b' is invalid"),
            ("{\"StartSession\":{\"LedgerName\":\"12345\"}}", "StartSession.LedgerName '12345' is invalid"),
            ("{\"StartSession\":{\"LedgerName\":\"-ab\"}}", "StartSession.LedgerName '-ab' is invalid"),
            ("{\"StartSession\":{\"LedgerName\":\"ab-\"}}", "StartSession.LedgerName 'ab-' is invalid"),
            ("{\"StartSession\":{\"LedgerName\":\"\"}}", "StartSession.LedgerName '' is invalid"),
            ("{\"StartSession\":{\"LedgerName\":\"a_b\"}}", "StartSession.LedgerName 'a_b' is invalid"),
            ("{\"StartSession\":{\"LedgerName\":\"\(String(repeating: "a", count: 33))\"}}", "StartSession.LedgerName 'aaaa"),
            ("{\"SessionToken\":\"\(tok)\",\"ExecuteStatement\":{\"TransactionId\":\"\(txn.dropLast())\",\"Statement\":\"S\"}}",
             "ExecuteStatement.TransactionId '\(txn.dropLast())' is invalid: it must be exactly 22 characters matching ^[A-Za-z-0-9]+$"),
            ("{\"SessionToken\":\"\(tok)\",\"ExecuteStatement\":{\"TransactionId\":\"\(txn.dropLast())+\",\"Statement\":\"S\"}}",
             "ExecuteStatement.TransactionId '\(txn.dropLast())+' is invalid"),
            ("{\"SessionToken\":\"\(tok)\",\"ExecuteStatement\":{\"Statement\":\"S\"}}", "ExecuteStatement.TransactionId is required"),
            (exec("\"Parameters\":[]"), "ExecuteStatement.Statement is required"),
            (exec("\"Statement\":\"\""), "ExecuteStatement.Statement must not be empty"),
            (exec("\"Statement\":\"\(longStatement)\""), "ExecuteStatement.Statement is 100001 characters; the limit is 100000"),
            (exec("\"Statement\":\"S\",\"Parameters\":{}"), "ExecuteStatement.Parameters must be a JSON array"),
            (param("1"), "ExecuteStatement.Parameters[0] must be a JSON object"),
            (param("{}"), "ExecuteStatement.Parameters[0] must contain IonBinary or IonText"),
            (param("{\"IonBinary\":\"4AEA6iA=\",\"IonText\":\"1\"}"), "ExecuteStatement.Parameters[0] must contain only one of IonBinary and IonText"),
            (param("{\"IonBinary\":\"!!!!\"}"), "ExecuteStatement.Parameters[0].IonBinary is not valid base64"),
            (param("{\"IonBinary\":12}"), "ExecuteStatement.Parameters[0].IonBinary must be a string"),
            (param("{\"IonBinary\":\"\"}"), "ExecuteStatement.Parameters[0].IonBinary is empty"),
            (param("{\"IonBinary\":\"\(huge)\"}"), "ExecuteStatement.Parameters[0].IonBinary is 131073 bytes; the limit is 131072"),
            (param("{\"IonBinary\":\"\(malformedIon)\"}"), "ExecuteStatement.Parameters[0] is not valid Ion: Ion error at byte"),
            (param("{\"IonBinary\":\"\(twoValues)\"}"), "ExecuteStatement.Parameters[0] must hold exactly one Ion value; it holds 2"),
            (param("{\"IonBinary\":\"\(noValue)\"}"), "ExecuteStatement.Parameters[0] must hold exactly one Ion value; it holds 0"),
            (param("{\"IonText\":\"{a:\"}"), "ExecuteStatement.Parameters[0] is not valid Ion: Ion error at line 1"),
            (param("{\"IonText\":\"1 2\"}"), "ExecuteStatement.Parameters[0] must hold exactly one Ion value; it holds 2"),
            (param("{\"IonText\":\"\"}"), "ExecuteStatement.Parameters[0].IonText is empty"),
            ("{\"SessionToken\":\"\(tok)\",\"FetchPage\":{\"TransactionId\":\"\(txn)\"}}", "FetchPage.NextPageToken is required"),
            ("{\"SessionToken\":\"\(tok)\",\"FetchPage\":{\"TransactionId\":\"\(txn)\",\"NextPageToken\":\"abc\"}}",
             "FetchPage.NextPageToken must be 4 to 1024 characters long"),
            ("{\"SessionToken\":\"\(tok)\",\"FetchPage\":{\"TransactionId\":\"\(txn)\",\"NextPageToken\":\"ab cd\"}}",
             "FetchPage.NextPageToken must match the pattern"),
            ("{\"SessionToken\":\"\(tok)\",\"CommitTransaction\":{\"TransactionId\":\"\(txn)\"}}", "CommitTransaction.CommitDigest is required"),
            ("{\"SessionToken\":\"\(tok)\",\"CommitTransaction\":{\"TransactionId\":\"\(txn)\",\"CommitDigest\":\"%%%\"}}",
             "CommitTransaction.CommitDigest is not valid base64"),
        ]

        for (body, message) in table {
            let (response, json) = wire(endpoint, body)
            let label = String(body.prefix(120))
            XCTAssertEqual(response.status, 400, label)
            XCTAssertEqual(json["__type"] as? String, "BadRequestException", label)
            XCTAssertEqual(response.header("x-amzn-ErrorType"), "BadRequestException", label)
            XCTAssertEqual(response.header("x-amzn-RequestId")?.count, 22, label)
            let text = json["Message"] as? String ?? ""
            XCTAssertTrue(text.hasPrefix(message), "\(label)\n  got:      \(text)\n  expected: \(message)")
        }

        // Nothing changed: no statement ran, the transaction is still open with
        // an empty digest, and there is still exactly one session.
        XCTAssertEqual(backend.executedCount, 0)
        XCTAssertEqual(backend.transactions.count, 1)
        XCTAssertEqual(backend.transactions[0].aborted, 0)
        XCTAssertEqual(manager.liveSessionCount(ledger: "test-ledger"), 1)
        let commit = send(manager, tok, .commitTransaction(transactionID: txn, commitDigest: clientDigest(txn, [])))
        XCTAssertNil(commit.error)
    }

    func testLimitsAtTheBoundaryAreAccepted() throws {
        let backend = FakeBackend()
        let manager = SessionManager(backend: backend)
        let endpoint = makeEndpoint(manager)
        let start = wire(endpoint, "{\"StartSession\":{\"LedgerName\":\"test-ledger\"}}").json
        let tok = try XCTUnwrap((start["StartSession"] as? [String: Any])?["SessionToken"] as? String)
        let txn = try XCTUnwrap(send(manager, tok, .startTransaction).transactionID)
        let statement = String(repeating: "é", count: 100_000)  // 100000 characters, 200000 UTF-8 bytes
        let blob = IonValue.blob([UInt8](repeating: 7, count: 131_060))
        let bin = Ion.writeBinary([blob])
        XCTAssertLessThanOrEqual(bin.count, 131_072)
        let body = "{\"SessionToken\":\"\(tok)\",\"ExecuteStatement\":{\"TransactionId\":\"\(txn)\",\"Statement\":\"\(statement)\","
            + "\"Parameters\":[{\"IonBinary\":\"\(b64(bin))\"},{\"IonText\":\"{a:1, b:[x::2]}\"}]}}"
        let (response, json) = wire(endpoint, body)
        XCTAssertEqual(response.status, 200, response.bodyText)
        XCTAssertNotNil(json["ExecuteStatement"])
        XCTAssertEqual(backend.transactions[0].executed.first?.parameters,
                       [blob, try Ion.read("{a:1, b:[x::2]}")[0]])
    }

    func testDecodeProducesCommands() throws {
        let r = try SendCommandRequest.decode(Array("""
        {"SessionToken": "c2Vzc2lvbi0x", "ExecuteStatement": {"TransactionId": "Txn0000000000000000002", "Statement": "INSERT INTO T ?", "Parameters": [{"IonBinary": "4AEA6uiBg96Eh7KBYd6DiiEB"}]}}
        """.utf8))
        XCTAssertEqual(r.sessionToken, "c2Vzc2lvbi0x")
        XCTAssertEqual(r.command, .executeStatement(transactionID: "Txn0000000000000000002", statement: "INSERT INTO T ?",
                                                    parameters: [.struct([("a", .int(1))])]))
        let c = try SendCommandRequest.decode(Array("""
        {"SessionToken": "c2Vzc2lvbi0x", "CommitTransaction": {"TransactionId": "Txn0000000000000000002", "CommitDigest": "0YIYRNJUXBOUvzqhOnyLd/iU65YedYloJlh2QAjkKTY="}}
        """.utf8))
        if case .commitTransaction(_, let d) = c.command { XCTAssertEqual(d.count, 32) } else { XCTFail() }
        XCTAssertEqual(try SendCommandRequest.decode(Array("{\"StartSession\":{\"LedgerName\":\"test-ledger\"},\"SessionToken\":null}".utf8)),
                       SendCommandRequest(sessionToken: nil, command: .startSession(ledgerName: "test-ledger")))
        XCTAssertEqual(try SendCommandRequest.decode(Array("{\"SessionToken\":\"abcd\",\"EndSession\":{}}".utf8)).command, .endSession)
    }
}

import Foundation
import Ion
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

/// PROTOCOL.md §1.7.5 V1–V6: the manager computes the driver's digest from
/// wire-format requests (IonBinary parameters exactly as pyqldb encodes them,
/// Fixtures/gen_commit_digest_vectors.py) and accepts exactly that digest.
final class CommitDigestTests: XCTestCase {
    struct Vector {
        var name: String
        var transactionID: String
        var statements: [[String: Any]]
        var digest: [UInt8]
    }

    func vectors() throws -> [Vector] {
        let doc = try Fixtures.json("commit_digest_vectors.json")
        return try XCTUnwrap(doc["vectors"] as? [[String: Any]]).map {
            Vector(name: $0["name"] as! String, transactionID: $0["transaction_id"] as! String,
                   statements: $0["statements"] as! [[String: Any]],
                   digest: Hex.decode($0["commit_digest_hex"] as! String)!)
        }
    }

    static let expected: [String: String] = [
        "V1": "c359fc0833f7de92281380370ee02fffa776d2de3573e7337d01b26b24d1f6be",
        "V2": "1c72be8eeb4cbbdc549d76887463a808405ea091557c593067974bee70e67397",
        "V3": "ef8d10a295a3798aa8eddf381c97ee85ee1a9b3c0c79fb2f2be2ac43dbf94f2e",
        "V4": "7759e4769e35e2f41394da0ee1cb15f3befbdb710932c5d33938cb4e4db1a7cb",
        "V5": "3b48e4e499af7a7fb1925a8375c3a6d022950d97d9a9d3c36ed5bddde8a9cb73",
        "V6": "bc6a83bdb89a25450635cd3b075912ffb3ab54ef283accd9aa9760f57a19d0c6",
    ]

    /// The wire body of one ExecuteStatement (with a syntactically valid id;
    /// "txn1" of V1–V3, V5, V6 is not a legal wire id, so it is substituted
    /// after decoding).
    func decodeStatement(_ s: [String: Any], token: String, wireID: String) throws -> SessionCommand {
        let body: [String: Any] = ["SessionToken": token,
                                   "ExecuteStatement": ["TransactionId": wireID, "Statement": s["Statement"]!,
                                                        "Parameters": s["Parameters"]!]]
        let data = try JSONSerialization.data(withJSONObject: body)
        return try SendCommandRequest.decode([UInt8](data)).command
    }

    func testManagerComputesV1toV6FromWireRequests() throws {
        let all = try vectors()
        XCTAssertEqual(all.map(\.name), ["V1", "V2", "V3", "V4", "V5", "V6"])
        for v in all {
            XCTAssertEqual(Hex.encode(v.digest), Self.expected[v.name], v.name)
            for digestOK in [false, true] {
                let backend = FakeBackend()
                backend.nextIDs = [v.transactionID]
                let m = SessionManager(backend: backend)
                let tok = try XCTUnwrap(send(m, nil, .startSession(ledgerName: "test-ledger")).token)
                // The manager trusts the backend's id; the fake hands out the vector's.
                backend.lock.withLock { backend.nextIDs = [v.transactionID] }
                let txnID = try startTransactionAllowingShortID(m, backend, tok, v.transactionID)
                XCTAssertEqual(txnID, v.transactionID)
                for s in v.statements {
                    guard case .executeStatement(_, let text, let params) =
                        try decodeStatement(s, token: tok, wireID: "Txn0000000000000000001") else { return XCTFail() }
                    XCTAssertNil(send(m, tok, .executeStatement(transactionID: txnID, statement: text, parameters: params)).error)
                }
                var digest = v.digest
                if !digestOK { digest[31] ^= 1 }
                let r = send(m, tok, .commitTransaction(transactionID: txnID, commitDigest: digest))
                if digestOK {
                    XCTAssertEqual(r.value, .commitTransaction(transactionID: v.transactionID, commitDigest: v.digest,
                                                               consumedIOs: IOUsage(readIOs: 0, writeIOs: Int64(v.statements.count))),
                                   v.name)
                    XCTAssertEqual(backend.transactions.last?.committed, true, v.name)
                } else {
                    XCTAssertEqual(r.error?.message, "Digests don't match", v.name)
                    XCTAssertEqual(backend.transactions.last?.committed, false, "a mismatched digest never reaches the backend")
                }
            }
        }
    }

    /// V1–V3, V5, V6 use the 4-character id "txn1", which the manager rejects
    /// from a backend; open the transaction directly for those.
    func startTransactionAllowingShortID(_ m: SessionManager, _ backend: FakeBackend, _ tok: String,
                                         _ id: String) throws -> String {
        let r = send(m, tok, .startTransaction)
        if let got = r.transactionID { return got }
        XCTAssertEqual(r.error?.code, "InternalFailure")
        XCTAssertEqual(r.error?.message, "Backend issued an invalid transaction id")
        // Install the transaction by hand, exactly as startTransaction would.
        guard case .live(let s) = m.lookup(tok, caller: "AKID") else {
            XCTFail("the session just started is not live")
            return ""
        }
        backend.nextIDs = [id]
        let backendTxn = try backend.beginTransaction(ledger: "test-ledger")
        s.transaction = OpenTransaction(backend: backendTxn, startedAt: m.clock.now())
        return backendTxn.id
    }

    func testV4EndToEndOverTheWire() throws {
        let v = try XCTUnwrap(vectors().first { $0.name == "V4" })
        let backend = FakeBackend()
        let m = SessionManager(backend: backend)
        let endpoint = makeEndpoint(m)
        let start = wire(endpoint, "{\"StartSession\":{\"LedgerName\":\"test-ledger\"}}").json
        let tok = try XCTUnwrap((start["StartSession"] as? [String: Any])?["SessionToken"] as? String)
        backend.nextIDs = [v.transactionID]
        let st = wire(endpoint, "{\"SessionToken\":\"\(tok)\",\"StartTransaction\":{}}").json
        XCTAssertEqual((st["StartTransaction"] as? [String: Any])?["TransactionId"] as? String, "5PLf9SXwndd63lPaSIa0O6")
        for s in v.statements {
            let body: [String: Any] = ["SessionToken": tok,
                                       "ExecuteStatement": ["TransactionId": v.transactionID, "Statement": s["Statement"]!,
                                                            "Parameters": s["Parameters"]!]]
            let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            let (r, _) = wire(endpoint, text)
            XCTAssertEqual(r.status, 200, r.bodyText)
        }
        XCTAssertEqual(backend.transactions[0].executed.map(\.statement),
                       ["CREATE TABLE Person", "INSERT INTO Person ?", "UPDATE Person SET age = ? WHERE name = ?"])
        XCTAssertEqual(backend.transactions[0].executed[2].parameters, [.int(31), .string("Alice")])
        let (r, json) = wire(endpoint, "{\"SessionToken\":\"\(tok)\",\"CommitTransaction\":{\"TransactionId\":\"\(v.transactionID)\","
            + "\"CommitDigest\":\"d1nkdp414vQTlNoO4csV877723EJMsXTOTjLTk2xp8s=\"}}")
        XCTAssertEqual(r.status, 200, r.bodyText)
        XCTAssertEqual((json["CommitTransaction"] as? [String: Any])?["CommitDigest"] as? String,
                       "d1nkdp414vQTlNoO4csV877723EJMsXTOTjLTk2xp8s=")
    }
}

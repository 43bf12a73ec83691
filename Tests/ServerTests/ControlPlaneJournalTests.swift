import Foundation
import Ion
import Ledger
import Net
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

final class ControlPlaneJournalTests: XCTestCase {
    func ionHolder(_ v: JSONValue?) -> String? { stringMember(v, "IonText") }

    func testDigestBlockAndRevisionProofsFoldToTheDigest() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        node.createLedger("cars")
        var inserted: [(TransactionReply, String)] = []
        for i in 0..<7 { inserted.append(try node.insert("cars", car("V\(i)", i))) }

        let digestResponse = node.call("POST", "/ledgers/cars/digest")
        XCTAssertEqual(digestResponse.status, 200)
        let d = jsonBody(digestResponse)
        let digest = Base64.decode(stringMember(d, "Digest")!)!
        XCTAssertEqual(digest.count, 32)
        let tipText = ionHolder(d["DigestTipAddress"])!
        let strand = node.machine.ledger(named: "cars")!.strandId
        XCTAssertEqual(tipText, "{strandId:\"\(strand)\",sequenceNo:6}")

        for (reply, documentId) in inserted {
            // Addresses as the DMV sample builds them: with spaces.
            let address = "{strandId: \\\"\(strand)\\\", sequenceNo: \(reply.sequenceNo)}"
            let tip = tipText.replacingOccurrences(of: "\"", with: "\\\"")
            let block = jsonBody(node.call("POST", "/ledgers/cars/block",
                                           #"{"BlockAddress":{"IonText":"\#(address)"},"DigestTipAddress":{"IonText":"\#(tip)"}}"#))
            let blockValue = try Ion.read(ionHolder(block["Block"])!)[0]
            guard case .blob(let blockHash)? = blockValue[field: "blockHash"]?.content else { return XCTFail("no blockHash") }
            XCTAssertEqual(blockHash, reply.blockHash)
            let blockProof = try proof(ionHolder(block["Proof"])!)
            XCTAssertEqual(QLDBHash.fold(blockHash, proof: blockProof), digest)

            let revision = jsonBody(node.call("POST", "/ledgers/cars/revision",
                #"{"BlockAddress":{"IonText":"\#(address)"},"DocumentId":"\#(documentId)","DigestTipAddress":{"IonText":"\#(tip)"}}"#))
            let revisionValue = try Ion.read(ionHolder(revision["Revision"])!)[0]
            guard case .blob(let revisionHash)? = revisionValue[field: "hash"]?.content else { return XCTFail("no hash") }
            XCTAssertEqual(QLDBHash.fold(revisionHash, proof: try proof(ionHolder(revision["Proof"])!)), digest)
            XCTAssertEqual(revisionValue[field: "data"], car("V\(reply.sequenceNo)", reply.sequenceNo))
        }
        // Without a tip: no Proof member; the payload is compact Ion text.
        let plain = node.call("POST", "/ledgers/cars/block", #"{"BlockAddress":{"IonText":"{strandId:\"\#(strand)\",sequenceNo:0}"}}"#)
        XCTAssertNil(jsonBody(plain)["Proof"])
        XCTAssertTrue(ionHolder(jsonBody(plain)["Block"])!.hasPrefix("{blockAddress:{strandId:\"\(strand)\",sequenceNo:0},transactionId:"))
    }

    func proof(_ text: String) throws -> [[UInt8]] {
        guard case .list(let items) = try Ion.read(text)[0].content else { throw NodeCodingError("proof is not a list") }
        return items.map { if case .blob(let b) = $0.content { return b } else { return [] } }
    }

    func testJournalReadErrors() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        node.createLedger("cars")
        assertQLDBError(node.call("POST", "/ledgers/cars/digest"), 412, "ResourcePreconditionNotMetException", resourceName: "cars")
        let (reply, documentId) = try node.insert("cars", car("V1"))
        let strand = reply.strandId
        assertQLDBError(node.call("POST", "/ledgers/none/digest"), 404, "ResourceNotFoundException", resourceName: "none")
        assertQLDBError(node.call("POST", "/ledgers/cars/block", "{}"), 400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/ledgers/cars/block", #"{"BlockAddress":{"IonText":"{nope"}}"#), 400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/ledgers/cars/block", #"{"BlockAddress":{"IonText":"{strandId:\"\#(strand)\",sequenceNo:5}"}}"#),
                    400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/ledgers/cars/block", #"{"BlockAddress":{"IonText":"{strandId:\"other\",sequenceNo:0}"}}"#),
                    400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/ledgers/cars/revision",
                              #"{"BlockAddress":{"IonText":"{strandId:\"\#(strand)\",sequenceNo:0}"},"DocumentId":"short"}"#),
                    400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/ledgers/cars/revision",
                              #"{"BlockAddress":{"IonText":"{strandId:\"\#(strand)\",sequenceNo:0}"},"DocumentId":"0000000000000000000000"}"#),
                    404, "ResourceNotFoundException")
        XCTAssertEqual(node.call("POST", "/ledgers/cars/revision",
                                 #"{"BlockAddress":{"IonText":"{strandId:\"\#(strand)\",sequenceNo:0}"},"DocumentId":"\#(documentId)"}"#).status, 200)
        _ = try node.propose(.createLedger(.init(name: "slow", ledgerId: "slowLedgerId0000000000", strandId: "slowStrandId0000000000",
                                                 permissionsMode: "STANDARD", deletionProtection: false, kmsKey: nil, tags: [],
                                                 creationTimeMs: node.clock.now)))
        assertQLDBError(node.call("POST", "/ledgers/slow/digest"), 412, "ResourcePreconditionNotMetException")
    }

    func exportBody(start: Int64, end: Int64, bucket: String = "my-bucket", prefix: String = "exports/", format: String = "ION_TEXT") -> String {
        #"{"InclusiveStartTime":\#(start / 1000),"ExclusiveEndTime":\#(end / 1000),"RoleArn":"arn:aws:iam::000000000000:role/export","#
            + #""S3ExportConfiguration":{"Bucket":"\#(bucket)","Prefix":"\#(prefix)","EncryptionConfiguration":{"ObjectEncryptionType":"SSE_S3"}},"#
            + #""OutputFormat":"\#(format)"}"#
    }

    func testExportJournalWritesAVerifiableS3Layout() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        node.clock.now = 1_700_000_000_000
        node.createLedger("cars")
        for i in 0..<5 {
            node.clock.now += 1000
            try node.insert("cars", car("V\(i)"))
        }
        let digest = try node.machine.digest(ledger: "cars")!
        node.clock.now += 5000
        let r = node.call("POST", "/ledgers/cars/journal-s3-exports", exportBody(start: 1_600_000_000_000, end: node.clock.now))
        XCTAssertEqual(r.status, 200, r.bodyText)
        let exportId = stringMember(jsonBody(r), "ExportId")!
        XCTAssertEqual(exportId.count, 22)

        let described = node.call("GET", "/ledgers/cars/journal-s3-exports/\(exportId)")
        XCTAssertEqual(described.bodyText, #"{"ExportDescription":{"LedgerName":"cars","ExportId":"\#(exportId)","#
            + #""ExportCreationTime":1700000010,"Status":"COMPLETED","InclusiveStartTime":1700000000,"ExclusiveEndTime":1700000010,"#
            + #""S3ExportConfiguration":{"Bucket":"my-bucket","Prefix":"exports/","EncryptionConfiguration":{"ObjectEncryptionType":"SSE_S3"}},"#
            + #""RoleArn":"arn:aws:iam::000000000000:role/export","OutputFormat":"ION_TEXT"}}"#)

        let dir = node.dir + "/exports/my-bucket/exports"
        let report = try JournalExport.verify(directory: dir)
        XCTAssertEqual(report.blocks, 5)
        XCTAssertEqual(report.digest, digest.digest)
        let started = try Ion.read(String(contentsOfFile: "\(dir)/\(exportId).started.manifest", encoding: .utf8))[0]
        XCTAssertEqual(started[field: "bucket"], .string("my-bucket"))
        XCTAssertEqual(started[field: "prefix"], .string("exports/"))

        // A sub-range by time, in binary.
        let r2 = node.call("POST", "/ledgers/cars/journal-s3-exports",
                           exportBody(start: 1_700_000_003_000, end: node.clock.now, bucket: "other", prefix: "", format: "ION_BINARY"))
        let id2 = stringMember(jsonBody(r2), "ExportId")!
        let partial = try JournalExport.verify(directory: node.dir + "/exports/other")
        XCTAssertEqual(partial.firstSequenceNo, 2)
        XCTAssertEqual(partial.blocks, 3)

        let all = jsonBody(node.call("GET", "/journal-s3-exports"))
        guard case .array(let items)? = all["JournalS3Exports"] else { return XCTFail() }
        XCTAssertEqual(items.compactMap { stringMember($0, "ExportId") }.sorted(), [exportId, id2].sorted())
        let page = jsonBody(node.call("GET", "/ledgers/cars/journal-s3-exports?max_results=1"))
        XCTAssertNotNil(stringMember(page, "NextToken"))
        assertQLDBError(node.call("GET", "/ledgers/cars/journal-s3-exports/nope"), 404, "ResourceNotFoundException")
        assertQLDBError(node.call("POST", "/ledgers/none/journal-s3-exports", exportBody(start: 0, end: node.clock.now)), 404,
                    "ResourceNotFoundException")
        assertQLDBError(node.call("POST", "/ledgers/cars/journal-s3-exports", exportBody(start: 0, end: node.clock.now, format: "CSV")),
                    400, "InvalidParameterException")
        // JSON exports are written (one down-converted JSON object per block and line).
        let r3 = node.call("POST", "/ledgers/cars/journal-s3-exports",
                           exportBody(start: 0, end: node.clock.now, bucket: "json", prefix: "", format: "JSON"))
        XCTAssertEqual(r3.status, 200, r3.bodyText)
        assertQLDBError(node.call("POST", "/ledgers/cars/journal-s3-exports", exportBody(start: 0, end: node.clock.now, prefix: "../up")),
                    400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/ledgers/cars/journal-s3-exports", exportBody(start: 0, end: node.clock.now + 3_600_000)),
                    400, "InvalidParameterException")
    }

    func testConcurrentExportLimit() throws {
        var pending: [() -> Void] = []
        let node = try TestNode(dir: makeTempDirectory(self), schedule: { pending.append($0) })
        node.createLedger("cars")
        try node.insert("cars", car("V"))
        node.clock.now += 1000
        for _ in 0..<2 {
            XCTAssertEqual(node.call("POST", "/ledgers/cars/journal-s3-exports", exportBody(start: 0, end: node.clock.now)).status, 200)
        }
        assertQLDBError(node.call("POST", "/ledgers/cars/journal-s3-exports", exportBody(start: 0, end: node.clock.now)), 400,
                    "LimitExceededException")
        let listed = jsonBody(node.call("GET", "/journal-s3-exports"))
        guard case .array(let items)? = listed["JournalS3Exports"] else { return XCTFail() }
        XCTAssertEqual(items.compactMap { stringMember($0, "Status") }, ["IN_PROGRESS", "IN_PROGRESS"])
        // reconcile() (a new leader) runs what is left.
        node.control.reconcile()
        let after = jsonBody(node.call("GET", "/journal-s3-exports"))
        guard case .array(let done)? = after["JournalS3Exports"] else { return XCTFail() }
        XCTAssertEqual(done.compactMap { stringMember($0, "Status") }, ["COMPLETED", "COMPLETED"])
    }

    func testStreamDeliversRecordsInOrderToAFileSink() throws {
        let dir = makeTempDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/sink", withIntermediateDirectories: true)
        let kinesis = "arn:aws:kinesis:us-east-1:000000000000:stream/records"
        let node = try TestNode(dir: dir, streamSinks: StreamSinks(root: dir + "/sink", entries: [
            .init(stream: kinesis, target: .file("stream-records.ion"))]))
        node.createLedger("cars")
        let first = try node.insert("cars", car("V0"))
        let sink = node.dir + "/sink/stream-records.ion"
        node.clock.now += 1000
        let body = #"{"RoleArn":"arn:aws:iam::000000000000:role/stream","InclusiveStartTime":1600000000,"#
            + #""KinesisConfiguration":{"StreamArn":"\#(kinesis)","AggregationEnabled":false},"StreamName":"my-stream"}"#
        let r = node.call("POST", "/ledgers/cars/journal-kinesis-streams", body)
        XCTAssertEqual(r.status, 200, r.bodyText)
        let streamId = stringMember(jsonBody(r), "StreamId")!
        let second = try node.insert("cars", car("V1"))
        let third = try node.insert("cars", car("V2"))

        let lines = try String(contentsOfFile: sink, encoding: .utf8).split(separator: "\n").map { try Ion.read(String($0))[0] }
        let arn = "arn:aws:qldb:us-east-1:000000000000:stream/cars/\(streamId)"
        XCTAssertTrue(lines.allSatisfy { $0[field: "qldbStreamArn"] == .string(arn) })
        let kinds = lines.map { v -> String in
            guard case .string(let t)? = v[field: "recordType"]?.content else { return "?" }
            if t == "CONTROL", case .string(let c)? = v[field: "payload"]?[field: "controlRecordType"]?.content { return "CONTROL:\(c)" }
            if t == "BLOCK_SUMMARY", case .int(let s)? = v[field: "payload"]?[field: "blockAddress"]?[field: "sequenceNo"]?.content {
                return "BLOCK_SUMMARY:\(s)"
            }
            return t
        }
        XCTAssertEqual(kinds, ["CONTROL:CREATED", "BLOCK_SUMMARY:0", "REVISION_DETAILS", "BLOCK_SUMMARY:1", "REVISION_DETAILS",
                               "BLOCK_SUMMARY:2", "REVISION_DETAILS"])
        let summary = lines[1][field: "payload"]!
        guard case .blob(let h)? = summary[field: "blockHash"]?.content else { return XCTFail() }
        XCTAssertEqual(h, first.reply.blockHash)
        XCTAssertNil(summary[field: "revisions"])
        XCTAssertNotNil(summary[field: "revisionSummaries"])
        let details = lines[4][field: "payload"]!
        XCTAssertEqual(details[field: "tableInfo"]?[field: "tableName"], .string("Cars"))
        XCTAssertEqual(details[field: "revision"]?[field: "data"], car("V1"))
        XCTAssertEqual(second.reply.sequenceNo, 1)
        XCTAssertEqual(third.reply.sequenceNo, 2)
        XCTAssertEqual(node.machine.registry.streams[streamId]?.deliveredThrough, 2)

        let described = node.call("GET", "/ledgers/cars/journal-kinesis-streams/\(streamId)")
        XCTAssertEqual(described.bodyText, #"{"Stream":{"LedgerName":"cars","CreationTime":1700000001,"InclusiveStartTime":1700000000,"#
            + #""RoleArn":"arn:aws:iam::000000000000:role/stream","StreamId":"\#(streamId)","Arn":"\#(arn)","Status":"ACTIVE","#
            + #""KinesisConfiguration":{"StreamArn":"\#(kinesis)","AggregationEnabled":false},"StreamName":"my-stream"}}"#)
        let listed = jsonBody(node.call("GET", "/ledgers/cars/journal-kinesis-streams"))
        guard case .array(let streams)? = listed["Streams"] else { return XCTFail() }
        XCTAssertEqual(streams.count, 1)

        XCTAssertEqual(node.call("DELETE", "/ledgers/cars/journal-kinesis-streams/\(streamId)").bodyText, #"{"StreamId":"\#(streamId)"}"#)
        XCTAssertEqual(stringMember(jsonBody(node.call("GET", "/ledgers/cars/journal-kinesis-streams/\(streamId)"))["Stream"], "Status"),
                       "CANCELED")
        assertQLDBError(node.call("DELETE", "/ledgers/cars/journal-kinesis-streams/\(streamId)"), 412, "ResourcePreconditionNotMetException")
        assertQLDBError(node.call("GET", "/ledgers/cars/journal-kinesis-streams/nope"), 404, "ResourceNotFoundException")
        try node.insert("cars", car("V3"))
        XCTAssertEqual(try String(contentsOfFile: sink, encoding: .utf8).split(separator: "\n").count, lines.count, "cancelled: no more records")
        assertQLDBError(node.call("POST", "/ledgers/cars/journal-kinesis-streams",
                              body.replacingOccurrences(of: kinesis, with: "file://\(sink)")), 400, "InvalidParameterException")
    }

    func testStreamWithEndTimeCompletes() throws {
        let dir = makeTempDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/sink", withIntermediateDirectories: true)
        let node = try TestNode(dir: dir, streamSinks: StreamSinks(root: dir + "/sink", allowAnyArn: true))
        node.createLedger("cars")
        try node.insert("cars", car("V0"))
        let sink = node.dir + "/sink/completed-stream.ion"
        let end = (node.clock.now + 10_000) / 1000
        let body = #"{"RoleArn":"arn:aws:iam::000000000000:role/stream","InclusiveStartTime":1600000000,"ExclusiveEndTime":\#(end),"#
            + #""KinesisConfiguration":{"StreamArn":"arn:aws:kinesis:us-east-1:000000000000:stream/completed-stream"},"StreamName":"bounded"}"#
        let streamId = stringMember(jsonBody(node.call("POST", "/ledgers/cars/journal-kinesis-streams", body)), "StreamId")!
        node.clock.now += 20_000
        try node.insert("cars", car("late"))
        node.control.reconcile()
        XCTAssertEqual(node.machine.registry.streams[streamId]?.status, "COMPLETED")
        // AggregationEnabled (QLDB's default): two Kinesis records, one per delivered batch.
        let text = try String(contentsOfFile: sink, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 2, text)
        let records = try KinesisAggregationTests.deaggregate(text)
        XCTAssertEqual(records.map(\.partitionKey), Array(repeating: streamId, count: 4))
        XCTAssertEqual(records.count, 4)  // CREATED, block 0 (summary + details), COMPLETED
        XCTAssertTrue(records.last!.text.hasSuffix("payload:{controlRecordType:\"COMPLETED\"}}"), text)
    }
}

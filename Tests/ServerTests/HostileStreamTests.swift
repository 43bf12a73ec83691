import Foundation
import Ion
import Net
import XCTest
@testable import Replica
@testable import Server

/// Stream targets are operator configuration: a client names a Kinesis ARN, never a path or URL.
final class HostileStreamTests: XCTestCase {
    let arn = "arn:aws:kinesis:us-east-1:000000000000:stream/orders"

    func streamBody(_ streamArn: String) -> String {
        #"{"RoleArn":"arn:aws:iam::000000000000:role/stream","InclusiveStartTime":1600000000,"#
            + #""KinesisConfiguration":{"StreamArn":"\#(streamArn)","AggregationEnabled":false},"StreamName":"s"}"#
    }

    func testClientPathsURLsAndMalformedARNsAreRefused() {
        let sinks = StreamSinks(root: "/srv/streams", allowAnyArn: true)
        for hostile in ["file:///etc/passwd", "FILE:///etc/cron.d/x", "http://127.0.0.1:9464/admin/transfer-leadership?to=node2",
                        "https://evil.example/collect", "arn:aws:kinesis:us-east-1:000000000000:stream/..",
                        "arn:aws:kinesis:us-east-1:000000000000:stream/../../etc/passwd",
                        "arn:aws:kinesis:us-east-1:000000000000:stream/a\u{0}b", "arn:aws:kinesis:us-east-1:1:stream/x",
                        "arn:aws:kinesis:us-east-1:000000000000:stream/", "arn:aws:s3:::bucket/key", "/etc/passwd"] {
            guard case .failure = sinks.resolve(hostile) else { return XCTFail("accepted \(hostile)") }
        }
        XCTAssertEqual(try sinks.resolve(arn).get(), .file(root: "/srv/streams", relative: "orders.ion"))
    }

    func testOnlyConfiguredARNsResolveByDefault() {
        let sinks = StreamSinks(root: "/srv/streams", entries: [
            .init(stream: arn, target: .file("team/orders.ion")),
            .init(stream: "audit", target: .url("https://collector.internal:8443/records")),
        ])
        XCTAssertEqual(try sinks.resolve(arn).get(), .file(root: "/srv/streams", relative: "team/orders.ion"))
        XCTAssertEqual(try sinks.resolve("arn:aws:kinesis:eu-west-1:123456789012:stream/audit").get(),
                       .http(host: "collector.internal", port: 8443, tls: true, target: "/records"))
        guard case .failure(let refusal) = sinks.resolve("arn:aws:kinesis:us-east-1:000000000000:stream/other") else {
            return XCTFail("an unconfigured ARN resolved")
        }
        XCTAssertTrue(refusal.description.contains("not configured"), refusal.description)
        XCTAssertNotNil(StreamSinks.problem(with: .init(stream: "x", target: .file("../escape.ion"))))
        XCTAssertNotNil(StreamSinks.problem(with: .init(stream: "x", target: .file("/etc/passwd"))))
        XCTAssertNotNil(StreamSinks.problem(with: .init(stream: "x", target: .url("ftp://host/x"))))
    }

    func testFileSinkRefusesFIFOsSymlinksAndMissingRootsWithoutBlocking() throws {
        let dir = makeTempDirectory(self)
        let root = dir + "/streams"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(root + "/fifo.ion", 0o644), 0)
        XCTAssertThrowsError(try StreamSink.append([0x61], root: root, relative: "fifo.ion")) {
            XCTAssertEqual(StreamSink.errorCause($0), "KINESIS_STREAM_NOT_FOUND")
        }
        let outside = dir + "/outside.txt"
        FileManager.default.createFile(atPath: outside, contents: Array("keep".utf8).withUnsafeBytes { Data($0) })
        try FileManager.default.createSymbolicLink(atPath: root + "/link.ion", withDestinationPath: outside)
        XCTAssertThrowsError(try StreamSink.append([0x61], root: root, relative: "link.ion"))
        try FileManager.default.createSymbolicLink(atPath: root + "/linkdir", withDestinationPath: dir)
        XCTAssertThrowsError(try StreamSink.append([0x61], root: root, relative: "linkdir/outside.txt"))
        XCTAssertEqual(try String(contentsOfFile: outside, encoding: .utf8), "keep")
        XCTAssertThrowsError(try StreamSink.append([0x61], root: root, relative: "../outside.txt"))
        XCTAssertThrowsError(try StreamSink.append([0x61], root: dir + "/missing", relative: "x.ion"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/missing"))
        try StreamSink.append(Array("ok\n".utf8), root: root, relative: "sub/ok.ion")
        XCTAssertEqual(try String(contentsOfFile: root + "/sub/ok.ion", encoding: .utf8), "ok\n")
        XCTAssertEqual(StreamSink.errorCause(DurableFile.IOError(operation: "open", path: "x", code: EACCES)), "IAM_PERMISSION_REVOKED")
        XCTAssertEqual(StreamSink.errorCause(StreamSink.HTTPStatusError(status: 403)), "IAM_PERMISSION_REVOKED")
        XCTAssertEqual(StreamSink.errorCause(StreamSink.HTTPStatusError(status: 404)), "KINESIS_STREAM_NOT_FOUND")
    }

    func testFileStreamArnIsRefusedAndNothingIsCreated() throws {
        let dir = makeTempDirectory(self)
        let node = try TestNode(dir: dir, streamSinks: StreamSinks(root: dir + "/streams", entries: [.init(stream: arn, target: .file("o.ion"))]))
        node.createLedger("cars")
        let target = dir + "/victim/x"
        for hostile in ["file://\(target)", "http://127.0.0.1:9464/admin/transfer-leadership?to=node2",
                        "arn:aws:kinesis:us-east-1:000000000000:stream/unconfigured"] {
            let r = node.call("POST", "/ledgers/cars/journal-kinesis-streams", streamBody(hostile))
            assertQLDBError(r, 400, "InvalidParameterException")
            XCTAssertTrue(r.bodyText.contains("KinesisConfiguration.StreamArn"), r.bodyText)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/victim"))
        XCTAssertTrue(node.machine.registry.streams.isEmpty)
    }

    func testFailingSinkIsImpairedWithAnErrorCauseAndRecovers() throws {
        let dir = makeTempDirectory(self)
        let root = dir + "/streams"
        let node = try TestNode(dir: dir, streamSinks: StreamSinks(root: root, entries: [.init(stream: arn, target: .file("o.ion"))]))
        node.control.streams.backoff = Backoff(initial: .zero, maximum: .zero, jitter: 0)
        node.createLedger("cars")
        try node.insert("cars", car("V0"))
        let r = node.call("POST", "/ledgers/cars/journal-kinesis-streams", streamBody(arn))
        XCTAssertEqual(r.status, 200, r.bodyText)
        let id = stringMember(jsonBody(r), "StreamId")!
        let described = { jsonBody(node.call("GET", "/ledgers/cars/journal-kinesis-streams/\(id)"))["Stream"] }
        XCTAssertEqual(stringMember(described(), "Status"), "IMPAIRED", "the stream root does not exist")
        XCTAssertEqual(stringMember(described(), "ErrorCause"), "KINESIS_STREAM_NOT_FOUND")
        XCTAssertNotNil(node.control.streams.lastError[id])

        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        node.control.reconcile()
        XCTAssertEqual(stringMember(described(), "Status"), "ACTIVE")
        XCTAssertNil(stringMember(described(), "ErrorCause"))
        XCTAssertEqual(node.machine.registry.streams[id]?.deliveredThrough, 0)
        XCTAssertEqual(try String(contentsOfFile: root + "/o.ion", encoding: .utf8).split(separator: "\n").count, 3)

        XCTAssertTrue(mkfifo(root + "/fifo", 0o644) == 0 && rename(root + "/fifo", root + "/o.ion") == 0)
        try node.insert("cars", car("V1"))
        XCTAssertEqual(stringMember(described(), "Status"), "IMPAIRED", "a FIFO is not a sink")
        XCTAssertEqual(node.call("DELETE", "/ledgers/cars/journal-kinesis-streams/\(id)").status, 200, "an IMPAIRED stream can be cancelled")
        XCTAssertEqual(stringMember(described(), "Status"), "CANCELED")
    }
}

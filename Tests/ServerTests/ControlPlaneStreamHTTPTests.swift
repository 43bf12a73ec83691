import Foundation
import Ion
import Ledger
import Net
import XCTest
@testable import Replica
@testable import Server

/// A stream to an `http://` sink: batches POSTed as Ion text lines, retried after a failure.
final class ControlPlaneStreamHTTPTests: XCTestCase {
    final class Sink: HTTPHandler, @unchecked Sendable {
        let lock = NSLock()
        var bodies: [String] = []
        var contentTypes: Set<String> = []
        var attempts = 0
        func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
            lock.lock()
            attempts += 1
            let fail = attempts == 1
            if !fail {
                bodies.append(request.bodyText)
                contentTypes.insert(request.headers["Content-Type"] ?? "")
            }
            lock.unlock()
            respond(HTTPResponse(status: fail ? 503 : 200))
        }
        var received: (bodies: [String], contentTypes: Set<String>) {
            lock.lock()
            defer { lock.unlock() }
            return (bodies, contentTypes)
        }
        var records: [IonValue] {
            lock.lock()
            defer { lock.unlock() }
            return bodies.flatMap { $0.split(separator: "\n").compactMap { try? Ion.read(String($0)).first } }
        }
    }

    func waitFor(_ what: String, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(10)
        while !condition() && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(condition(), "timed out waiting for \(what)")
    }

    /// A node streaming ledger `cars` (one block written) to `sink`.
    func streamingNode(_ loop: EventLoop, _ server: HTTPServer, aggregation: Bool) throws -> TestNode {
        let dir = makeTempDirectory(self)
        return try loop.submit {
            try server.start()
            let node = try TestNode(dir: dir, loop: loop, streamSinks: StreamSinks(root: dir, entries: [
                .init(stream: "web", target: .url("http://127.0.0.1:\(server.port)/records"))]))
            node.createLedger("cars")
            try node.insert("cars", car("V0"))
            let body = #"{"RoleArn":"arn:aws:iam::000000000000:role/stream","InclusiveStartTime":1600000000,"#
                + #""KinesisConfiguration":{"StreamArn":"arn:aws:kinesis:us-east-1:000000000000:stream/web","AggregationEnabled":"#
                + "\(aggregation)},\"StreamName\":\"web\"}"
            XCTAssertEqual(node.call("POST", "/ledgers/cars/journal-kinesis-streams", body).status, 200)
            return node
        }
    }

    func testHTTPSinkReceivesRecordsInOrderAfterARetry() throws {
        let loop = try EventLoop(name: "stream-test")
        loop.start()
        defer { loop.shutdown() }
        let sink = Sink()
        let server = HTTPServer(loop: loop, configuration: HTTPServerConfiguration(), handler: sink)
        let node = try streamingNode(loop, server, aggregation: false)
        waitFor("the first batch") { sink.records.count >= 3 }
        try loop.submit { _ = try node.insert("cars", car("V1")) }
        waitFor("the second block") { sink.records.count >= 5 }
        let types = sink.records.map { r -> String in
            guard case .string(let t)? = r[field: "recordType"]?.content else { return "?" }
            return t
        }
        XCTAssertEqual(types, ["CONTROL", "BLOCK_SUMMARY", "REVISION_DETAILS", "BLOCK_SUMMARY", "REVISION_DETAILS"])
        XCTAssertGreaterThanOrEqual(sink.attempts, 3, "the refused first POST was retried")
        try loop.submit {
            XCTAssertEqual(node.machine.registry.streams.values.first?.deliveredThrough, 1)
            XCTAssertEqual(node.machine.registry.streams.values.first?.status, "ACTIVE", "recovered from the 503")
            XCTAssertNil(node.machine.registry.streams.values.first?.errorCause)
            server.stop()
            node.machine.close()
        }
        XCTAssertEqual(sink.received.contentTypes, ["text/x-amzn-ion"])
    }

    func testAggregatedHTTPSinkReceivesKinesisRecordLines() throws {
        let loop = try EventLoop(name: "stream-test")
        loop.start()
        defer { loop.shutdown() }
        let sink = Sink()
        let server = HTTPServer(loop: loop, configuration: HTTPServerConfiguration(), handler: sink)
        let node = try streamingNode(loop, server, aggregation: true)
        waitFor("the first batch") { sink.received.bodies.count >= 1 }
        try loop.submit { _ = try node.insert("cars", car("V1")) }
        waitFor("the second batch") { sink.received.bodies.count >= 2 }
        let records = try sink.received.bodies.flatMap { try KinesisAggregationTests.deaggregate($0) }
        let types = try records.map { r -> String in
            guard case .string(let t)? = try Ion.read(r.text).first?[field: "recordType"]?.content else { return "?" }
            return t
        }
        XCTAssertEqual(types, ["CONTROL", "BLOCK_SUMMARY", "REVISION_DETAILS", "BLOCK_SUMMARY", "REVISION_DETAILS"])
        XCTAssertEqual(sink.received.contentTypes, ["application/json"])
        try loop.submit {
            server.stop()
            node.machine.close()
        }
    }
}

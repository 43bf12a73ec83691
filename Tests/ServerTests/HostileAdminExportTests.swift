import Foundation
import Ion
import Ledger
import Net
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

/// The admin endpoint needs the node's token; exports are quota'd, confined and off the loop.
final class HostileAdminExportTests: XCTestCase {
    func respond(_ handler: HTTPHandler, _ request: HTTPRequest) -> HTTPResponse {
        var out: HTTPResponse?
        handler.handle(request) { out = $0 }
        return out!
    }

    func testAdminNeedsTheBearerTokenFromLoopback() throws {
        let path = makeTempDirectory(self) + "/admin.token"
        let token = try AdminToken.loadOrCreate(path: path)
        XCTAssertEqual(token.count, 64)
        XCTAssertEqual(try AdminToken.loadOrCreate(path: path), token, "created once, then read")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)

        let metrics = TallyMetrics(nodeID: ClusterNodeID.numeric("node1"), version: "test")
        let admin = AdminEndpoint(node: nil, metrics: MetricsEndpoint(metrics: metrics), token: token)
        func post(_ authorization: String?, from address: String = "127.0.0.1") -> Int {
            var headers = HTTPHeaders()
            if let authorization { headers.add("Authorization", authorization) }
            return respond(admin, HTTPRequest(method: "POST", target: "/admin/transfer-leadership?to=node2", headers: headers,
                                              remoteAddress: address)).status
        }
        XCTAssertEqual(post(nil), 401)
        XCTAssertEqual(post("Bearer " + String(token.reversed())), 401)
        XCTAssertEqual(post("Bearer " + token.dropLast()), 401)
        XCTAssertEqual(post("Basic " + token), 401)
        XCTAssertEqual(post("Bearer " + token, from: "10.0.0.5"), 403)
        XCTAssertEqual(post("Bearer " + token), 503, "past authentication (no node behind this endpoint)")
        XCTAssertEqual(respond(admin, HTTPRequest(method: "GET", target: "/metrics", remoteAddress: "10.0.0.5")).status, 200)
    }

    func exportBody(bucket: String = "exports", prefix: String = "p/") -> String {
        #"{"InclusiveStartTime":1600000000,"ExclusiveEndTime":1700000001,"RoleArn":"arn:aws:iam::000000000000:role/export","#
            + #""S3ExportConfiguration":{"Bucket":"\#(bucket)","Prefix":"\#(prefix)","#
            + #""EncryptionConfiguration":{"ObjectEncryptionType":"SSE_S3"}}}"#
    }

    func signedExport(_ node: TestNode, ledger: String, key: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Authorization", "AWS4-HMAC-SHA256 Credential=\(key)/20231114/us-east-1/qldb/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=0000")
        return respond(node.control, HTTPRequest(method: "POST", target: "/ledgers/\(ledger)/journal-s3-exports",
                                                 headers: headers, body: Array(exportBody().utf8)))
    }

    func testConcurrentExportsArelimitedPerAccessKey() throws {
        var deferred: [() -> Void] = []
        let node = try TestNode(dir: makeTempDirectory(self), schedule: { deferred.append($0) }, maxExportsPerCredential: 1)
        node.createLedger("cars")
        node.createLedger("trucks")
        try node.insert("cars", car("V0"))
        try node.insert("trucks", car("T0"))
        node.clock.now += 1000
        XCTAssertEqual(signedExport(node, ledger: "cars", key: "AKIDALICE").status, 200)
        let refused = signedExport(node, ledger: "trucks", key: "AKIDALICE")
        assertQLDBError(refused, 400, "LimitExceededException")
        XCTAssertTrue(refused.bodyText.contains("concurrent journal exports"), refused.bodyText)
        XCTAssertEqual(node.machine.registry.exports.count, 1, "the refused export changed nothing")
        XCTAssertEqual(signedExport(node, ledger: "trucks", key: "AKIDBOB").status, 200)
        for work in deferred { work() }
        XCTAssertEqual(Set(node.machine.registry.exports.values.map(\.status)), ["COMPLETED"])
        XCTAssertEqual(signedExport(node, ledger: "trucks", key: "AKIDALICE").status, 200, "the quota frees once exports finish")
    }

    func testExportDoesNotFollowASymlinkOutOfTheRoot() throws {
        let dir = makeTempDirectory(self)
        let node = try TestNode(dir: dir)
        node.createLedger("cars")
        try node.insert("cars", car("V0"))
        node.clock.now += 1000
        try FileManager.default.createDirectory(atPath: dir + "/exports", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/exports/evil", withDestinationPath: dir + "/elsewhere")
        let r = node.call("POST", "/ledgers/cars/journal-s3-exports", exportBody(bucket: "evil"))
        XCTAssertEqual(r.status, 200, r.bodyText)
        let export = node.machine.registry.exports.values.first
        XCTAssertEqual(export?.status, "CANCELLED")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/elsewhere"), [])
        for bad in [#"Prefix":"../x"#, #"Prefix":"/abs"#, #"Bucket":"..""#] {
            let body = bad.hasPrefix("Bucket") ? exportBody(bucket: "..") : exportBody(prefix: String(bad.dropFirst(9)))
            assertQLDBError(node.call("POST", "/ledgers/cars/journal-s3-exports", body), 400, "InvalidParameterException")
        }
    }

    /// A large export runs on the thread pool: the loop keeps answering meanwhile.
    func testLargeExportDoesNotStallTheLoop() throws {
        let loop = try EventLoop(name: "export-test")
        loop.start()
        defer { loop.shutdown() }
        let dir = makeTempDirectory(self)
        let blocks = 150
        let filler = String(repeating: "x", count: 64 * 1024)
        let node: TestNode = try loop.submit {
            let node = try TestNode(dir: dir, schedule: { loop.execute($0) }, loop: loop)
            node.createLedger("big")
            return node
        }
        for chunk in stride(from: 0, to: blocks, by: 10) {
            try loop.submit {
                for i in chunk..<(chunk + 10) { try node.insert("big", .struct([("i", .int(i)), ("filler", .string(filler))])) }
            }
        }
        try loop.submit { node.clock.now += 1000 }
        let started = ContinuousClock.now
        let r: HTTPResponse = try loop.submit { node.call("POST", "/ledgers/big/journal-s3-exports", self.exportBody()) }
        XCTAssertEqual(r.status, 200, r.bodyText)
        var worst = Duration.zero
        var probes = 0
        while try loop.submit({ node.machine.registry.exports.values.first?.status }) == "IN_PROGRESS" {
            let t0 = ContinuousClock.now
            try loop.submit {}
            worst = max(worst, ContinuousClock.now - t0)
            probes += 1
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(120))
            usleep(2_000)
        }
        let total = ContinuousClock.now - started
        print("export of \(blocks) blocks × 64 KiB: \(total), \(probes) loop probes, worst probe latency \(worst)")
        XCTAssertEqual(try loop.submit { node.machine.registry.exports.values.first?.status }, "COMPLETED")
        XCTAssertGreaterThan(probes, 3, "the loop answered while the export ran")
        XCTAssertLessThan(worst, .milliseconds(250))
        let report = try JournalExport.verify(directory: dir + "/exports/exports/p")
        XCTAssertEqual(report.blocks, blocks)
        try loop.submit { node.machine.close() }
    }
}

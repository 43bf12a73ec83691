import Foundation
import Ion
import Ledger
import Net
import XCTest
@testable import Replica
@testable import Server

final class ControlPlaneLedgerTests: XCTestCase {
    func testLedgerLifecycleWithExactShapes() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        node.clock.now = 1_568_300_000_123
        let created = node.call("POST", "/ledgers", #"{"Name":"vehicle-registration","PermissionsMode":"ALLOW_ALL"}"#)
        XCTAssertEqual(created.status, 200)
        XCTAssertEqual(created.headers["Content-Type"], "application/json")
        XCTAssertEqual(created.bodyText, #"{"Name":"vehicle-registration","Arn":"arn:aws:qldb:us-east-1:000000000000:ledger/vehicle-registration","#
            + #""State":"CREATING","CreationDateTime":1568300000.123,"PermissionsMode":"ALLOW_ALL","DeletionProtection":true}"#)

        let described = node.call("GET", "/ledgers/vehicle-registration")
        XCTAssertEqual(described.bodyText, #"{"Name":"vehicle-registration","Arn":"arn:aws:qldb:us-east-1:000000000000:ledger/vehicle-registration","#
            + #""State":"ACTIVE","CreationDateTime":1568300000.123,"PermissionsMode":"ALLOW_ALL","DeletionProtection":true,"#
            + #""EncryptionDescription":{"KmsKeyArn":"AWS_OWNED_KMS_KEY","EncryptionStatus":"ENABLED"}}"#)

        let updated = node.call("PATCH", "/ledgers/vehicle-registration", #"{"DeletionProtection":false,"KmsKey":"1234abcd-12ab"}"#)
        XCTAssertEqual(updated.bodyText, #"{"Name":"vehicle-registration","Arn":"arn:aws:qldb:us-east-1:000000000000:ledger/vehicle-registration","#
            + #""State":"ACTIVE","CreationDateTime":1568300000.123,"DeletionProtection":false,"#
            + #""EncryptionDescription":{"KmsKeyArn":"arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab","EncryptionStatus":"ENABLED"}}"#)

        let mode = node.call("PATCH", "/ledgers/vehicle-registration/permissions-mode", #"{"PermissionsMode":"STANDARD"}"#)
        XCTAssertEqual(mode.bodyText, #"{"Name":"vehicle-registration","Arn":"arn:aws:qldb:us-east-1:000000000000:ledger/vehicle-registration","#
            + #""PermissionsMode":"STANDARD"}"#)

        let list = node.call("GET", "/ledgers")
        XCTAssertEqual(list.bodyText, #"{"Ledgers":[{"Name":"vehicle-registration","State":"ACTIVE","CreationDateTime":1568300000.123}]}"#)

        let deleted = node.call("DELETE", "/ledgers/vehicle-registration")
        XCTAssertEqual(deleted.status, 200)
        XCTAssertEqual(deleted.bodyBytes, [])
        assertQLDBError(node.call("GET", "/ledgers/vehicle-registration"), 404, "ResourceNotFoundException",
                    resourceName: "vehicle-registration")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: node.dir + "/data/ledgers"), [], "files removed")
        // The name is free again.
        XCTAssertEqual(node.call("POST", "/ledgers", #"{"Name":"vehicle-registration","PermissionsMode":"STANDARD"}"#).status, 200)
    }

    func testDeletionProtectionBlocksDelete() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        node.createLedger("cars", protection: true)
        let r = node.call("DELETE", "/ledgers/cars")
        assertQLDBError(r, 412, "ResourcePreconditionNotMetException", resourceName: "cars")
        XCTAssertEqual(stringMember(jsonBody(r), "ResourceType"), "LEDGER")
        XCTAssertEqual(node.machine.state(of: "cars"), .active)
        // Also enforced by the state machine itself (a command proposed anyway).
        guard case .rejected(.preconditionNotMet) = try node.propose(.deleteLedger(name: "cars")) else { return XCTFail() }
        XCTAssertEqual(node.call("PATCH", "/ledgers/cars", #"{"DeletionProtection":false}"#).status, 200)
        XCTAssertEqual(node.call("DELETE", "/ledgers/cars").status, 200)
        XCTAssertNil(node.machine.state(of: "cars"))
    }

    func testErrorsAndStatuses() throws {
        let node = try TestNode(dir: makeTempDirectory(self), maxLedgers: 2)
        node.createLedger("cars")
        assertQLDBError(node.call("POST", "/ledgers", #"{"Name":"cars","PermissionsMode":"STANDARD"}"#), 409,
                    "ResourceAlreadyExistsException", resourceName: "cars")
        for bad in ["-cars", "cars-", "ca--rs", "12345", "", String(repeating: "a", count: 33), "c_rs"] {
            assertQLDBError(node.call("POST", "/ledgers", #"{"Name":"\#(bad)","PermissionsMode":"STANDARD"}"#), 400,
                        "InvalidParameterException")
        }
        let missing = node.call("POST", "/ledgers", #"{"Name":"boats"}"#)
        assertQLDBError(missing, 400, "InvalidParameterException")
        XCTAssertEqual(stringMember(jsonBody(missing), "ParameterName"), "PermissionsMode")
        assertQLDBError(node.call("POST", "/ledgers", #"{"Name":"boats","PermissionsMode":"OPEN"}"#), 400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/ledgers", #"{"Name":"boats","PermissionsMode":"STANDARD","DeletionProtection":"yes"}"#), 400,
                    "InvalidParameterException")
        assertQLDBError(node.call("POST", "/ledgers", #"{"Name":"boats","#), 400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/ledgers", #"["x"]"#), 400, "InvalidParameterException")
        assertQLDBError(node.call("GET", "/ledgers/none"), 404, "ResourceNotFoundException", resourceName: "none")
        assertQLDBError(node.call("PATCH", "/ledgers/none", "{}"), 404, "ResourceNotFoundException")
        assertQLDBError(node.call("PATCH", "/ledgers/none/permissions-mode", #"{"PermissionsMode":"STANDARD"}"#), 404,
                    "ResourceNotFoundException")
        assertQLDBError(node.call("DELETE", "/ledgers/none"), 404, "ResourceNotFoundException")
        assertQLDBError(node.call("GET", "/nothing/here"), 404, "UnknownOperationException")
        assertQLDBError(node.call("PUT", "/ledgers/cars"), 404, "UnknownOperationException")
        node.createLedger("boats")
        let limit = node.call("POST", "/ledgers", #"{"Name":"planes","PermissionsMode":"STANDARD"}"#)
        assertQLDBError(limit, 400, "LimitExceededException")
        XCTAssertEqual(stringMember(jsonBody(limit), "ResourceType"), "LEDGER")
        // A ledger that is being deleted: its name is in use.
        _ = try node.propose(.deleteLedger(name: "boats"))
        XCTAssertEqual(node.call("GET", "/ledgers/boats").status, 200)
        XCTAssertEqual(stringMember(jsonBody(node.call("GET", "/ledgers/boats")), "State"), "DELETING")
        assertQLDBError(node.call("POST", "/ledgers", #"{"Name":"boats","PermissionsMode":"STANDARD"}"#), 409, "ResourceInUseException")
        assertQLDBError(node.call("DELETE", "/ledgers/boats"), 409, "ResourceInUseException")
        // A ledger still being created cannot be deleted.
        _ = try node.propose(.purgeLedger(name: "boats", ledgerId: node.machine.info(named: "boats")!.ledgerId))
        _ = try node.propose(.createLedger(.init(name: "slow", ledgerId: "slowLedgerId0000000000", strandId: "slowStrandId0000000000",
                                                 permissionsMode: "STANDARD", deletionProtection: false, kmsKey: nil, tags: [],
                                                 creationTimeMs: node.clock.now)))
        XCTAssertEqual(stringMember(jsonBody(node.call("GET", "/ledgers/slow")), "State"), "CREATING")
        assertQLDBError(node.call("DELETE", "/ledgers/slow"), 409, "ResourceInUseException")
    }

    func testListPaging() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        let names = ["a1", "b2", "c3", "d4", "e5"]
        for n in names { node.createLedger(n) }
        var seen: [String] = []
        var token: String?
        var pages = 0
        repeat {
            var target = "/ledgers?max_results=2"
            if let token { target += "&next_token=" + token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
            let body = jsonBody(node.call("GET", target))
            guard case .array(let items)? = body["Ledgers"] else { return XCTFail("no Ledgers") }
            XCTAssertLessThanOrEqual(items.count, 2)
            seen += items.compactMap { stringMember($0, "Name") }
            token = stringMember(body, "NextToken")
            pages += 1
        } while token != nil && pages < 10
        XCTAssertEqual(seen, names)
        XCTAssertEqual(pages, 3)
        assertQLDBError(node.call("GET", "/ledgers?max_results=0"), 400, "InvalidParameterException")
        assertQLDBError(node.call("GET", "/ledgers?max_results=101"), 400, "InvalidParameterException")
        assertQLDBError(node.call("GET", "/ledgers?next_token=bogus-token"), 400, "InvalidParameterException")
    }

    func testTagsWithPercentEncodedArn() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        let r = node.call("POST", "/ledgers", #"{"Name":"vehicle-registration","PermissionsMode":"STANDARD","Tags":{"IsTest":"true","Domain":null}}"#)
        XCTAssertEqual(r.status, 200)
        let arn = "arn%3Aaws%3Aqldb%3Aus-east-1%3A000000000000%3Aledger%2Fvehicle-registration"
        XCTAssertEqual(node.call("GET", "/tags/" + arn).bodyText, #"{"Tags":{"Domain":null,"IsTest":"true"}}"#)
        let tagged = node.call("POST", "/tags/" + arn, #"{"Tags":{"Owner":"ops","IsTest":"false"}}"#)
        XCTAssertEqual(tagged.status, 200)
        XCTAssertEqual(tagged.bodyText, "{}")
        XCTAssertEqual(node.call("GET", "/tags/" + arn).bodyText, #"{"Tags":{"Domain":null,"IsTest":"false","Owner":"ops"}}"#)
        let untagged = node.call("DELETE", "/tags/" + arn + "?tagKeys=IsTest&tagKeys=Domain")
        XCTAssertEqual(untagged.bodyText, "{}")
        XCTAssertEqual(node.call("GET", "/tags/" + arn).bodyText, #"{"Tags":{"Owner":"ops"}}"#)
        // An unencoded ARN works too.
        XCTAssertEqual(node.call("GET", "/tags/arn:aws:qldb:us-east-1:000000000000:ledger/vehicle-registration").bodyText,
                       #"{"Tags":{"Owner":"ops"}}"#)
        let other = "arn%3Aaws%3Aqldb%3Aus-east-1%3A000000000000%3Aledger%2Fnone"
        assertQLDBError(node.call("GET", "/tags/" + other), 404, "ResourceNotFoundException")
        assertQLDBError(node.call("POST", "/tags/" + other, #"{"Tags":{"a":"b"}}"#), 404, "ResourceNotFoundException")
        assertQLDBError(node.call("GET", "/tags/not-an-arn-but-long-enough"), 400, "InvalidParameterException")
        assertQLDBError(node.call("DELETE", "/tags/" + arn), 400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/tags/" + arn, #"{"Tags":{"aws:x":"b"}}"#), 400, "InvalidParameterException")
        assertQLDBError(node.call("POST", "/tags/" + arn, "{}"), 400, "InvalidParameterException")
        let many = (0..<51).map { #""k\#($0)":"v""# }.joined(separator: ",")
        assertQLDBError(node.call("POST", "/tags/" + arn, #"{"Tags":{\#(many)}}"#), 400, "InvalidParameterException")
    }

    func testFollowerAnswersRetryableErrorOrForwards() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        node.createLedger("cars")
        node.replicator.role = .follower
        assertQLDBError(node.call("GET", "/ledgers/cars"), 503, "CapacityExceededException")
        assertQLDBError(node.call("POST", "/ledgers", #"{"Name":"boats","PermissionsMode":"STANDARD"}"#), 503, "CapacityExceededException")
        XCTAssertNil(node.machine.state(of: "boats"))
        var forwarded: [String] = []
        node.control.forwardToLeader = { request, error, respond in
            forwarded.append("\(request.method) \(request.path) \(error)")
            respond(HTTPResponse(status: 299))
            return true
        }
        XCTAssertEqual(node.call("GET", "/ledgers").status, 299)
        XCTAssertEqual(forwarded, ["GET /ledgers not the leader (leader is node 2)"])
    }
}

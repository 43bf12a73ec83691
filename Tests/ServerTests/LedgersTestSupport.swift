import Foundation
import Ion
import Ledger
import Net
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

/// An in-memory `Replicator`: a one-node log that applies every proposal to
/// the state machine at once (and syncs it), as a committed single-member log would.
final class InMemoryReplicator: Replicator {
    let machine: NodeStateMachine
    var index: UInt64
    var role: ReplicationStatus.Role = .leader
    var log: [[UInt8]] = []
    var results: [ApplyResult] = []

    init(machine: NodeStateMachine) {
        self.machine = machine
        index = machine.appliedIndex
    }

    func propose(_ command: [UInt8], decoded: (any Sendable)?,
                 completion: @escaping (Result<ApplyResult, ReplicationError>) -> Void) {
        guard role == .leader else { return completion(.failure(.notLeader(leaderID: 2))) }
        index += 1
        log.append(command)
        let result = decoded.map { machine.apply(index: index, command: command, proposed: $0) }
            ?? machine.apply(index: index, command: command)
        results.append(result)
        do {
            try machine.sync()
        } catch {
            return completion(.failure(.storageFailed("\(error)")))
        }
        completion(.success(result))
    }

    func confirmLeadership(completion: @escaping (Result<Void, ReplicationError>) -> Void) {
        completion(role == .leader ? .success(()) : .failure(.notLeader(leaderID: 2)))
    }

    func awaitSettledLeadership(completion: @escaping (Result<Void, ReplicationError>) -> Void) {
        confirmLeadership(completion: completion)
    }

    func transferLeadership(to nodeID: UInt64) throws {}

    var status: ReplicationStatus {
        ReplicationStatus(nodeID: 1, role: role, term: 1, leaderID: role == .leader ? 1 : 2, commitIndex: index, appliedIndex: index)
    }
}

/// A fresh data directory, removed at the end of the test.
func makeTempDirectory(_ test: XCTestCase) -> String {
    let dir = NSTemporaryDirectory() + "tally-ledgers-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

final class TestClock: @unchecked Sendable {
    var now: Int64
    init(_ now: Int64 = 1_700_000_000_000) { self.now = now }
}

/// A node: state machine, in-memory log and control plane over one directory.
final class TestNode {
    let dir: String
    let clock: TestClock
    let machine: NodeStateMachine
    let replicator: InMemoryReplicator
    let control: ControlPlane

    init(dir: String, clock: TestClock = TestClock(), seed: UInt64 = 7, maxLedgers: Int = 20, metadataInterval: UInt64 = 1024,
         schedule: @escaping (@escaping () -> Void) -> Void = { $0() }, loop: EventLoop? = nil,
         streamSinks: StreamSinks? = nil, maxExportsPerCredential: Int = 2) throws {
        self.dir = dir
        self.clock = clock
        let ledgerOptions = Ledger.Options(ids: IDGenerator(SeededGenerator(seed: seed)), clock: { clock.now },
                                           elapsedClock: { clock.now })
        machine = try NodeStateMachine(options: LedgerRegistry.Options(
            dataDirectory: dir + "/data", maxLedgers: maxLedgers, metadataInterval: metadataInterval, ledgerOptions: ledgerOptions))
        replicator = InMemoryReplicator(machine: machine)
        var options = ControlPlane.Options(exportRoot: dir + "/exports", streamSinks: streamSinks, now: { clock.now },
                                           ids: IDGenerator(SeededGenerator(seed: seed + 1000)), schedule: schedule)
        options.maxExportsPerCredential = maxExportsPerCredential
        control = ControlPlane(stateMachine: machine, replicator: replicator, options: options, loop: loop)
    }

    /// Sends one request and returns the (synchronous) response.
    @discardableResult
    func call(_ method: String, _ target: String, _ body: String? = nil) -> HTTPResponse {
        var response: HTTPResponse?
        control.handle(HTTPRequest(method: method, target: target, body: Array((body ?? "").utf8))) { response = $0 }
        return response!
    }

    func createLedger(_ name: String, protection: Bool = false) {
        let r = call("POST", "/ledgers", #"{"Name":"\#(name)","PermissionsMode":"STANDARD","DeletionProtection":\#(protection)}"#)
        precondition(r.status == 200, r.bodyText)
    }

    /// Commits one transaction through the log: creates `table` if needed, inserts `document`.
    @discardableResult
    func insert(_ ledgerName: String, table: String = "Cars", _ document: IonValue) throws -> (reply: TransactionReply, documentId: String) {
        let ledger = machine.ledger(named: ledgerName)!
        let tx = ledger.begin()
        if !tx.activeTables().contains(where: { $0.name == table }) {
            try tx.recordStatement(text: "CREATE TABLE \(table)", parameters: [])
            _ = try tx.createTable(name: table, tags: [])
        }
        try tx.recordStatement(text: "INSERT INTO \(table) ?", parameters: [document])
        let id = try tx.insert(table: table, document: document)
        let proposal = try tx.commit()!
        let result = try propose(machine.transactionCommand(ledger: ledgerName, proposal: proposal))
        guard case .applied(let reply) = result else { throw NodeCodingError("not applied: \(result)") }
        return (try TransactionReply.decode(reply), id)
    }

    func propose(_ command: NodeCommand) throws -> ApplyResult {
        var out: Result<ApplyResult, ReplicationError>?
        // As the node's leader does: the state machine applies `command` itself (and, in debug
        // builds, checks that the bytes decode to it).
        replicator.propose(command.encoded(), decoded: command) { out = $0 }
        return try out!.get()
    }
}

func jsonBody(_ r: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) -> JSONValue {
    do {
        return try JSONValue.parse(r.bodyBytes)
    } catch {
        XCTFail("not JSON: \(r.bodyText)", file: file, line: line)
        return .null
    }
}

func stringMember(_ v: JSONValue?, _ key: String) -> String? {
    guard case .string(let s)? = v?[key] else { return nil }
    return s
}

/// Checks an error response: status, `x-amzn-ErrorType` and the body's members.
func assertQLDBError(_ r: HTTPResponse, _ status: Int, _ code: String, resourceName: String? = nil,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(r.status, status, r.bodyText, file: file, line: line)
    XCTAssertEqual(r.headers["x-amzn-ErrorType"], code, file: file, line: line)
    let body = jsonBody(r, file: file, line: line)
    XCTAssertNotNil(stringMember(body, "Message"), file: file, line: line)
    if let resourceName { XCTAssertEqual(stringMember(body, "ResourceName"), resourceName, file: file, line: line) }
}

func car(_ vin: String, _ n: Int = 1) -> IonValue { .struct([("VIN", .string(vin)), ("n", .int(n))]) }

import Foundation
import Replica
import Ion
import Ledger
import Net
import QLDBWire

/// QLDB's control plane (`qldb`, REST JSON; PROTOCOL.md §2) over the node's
/// `NodeStateMachine`. Mutations are `NodeCommand`s proposed through the
/// `Replicator` and answered once applied on this node; reads confirm
/// leadership (read index) and answer from the local registry.
///
/// Side effects outside the state (export files, stream delivery) run on the
/// leader only; their outcome is replicated as commands. Call `reconcile()`
/// periodically (e.g. every second) so a new leader finishes what a previous
/// one left: CREATING ledgers are activated, DELETING ledgers purged,
/// IN_PROGRESS exports run, ACTIVE streams delivered.
///
/// Threading: loop thread only; `respond` is called on the loop thread.
public final class ControlPlane: HTTPHandler {
    public struct Options {
        /// Buckets of ExportJournalToS3 are directories under this root.
        public var exportRoot: String
        /// Where Kinesis stream ARNs deliver (operator configuration).
        public var streamSinks: StreamSinks
        /// IN_PROGRESS exports one access key may have (LimitExceededException beyond).
        public var maxExportsPerCredential = 2
        /// Milliseconds since the epoch (times the proposer puts in commands).
        public var now: () -> Int64
        /// Ledger, strand, export and stream ids.
        public var ids: IDGenerator
        public var defaultPageSize: Int
        /// Runs work after the current response has been handed over (the node
        /// passes `loop.execute`); by default it runs at once.
        public var schedule: (@escaping () -> Void) -> Void

        public init(exportRoot: String, streamSinks: StreamSinks? = nil, now: @escaping () -> Int64 = LedgerTime.nowMilliseconds,
                    ids: IDGenerator = IDGenerator(), defaultPageSize: Int = 100,
                    schedule: @escaping (@escaping () -> Void) -> Void = { $0() }) {
            self.exportRoot = exportRoot
            self.streamSinks = streamSinks ?? StreamSinks(root: exportRoot + "/kinesis")
            self.now = now
            self.ids = ids
            self.defaultPageSize = defaultPageSize
            self.schedule = schedule
        }
    }

    public let stateMachine: NodeStateMachine
    public let replicator: Replicator
    public let options: Options
    public let streams: StreamDelivery
    /// Called when this node cannot serve a request (not the leader, …): return
    /// true after taking over `respond` (e.g. forwarding to the leader). Otherwise
    /// the client gets 503 CapacityExceededException (retried by the SDKs).
    public var forwardToLeader: ((HTTPRequest, ReplicationError, @escaping (HTTPResponse) -> Void) -> Bool)?

    var registry: LedgerRegistry { stateMachine.registry }
    var runningExports: Set<String> = []
    /// Export proposals not yet applied, per access key (the quota counts them too).
    var pendingExports: [String: Int] = [:]
    let loop: EventLoop?

    /// Installs itself as `stateMachine.onTransactionApplied` (chaining any hook
    /// already set) so streams see every new block.
    public init(stateMachine: NodeStateMachine, replicator: Replicator, options: Options, loop: EventLoop? = nil) {
        self.stateMachine = stateMachine
        self.replicator = replicator
        self.options = options
        self.loop = loop
        streams = StreamDelivery(stateMachine: stateMachine, replicator: replicator, now: options.now,
                                 sinks: options.streamSinks, loop: loop, schedule: options.schedule)
        let previous = stateMachine.onTransactionApplied
        stateMachine.onTransactionApplied = { [weak self] name, block in
            previous?(name, block)
            self?.streams.blockApplied(ledger: name)
        }
    }

    var isLeader: Bool { replicator.isLeader }

    // MARK: - HTTPHandler

    public func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        do {
            guard let route = try ControlPlaneRoute(method: request.method, path: request.path) else {
                throw ControlPlaneError(code: "UnknownOperationException",
                                        message: "No QLDB operation matches \(request.method) \(request.path)")
            }
            try dispatch(route, request, respond)
        } catch {
            respond(errorResponse(error))
        }
    }

    /// Whether a request is for the control plane (vs `POST /` of the session API).
    public static func handles(_ request: HTTPRequest) -> Bool {
        (try? ControlPlaneRoute(method: request.method, path: request.path)) != nil
            || ["/ledgers", "/journal-s3-exports", "/tags"].contains { request.path.hasPrefix($0) }
    }

    private func dispatch(_ route: ControlPlaneRoute, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        switch route {
        case .createLedger: try createLedger(request, respond)
        case .listLedgers: try listLedgers(request, respond)
        case .describeLedger(let n): describeLedger(n, request, respond)
        case .updateLedger(let n): try updateLedger(n, request, respond)
        case .updatePermissionsMode(let n): try updatePermissionsMode(n, request, respond)
        case .deleteLedger(let n): try deleteLedger(n, request, respond)
        case .getDigest(let n): getDigest(n, request, respond)
        case .getBlock(let n): try getBlock(n, request, respond)
        case .getRevision(let n): try getRevision(n, request, respond)
        case .exportJournal(let n): try exportJournal(n, request, respond)
        case .describeExport(let n, let id): describeExport(n, id, request, respond)
        case .listExports: try listExports(nil, request, respond)
        case .listExportsForLedger(let n): try listExports(n, request, respond)
        case .streamJournal(let n): try streamJournal(n, request, respond)
        case .describeStream(let n, let id): describeStream(n, id, request, respond)
        case .listStreams(let n): try listStreams(n, request, respond)
        case .cancelStream(let n, let id): cancelStream(n, id, request, respond)
        case .tagResource(let arn): try tagResource(arn, request, respond)
        case .untagResource(let arn): try untagResource(arn, request, respond)
        case .listTags(let arn): listTags(arn, request, respond)
        case .startImport(let n): try startImport(n, request, respond)
        case .importBlocks(let n): try importBlocks(n, request, respond)
        case .finishImport(let n): try finishImport(n, request, respond)
        }
    }

    // MARK: - Helpers

    static func ok(_ body: JSONValue?) -> HTTPResponse {
        guard let body else { return HTTPResponse(status: 200) }
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: body.bytes)
    }

    func errorResponse(_ error: Error) -> HTTPResponse {
        if let e = error as? ControlPlaneError { return e.response }
        return ControlPlaneError(code: "InternalFailure", message: "\(error)").response
    }

    func replicationFailed(_ error: ReplicationError, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) {
        if let forward = forwardToLeader, forward(request, error, respond) { return }
        switch error {
        case .storageFailed(let why):
            respond(ControlPlaneError(code: "InternalFailure", message: "The node's storage failed: \(why)").response)
        default:
            respond(ControlPlaneError(code: "CapacityExceededException",
                                      message: "The request could not be served right now (\(error)); retry").response)
        }
    }

    /// Proposes `command`; once it has applied here, answers with `then(reply)`
    /// (nil = empty body). A refusal becomes the error it names, about `resource`.
    func propose(_ command: NodeCommand, _ request: HTTPRequest, resource: (type: String, name: String),
                 _ respond: @escaping (HTTPResponse) -> Void, then: @escaping ([UInt8]) throws -> JSONValue?) {
        replicator.propose(command.encoded()) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(.applied(let reply)):
                do { respond(ControlPlane.ok(try then(reply))) } catch { respond(self.errorResponse(error)) }
            case .success(.rejected(let rejection)):
                respond(ControlPlaneError(rejection, resource: resource).response)
            case .failure(let error):
                self.replicationFailed(error, request, respond)
            }
        }
    }

    /// Proposes a command nobody waits for (lifecycle steps, progress).
    func proposeQuietly(_ command: NodeCommand, then: ((ApplyResult?) -> Void)? = nil) {
        replicator.propose(command.encoded()) { result in
            if case .success(let r) = result { then?(r) } else { then?(nil) }
        }
    }

    /// Confirms leadership (read index), then answers from the local registry.
    func read(_ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void, _ body: @escaping () throws -> JSONValue) {
        replicator.confirmLeadership { [weak self] result in
            guard let self else { return }
            switch result {
            case .success:
                do { respond(ControlPlane.ok(try body())) } catch { respond(self.errorResponse(error)) }
            case .failure(let error):
                self.replicationFailed(error, request, respond)
            }
        }
    }

    /// A ledger that exists and is not being deleted.
    func liveEntry(_ name: String) throws -> LedgerRegistry.Entry {
        guard let e = registry.entry(named: name), e.info.state != .deleting else { throw ControlPlaneError.ledgerNotFound(name) }
        return e
    }

    /// A ledger GetDigest/GetBlock/GetRevision/exports/streams may use: ACTIVE.
    func activeLedger(_ name: String) throws -> (LedgerRegistry.Entry, Ledger) {
        let e = try liveEntry(name)
        guard e.info.state == .active, let ledger = e.ledger else {
            throw ControlPlaneError.precondition("LEDGER", name, "Ledger \(name) is \(e.info.state.rawValue), not ACTIVE")
        }
        return (e, ledger)
    }

    // MARK: - Leader housekeeping

    /// Finishes lifecycle steps and background work a leader owns. Cheap when
    /// there is nothing to do; does nothing on a follower.
    public func reconcile() {
        guard isLeader else { return }
        for info in registry.ledgerInfos {
            switch info.state {
            case .creating where info.importing: break  // `tally ledger import` finishes it, or deletes it
            case .creating: proposeQuietly(.activateLedger(name: info.name, ledgerId: info.ledgerId))
            case .deleting: proposeQuietly(.purgeLedger(name: info.name, ledgerId: info.ledgerId))
            case .active: break
            }
        }
        for (id, export) in registry.exports where export.status == "IN_PROGRESS" && !runningExports.contains(id) {
            runExport(id)
        }
        streams.deliverAll()
    }
}

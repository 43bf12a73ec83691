import Foundation
import Replica
import Net
import QLDBWire

/// The client port's handler: QLDB's session API (`POST /` with
/// `X-Amz-Target: QLDBSession.SendCommand`) and control plane (REST paths)
/// on one listener, as PROTOCOL.md §5 requires. A follower forwards every
/// request to the leader over the peer link; while there is no leader (or it
/// cannot be reached) it holds the request up to `[http] leader_wait_seconds`
/// for the election to finish, then clients get a retryable 503
/// `CapacityExceededException`.
final class ClientRouter: HTTPHandler {
    private weak var node: Node?
    private let session: SessionEndpoint
    let authenticator: RequestAuthenticator
    let limits: ClientBodyLimits
    let stuck: StuckRequestWatch
    /// How long a follower holds a request while no leader is reachable.
    let leaderWait: Duration

    init(node: Node, session: SessionEndpoint, authenticator: RequestAuthenticator, limits: ClientBodyLimits,
         stuck: StuckRequestWatch, leaderWait: Duration = .zero) {
        self.node = node
        self.session = session
        self.authenticator = authenticator
        self.limits = limits
        self.stuck = stuck
        self.leaderWait = leaderWait
    }

    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        serve(request, forwarded: false, respond: respond)
    }

    /// `handle` for a session request already authenticated and decoded on
    /// the client loop (`ClientLoopHandler`). Node loop.
    func handle(_ request: HTTPRequest, prepared: SessionEndpoint.Prepared?, respond: @escaping (HTTPResponse) -> Void) {
        serve(request, forwarded: false, prepared: prepared, respond: respond)
    }

    /// Authenticates and decodes a session request; nil for anything else. Any thread.
    func prepare(_ request: HTTPRequest) -> SessionEndpoint.Prepared? {
        guard ClientRouter.isSession(request), !ConsoleStaticRoute.matches(request.path) else { return nil }
        return session.prepare(ClientRouter.signed(request), checkedHead: ClientRouter.checkedHead(request))
    }

    /// From the headers alone: a signature that can still verify (known key,
    /// well-formed scope, signed date within the skew) and a body no larger
    /// than this kind of request needs. A refusal is answered without reading
    /// the body, and the connection closes.
    func shouldAccept(_ head: HTTPRequest, contentLength: Int?) -> HTTPHeadDecision {
        if ConsoleStaticRoute.matches(head.path) {
            // The console's static files: nothing to authenticate, no body to read.
            return .accept(maxBodyBytes: 0)
        }
        let isSession = ClientRouter.isSession(head)
        let checked: CheckedHead?
        do {
            checked = try authenticator.checkHead(ClientRouter.signed(head))
        } catch {
            let e = error as? ServiceError ?? .internalFailure("\(error)")
            return .reject(ClientRouter.error(e, sessionAPI: isSession))
        }
        let limit = limits.limit(for: head, isSession: isSession)
        if let n = contentLength, n > limit {
            return .reject(ClientRouter.error(limits.tooLarge(n, limit: limit), sessionAPI: isSession))
        }
        return .accept(maxBodyBytes: limit, context: checked)
    }

    static func isSession(_ request: HTTPRequest) -> Bool {
        request.path == "/" || request.headers["X-Amz-Target"] != nil
    }

    private func serve(_ request: HTTPRequest, forwarded: Bool, prepared: SessionEndpoint.Prepared? = nil,
                       respond answer: @escaping (HTTPResponse) -> Void) {
        guard let node else {
            answer(ClientRouter.error(.capacityExceeded("Node is shutting down"), sessionAPI: true))
            return
        }
        if serveConsole(request, node: node, forwarded: forwarded, respond: answer) {
            return
        }
        let label = stuck.begin(method: request.method, path: request.path)
        let respond: (HTTPResponse) -> Void = { [stuck] response in
            stuck.end(label)
            answer(response)
        }
        route(request, forwarded: forwarded, prepared: prepared, label: label, deadline: ContinuousClock.now + leaderWait,
              respond: respond)
    }

    /// Serves here when this node leads; otherwise forwards to the leader, or —
    /// while none is known or reachable, until `deadline` — waits for one.
    private func route(_ request: HTTPRequest, forwarded: Bool, prepared: SessionEndpoint.Prepared?,
                       label: StuckRequestWatch.Label, deadline: ContinuousClock.Instant,
                       respond: @escaping (HTTPResponse) -> Void) {
        guard let node else {
            return respond(ClientRouter.error(.capacityExceeded("Node is shutting down"), sessionAPI: true))
        }
        let isSession = ClientRouter.isSession(request)
        let leadership = node.driver.leadership
        if !leadership.isLeader {
            if forwarded {
                // The sender thought we lead; we no longer do. It will retry.
                return respond(ClientRouter.error(CommitFailure.notLeader(leaderID: leadership.leaderID).serviceError,
                                                  sessionAPI: isSession))
            }
            let retry: () -> Bool = { [weak self, weak node] in
                guard let self, let node, ContinuousClock.now < deadline else { return false }
                node.loop.scheduleTimer(after: .milliseconds(50)) { [weak self] in
                    self?.route(request, forwarded: false, prepared: prepared, label: label, deadline: deadline,
                                respond: respond)
                }
                return true
            }
            if !forward(request, whileUnreachable: retry, respond: respond), !retry() {
                respond(ClientRouter.error(CommitFailure.notLeader(leaderID: nil).serviceError, sessionAPI: isSession))
            }
            return
        }
        if isSession {
            serveSession(request, prepared: prepared, node: node, label: label, forwarded: forwarded, respond: respond)
        } else {
            if let (command, ledger) = MetricsCommand.controlPlane(method: request.method, path: request.path) {
                label.command = command.rawValue
                label.ledger = ledger ?? ""
            }
            serveControlPlane(request, node: node, respond: respond)
        }
    }

    private func serveSession(_ request: HTTPRequest, prepared: SessionEndpoint.Prepared?, node: Node,
                              label: StuckRequestWatch.Label, forwarded: Bool, respond: @escaping (HTTPResponse) -> Void) {
        // Labels for the stuck-request watch; metrics come from the session layer (`SessionManager.onCommand`).
        let prepared = prepared ?? session.prepare(ClientRouter.signed(request), checkedHead: ClientRouter.checkedHead(request))
        session.run(prepared, decoded: { d in
            if case .startSession(let name) = d.command {
                label.ledger = name
            } else if forwarded, let token = d.sessionToken {
                // The response names the ledger (below): looked up before the command runs (EndSession ends it).
                let session = node.sessions.ledgerAndSessionID(forToken: token)
                label.ledger = session?.ledger ?? ""
                label.session = session?.id ?? ""
            } else {
                label.sessionToken = d.sessionToken   // looked up only if logged (StuckRequestWatch.sessionOfToken)
            }
            label.command = d.command.name
        }) { response in
            var http = ClientRouter.http(response)
            if forwarded, !label.command.isEmpty {
                // For the follower's `tally_forwarded_command_latency_seconds` (it strips these).
                http.headers.set(ForwardedHTTP.commandHeader, label.command)
                if !label.ledger.isEmpty { http.headers.set(ForwardedHTTP.ledgerHeader, label.ledger) }
            }
            respond(http)
        }
    }

    private func serveControlPlane(_ request: HTTPRequest, node: Node, respond: @escaping (HTTPResponse) -> Void) {
        do {
            _ = try authenticator.authenticate(ClientRouter.signed(request), checkedHead: ClientRouter.checkedHead(request))
        } catch let error as ServiceError {
            respond(ClientRouter.error(error, sessionAPI: false))
            return
        } catch {
            respond(ClientRouter.error(.internalFailure("\(error)"), sessionAPI: false))
            return
        }
        let started = ContinuousClock.now
        node.controlPlane.handle(request) { response in
            if let (command, ledger) = MetricsCommand.controlPlane(method: request.method, path: request.path) {
                let elapsed = ContinuousClock.now - started
                if let ledger, node.stateMachine.state(of: ledger) != nil {
                    node.metrics.ledger(ledger).recordCommand(command, duration: elapsed)
                } else {
                    node.metrics.recordUnscopedCommand(command, duration: elapsed)
                }
            }
            respond(response)
        }
    }

    // MARK: - Forwarding to the leader

    /// Sends `request` to the leader over the peer link; false when no
    /// leader is known or the link to it is down (the caller answers 503 or
    /// waits). `whileUnreachable` is asked first when the request could not be
    /// sent at all (the link went down): true means it took the request over.
    func forward(_ request: HTTPRequest, whileUnreachable: @escaping () -> Bool = { false },
                 respond: @escaping (HTTPResponse) -> Void) -> Bool {
        guard let node, case let (false, leader?) = node.driver.leadership,
              node.driver.transport.isConnected(to: leader) else {
            return false
        }
        let isSession = ClientRouter.isSession(request)
        let started = ContinuousClock.now
        node.driver.transport.request(to: leader, channel: .forward, payload: ForwardedHTTP.encode(request),
                                      timeout: .seconds(35)) { [weak node] result in
            switch result {
            case .success(let bytes):
                if var response = ForwardedHTTP.decodeResponse(bytes) {
                    var command: MetricsCommand?
                    var ledger: String?
                    if isSession {
                        command = response.headers[ForwardedHTTP.commandHeader].flatMap(MetricsCommand.init(rawValue:))
                        ledger = response.headers[ForwardedHTTP.ledgerHeader]
                        response.headers.remove(ForwardedHTTP.commandHeader)
                        response.headers.remove(ForwardedHTTP.ledgerHeader)
                    } else if let (c, l) = MetricsCommand.controlPlane(method: request.method, path: request.path) {
                        (command, ledger) = (c, l)
                    }
                    if let node, let command {
                        node.recordForwarded(command, ledger: ledger, duration: ContinuousClock.now - started)
                    }
                    respond(response)
                } else {
                    respond(ClientRouter.error(.internalFailure("malformed forwarded response"), sessionAPI: isSession))
                }
            case .failure(let error):
                // Never sent: safe to try the next leader. Sent but unanswered: the outcome is unknown; the client decides.
                if case .notConnected = error, whileUnreachable() { return }
                respond(ClientRouter.error(.capacityExceeded("The leader could not be reached; retry"), sessionAPI: isSession))
            }
        }
        return true
    }

    /// A request a follower forwarded to us (the leader).
    func handleForwarded(_ payload: [UInt8], respond: @escaping PeerTransport.Respond) {
        guard let request = ForwardedHTTP.decodeRequest(payload) else {
            respond(.success(ForwardedHTTP.encode(ClientRouter.error(.badRequest("malformed forwarded request"), sessionAPI: true))))
            return
        }
        serve(request, forwarded: true) { response in
            respond(.success(ForwardedHTTP.encode(response)))
        }
    }

    // MARK: - Conversions

    static func signed(_ request: HTTPRequest) -> SignedRequest {
        SignedRequest(method: request.method, target: request.target, headers: request.headers.entries, body: request.body,
                      remoteAddress: request.remoteAddress, namesAreLowerCase: request.headers.namesAreLowerCase)
    }

    /// What `shouldAccept` found in this request's head, handed back by the HTTP server (nil when forwarded).
    static func checkedHead(_ request: HTTPRequest) -> CheckedHead? { request.headContext as? CheckedHead }

    static func http(_ response: ProtocolResponse) -> HTTPResponse {
        HTTPResponse(status: response.status, headers: HTTPHeaders(entries: response.headers), body: response.body)
    }

    static func error(_ error: ServiceError, sessionAPI: Bool) -> HTTPResponse {
        http(error.response(requestID: Identifiers.requestID(),
                            contentType: sessionAPI ? AWSContentType.json10 : AWSContentType.restJSON))
    }
}

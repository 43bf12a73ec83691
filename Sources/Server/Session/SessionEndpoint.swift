import Foundation
import Ion
import QLDBWire

/// `POST /` with `X-Amz-Target: QLDBSession.SendCommand`, from raw request to
/// raw response, independent of the HTTP implementation:
///
/// ```swift
/// // in an HTTPHandler:
/// let signed = SignedRequest(method: req.method, target: req.target,
///                            headers: req.headers.entries, body: req.body)
/// endpoint.handle(signed) { r in respond(HTTPResponse(status: r.status,
///                                        headers: HTTPHeaders(r.headers.map { ($0.name, $0.value) }), body: r.body)) }
/// ```
public final class SessionEndpoint: @unchecked Sendable {
    public static let sendCommandTarget = "QLDBSession.SendCommand"

    public let manager: SessionManager
    public let authenticator: RequestAuthenticator

    public init(manager: SessionManager, authenticator: RequestAuthenticator) {
        self.manager = manager
        self.authenticator = authenticator
    }

    /// A request authenticated and decoded, ready to run (or the error to answer).
    /// Making one touches nothing but the request and the credentials, so it
    /// may happen on another thread than the one that runs it.
    public struct Prepared: Sendable {
        let requestID: String
        let started: ContinuousClock.Instant
        let outcome: Result<(caller: String, command: SendCommandRequest), ProtocolFailure>
        /// An ExecuteStatement's `QLDBHash.statementHash`, made here: `prepare` runs on the
        /// client loop, so the node's loop, which runs the statement, does not hash it.
        var statementDigest: [UInt8]? = nil
    }

    /// An error response decided while preparing.
    public struct ProtocolFailure: Error, Sendable {
        let response: ProtocolResponse
    }

    /// Authenticates, checks the operation, decodes, runs, encodes. Every
    /// response carries `x-amzn-RequestId`; errors are PROTOCOL.md §1.4 shaped.
    /// `decoded` (optional) sees the decoded command before it runs, e.g. to
    /// label a request in the stuck-request watch without decoding the body twice.
    public func handle(_ request: SignedRequest, decoded: ((SendCommandRequest) -> Void)? = nil,
                       completion: @escaping (ProtocolResponse) -> Void) {
        run(prepare(request), decoded: decoded, completion: completion)
    }

    /// Authenticates, checks the operation and decodes the body. Any thread.
    /// `checkedHead`: see `RequestAuthenticator.authenticate`.
    public func prepare(_ request: SignedRequest, checkedHead: CheckedHead? = nil) -> Prepared {
        let requestID = Identifiers.requestID()
        let started = ContinuousClock.now
        func fail(_ response: ProtocolResponse) -> Prepared {
            Prepared(requestID: requestID, started: started, outcome: .failure(ProtocolFailure(response: response)))
        }
        let caller: AuthenticatedCaller
        do {
            caller = try authenticator.authenticate(request, checkedHead: checkedHead)
        } catch {
            return fail(Self.errorResponse(error, requestID: requestID))
        }
        guard request.method == "POST" else {
            return fail(ServiceError(code: "UnknownOperationException",
                                     message: "The session API accepts only POST").response(requestID: requestID))
        }
        guard request.header("x-amz-target") == Self.sendCommandTarget else {
            let target = request.header("x-amz-target") ?? ""
            return fail(ServiceError(code: "UnknownOperationException",
                                     message: "Unknown operation '\(target)'").response(requestID: requestID))
        }
        return prepare(body: request.body, caller: caller.accessKeyID, requestID: requestID, started: started)
    }

    private func prepare(body: [UInt8], caller: String, requestID: String, started: ContinuousClock.Instant) -> Prepared {
        do {
            let command = try SendCommandRequest.decode(body)
            var prepared = Prepared(requestID: requestID, started: started, outcome: .success((caller, command)))
            if case .executeStatement(_, let statement, let parameters) = command.command {
                prepared.statementDigest = QLDBHash.statementHash(statement, parameters: parameters)
            }
            return prepared
        } catch {
            return Prepared(requestID: requestID, started: started,
                            outcome: .failure(ProtocolFailure(response: Self.errorResponse(error, requestID: requestID))))
        }
    }

    /// An already authenticated `SendCommand` body.
    public func handle(body: [UInt8], caller: String, requestID: String = Identifiers.requestID(),
                       decoded: ((SendCommandRequest) -> Void)? = nil,
                       completion: @escaping (ProtocolResponse) -> Void) {
        run(prepare(body: body, caller: caller, requestID: requestID, started: ContinuousClock.now),
            decoded: decoded, completion: completion)
    }

    /// Runs a prepared request on the session layer.
    public func run(_ prepared: Prepared, decoded: ((SendCommandRequest) -> Void)? = nil,
                    completion: @escaping (ProtocolResponse) -> Void) {
        let (requestID, started) = (prepared.requestID, prepared.started)
        let caller: String, request: SendCommandRequest
        switch prepared.outcome {
        case .failure(let failure):
            completion(failure.response)
            return
        case .success(let ready):
            (caller, request) = ready
        }
        decoded?(request)
        manager.send(request, caller: caller, requestID: requestID, statementDigest: prepared.statementDigest) { result in
            switch result {
            case .success(let value):
                let ms = Self.milliseconds(since: started)
                completion(ProtocolResponse(status: 200, headers: [
                    (name: "Content-Type", value: AWSContentType.json10),
                    (name: "x-amzn-RequestId", value: requestID),
                ], body: value.jsonBodyBytes(processingTimeMilliseconds: ms)))
            case .failure(let error):
                completion(error.response(requestID: requestID))
            }
        }
    }

    /// Elapsed wall time, rounded up, at least 1: every command does some work,
    /// and pyqldb ignores zero timings (PROTOCOL.md §1.3 item 6).
    static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let d = ContinuousClock.now - start
        let (seconds, attoseconds) = d.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return max(1, ms)
    }

    static func errorResponse(_ error: any Error, requestID: String) -> ProtocolResponse {
        let e = error as? ServiceError ?? .internalFailure("Internal error: \(error)")
        return e.response(requestID: requestID)
    }
}

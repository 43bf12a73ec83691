import Foundation
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

    /// Authenticates, checks the operation, decodes, runs, encodes. Every
    /// response carries `x-amzn-RequestId`; errors are PROTOCOL.md §1.4 shaped.
    /// `decoded` (optional) sees the decoded command before it runs, e.g. to
    /// label a request in the stuck-request watch without decoding the body twice.
    public func handle(_ request: SignedRequest, decoded: ((SendCommandRequest) -> Void)? = nil,
                       completion: @escaping (ProtocolResponse) -> Void) {
        let requestID = Identifiers.requestID()
        let caller: AuthenticatedCaller
        do {
            caller = try authenticator.authenticate(request)
        } catch {
            completion(Self.errorResponse(error, requestID: requestID))
            return
        }
        guard request.method == "POST" else {
            completion(ServiceError(code: "UnknownOperationException",
                                    message: "The session API accepts only POST").response(requestID: requestID))
            return
        }
        guard request.header("X-Amz-Target") == Self.sendCommandTarget else {
            let target = request.header("X-Amz-Target") ?? ""
            completion(ServiceError(code: "UnknownOperationException",
                                    message: "Unknown operation '\(target)'").response(requestID: requestID))
            return
        }
        handle(body: request.body, caller: caller.accessKeyID, requestID: requestID, decoded: decoded, completion: completion)
    }

    /// An already authenticated `SendCommand` body.
    public func handle(body: [UInt8], caller: String, requestID: String = Identifiers.requestID(),
                       decoded: ((SendCommandRequest) -> Void)? = nil,
                       completion: @escaping (ProtocolResponse) -> Void) {
        let started = ContinuousClock.now
        let request: SendCommandRequest
        do {
            request = try SendCommandRequest.decode(body)
        } catch {
            completion(Self.errorResponse(error, requestID: requestID))
            return
        }
        decoded?(request)
        manager.send(request, caller: caller, requestID: requestID) { result in
            switch result {
            case .success(let value):
                let ms = Self.milliseconds(since: started)
                completion(ProtocolResponse(status: 200, headers: [
                    (name: "Content-Type", value: AWSContentType.json10),
                    (name: "x-amzn-RequestId", value: requestID),
                ], body: Array(value.jsonBody(processingTimeMilliseconds: ms).utf8)))
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

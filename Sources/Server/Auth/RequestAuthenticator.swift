import Foundation
import QLDBWire

/// The node's authentication policy: SigV4, or (explicitly configured) none.
public struct RequestAuthenticator: Sendable {
    public var mode: AuthMode
    public var verifier: SigV4Verifier
    /// Where failures are logged; nil logs nothing (unit tests).
    public var failureLog: AuthFailureLog?
    /// Heads checked by `checkHead`, for `authenticate` to take.
    let checkedHeads = CheckedHeadMemo()

    public init(mode: AuthMode, verifier: SigV4Verifier, failureLog: AuthFailureLog? = nil) {
        self.mode = mode
        self.verifier = verifier
        self.failureLog = failureLog
    }

    /// The checks that need no body (`SigV4Verifier.checkHead`); nothing with `.none`.
    /// What passed is remembered for this request's `authenticate`.
    public func checkHead(_ request: SignedRequest) throws {
        guard mode == .sigv4 else { return }
        do {
            let head = try verifier.checkHead(request)
            if let key = CheckedHeadMemo.key(request) { checkedHeads.remember(head, for: key) }
        } catch let error as ServiceError {
            failureLog?.record(error, request: request)
            throw error
        }
    }

    /// The caller, or a 403 `ServiceError` to send back unchanged. With
    /// `.none`, a parsable Authorization header still names the caller (for
    /// rate limiting); nothing is verified.
    public func authenticate(_ request: SignedRequest) throws -> AuthenticatedCaller {
        switch mode {
        case .sigv4:
            do {
                if let key = CheckedHeadMemo.key(request), let head = checkedHeads.take(key) {
                    return try verifier.verify(request, head: head)
                }
                return try verifier.verify(request)
            } catch let error as ServiceError {
                failureLog?.record(error, request: request)
                throw error
            }
        case .none:
            if let h = request.header("Authorization"), let auth = try? SigV4Authorization.parse(h) {
                return AuthenticatedCaller(accessKeyID: auth.accessKeyID, principal: auth.accessKeyID, region: auth.region)
            }
            return .anonymous
        }
    }
}

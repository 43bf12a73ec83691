import Foundation
import QLDBWire

/// The node's authentication policy: SigV4, or (explicitly configured) none.
public struct RequestAuthenticator: Sendable {
    public var mode: AuthMode
    public var verifier: SigV4Verifier
    /// Where failures are logged; nil logs nothing (unit tests).
    public var failureLog: AuthFailureLog?

    public init(mode: AuthMode, verifier: SigV4Verifier, failureLog: AuthFailureLog? = nil) {
        self.mode = mode
        self.verifier = verifier
        self.failureLog = failureLog
    }

    /// The checks that need no body (`SigV4Verifier.checkHead`); nothing (nil) with `.none`.
    /// What passed is for this request's `authenticate`, once its body is in.
    @discardableResult
    public func checkHead(_ request: SignedRequest) throws -> CheckedHead? {
        guard mode == .sigv4 else { return nil }
        do {
            return try verifier.checkHead(request)
        } catch let error as ServiceError {
            failureLog?.record(error, request: request)
            throw error
        }
    }

    /// The caller, or a 403 `ServiceError` to send back unchanged. With
    /// `.none`, a parsable Authorization header still names the caller (for
    /// rate limiting); nothing is verified. `checkedHead` is what `checkHead`
    /// returned for this very request when its headers arrived (the server
    /// hands it over as the request's `headContext`): the checks it holds are
    /// not repeated, the body and the signature are verified as always.
    public func authenticate(_ request: SignedRequest, checkedHead: CheckedHead? = nil) throws -> AuthenticatedCaller {
        switch mode {
        case .sigv4:
            do {
                if let head = checkedHead {
                    return try verifier.verify(request, head: head)
                }
                return try verifier.verify(request)
            } catch let error as ServiceError {
                failureLog?.record(error, request: request)
                throw error
            }
        case .none:
            if let h = request.header("authorization"), let auth = try? SigV4Authorization.parse(h) {
                return AuthenticatedCaller(accessKeyID: auth.accessKeyID, principal: auth.accessKeyID, region: auth.region)
            }
            return .anonymous
        }
    }
}

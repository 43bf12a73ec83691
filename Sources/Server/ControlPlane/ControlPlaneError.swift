import Replica
import Net
import QLDBWire

/// A control-plane error as QLDB's REST JSON protocol sends it (PROTOCOL.md §2.4):
/// `x-amzn-ErrorType: <code>` and `{"Message", "ResourceType", "ResourceName"}`
/// (`ParameterName` for InvalidParameterException).
public struct ControlPlaneError: Error, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var resourceType: String?
    public var resourceName: String?
    public var parameterName: String?

    public init(code: String, message: String, resourceType: String? = nil, resourceName: String? = nil,
                parameterName: String? = nil) {
        self.code = code
        self.message = message
        self.resourceType = resourceType
        self.resourceName = resourceName
        self.parameterName = parameterName
    }

    public var description: String { "\(code): \(message)" }

    /// HTTP status per the model's `error.httpStatusCode`.
    public var status: Int { ControlPlaneError.status(of: code) }

    public static func status(of code: String) -> Int {
        switch code {
        case "InvalidParameterException", "LimitExceededException", "OccConflictException": return 400
        case "ResourceNotFoundException", "UnknownOperationException": return 404
        case "ResourceAlreadyExistsException", "ResourceInUseException": return 409
        case "ResourcePreconditionNotMetException": return 412
        case "CapacityExceededException": return 503
        default: return 500
        }
    }

    public var response: HTTPResponse {
        var body: [(String, JSONValue)] = [("Message", .string(message))]
        if let resourceType { body.append(("ResourceType", .string(resourceType))) }
        if let resourceName { body.append(("ResourceName", .string(resourceName))) }
        if let parameterName { body.append(("ParameterName", .string(parameterName))) }
        var headers = HTTPHeaders()
        headers.add("x-amzn-ErrorType", code)
        headers.add("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: JSONValue.object(body).bytes)
    }

    /// A command the state machine refused, about `resource`: the one place
    /// an `ApplyRejection` becomes a control-plane error.
    init(_ rejection: ApplyRejection, resource: (type: String, name: String)) {
        let code: String
        switch rejection {
        case .invalidParameter: code = "InvalidParameterException"
        case .limitExceeded: code = "LimitExceededException"
        case .notFound: code = "ResourceNotFoundException"
        case .preconditionNotMet: code = "ResourcePreconditionNotMetException"
        case .inUse: code = "ResourceInUseException"
        case .alreadyExists: code = "ResourceAlreadyExistsException"
        case .occConflict: code = "OccConflictException"
        case .diverged, .storageFailed: code = "InternalFailure"
        }
        switch rejection {
        case .invalidParameter: self.init(code: code, message: rejection.message)
        case .limitExceeded: self.init(code: code, message: rejection.message, resourceType: resource.type)
        default: self.init(code: code, message: rejection.message, resourceType: resource.type, resourceName: resource.name)
        }
    }

    // MARK: - Common errors

    static func invalid(_ message: String, parameter: String? = nil) -> ControlPlaneError {
        ControlPlaneError(code: "InvalidParameterException", message: message, parameterName: parameter)
    }

    static func ledgerNotFound(_ name: String) -> ControlPlaneError {
        ControlPlaneError(code: "ResourceNotFoundException", message: "Ledger \(name) does not exist",
                          resourceType: "LEDGER", resourceName: name)
    }

    static func notFound(_ type: String, _ name: String, _ message: String) -> ControlPlaneError {
        ControlPlaneError(code: "ResourceNotFoundException", message: message, resourceType: type, resourceName: name)
    }

    static func precondition(_ type: String, _ name: String, _ message: String) -> ControlPlaneError {
        ControlPlaneError(code: "ResourcePreconditionNotMetException", message: message, resourceType: type, resourceName: name)
    }

    static func inUse(_ type: String, _ name: String, _ message: String) -> ControlPlaneError {
        ControlPlaneError(code: "ResourceInUseException", message: message, resourceType: type, resourceName: name)
    }
}

/// An error as an AWS client sees it (PROTOCOL.md §1.4, §2.4): the code that
/// goes in `__type` and `x-amzn-ErrorType`, the `Message`, the HTTP status.
///
/// Session errors, authentication errors and backend errors all use this one
/// type, so a backend can throw e.g. `.occConflict(...)` and the client gets
/// exactly that code.
public struct ServiceError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var status: Int

    public init(code: String, message: String, status: Int = 400) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { "\(code) (\(status)): \(message)" }

    // MARK: Session API (`qldb-session`), all 400 unless noted.

    public static func badRequest(_ message: String) -> ServiceError {
        ServiceError(code: "BadRequestException", message: message)
    }
    public static func invalidSession(_ message: String) -> ServiceError {
        ServiceError(code: "InvalidSessionException", message: message)
    }
    public static func occConflict(_ message: String) -> ServiceError {
        ServiceError(code: "OccConflictException", message: message)
    }
    public static func rateExceeded(_ message: String = "Rate exceeded") -> ServiceError {
        ServiceError(code: "RateExceededException", message: message)
    }
    public static func limitExceeded(_ message: String) -> ServiceError {
        ServiceError(code: "LimitExceededException", message: message)
    }
    /// 503, so that drivers retry it with backoff (PROTOCOL.md §1.4).
    public static func capacityExceeded(_ message: String = "Capacity exceeded") -> ServiceError {
        ServiceError(code: "CapacityExceededException", message: message, status: 503)
    }
    /// 500: drivers abort and retry the transaction.
    public static func internalFailure(_ message: String) -> ServiceError {
        ServiceError(code: "InternalFailure", message: message, status: 500)
    }

    // MARK: Authentication (SigV4), all 403.

    public static func missingAuthenticationToken(
        _ message: String = "Request is missing Authentication Token") -> ServiceError {
        ServiceError(code: "MissingAuthenticationTokenException", message: message, status: 403)
    }
    public static func incompleteSignature(_ message: String) -> ServiceError {
        ServiceError(code: "IncompleteSignatureException", message: message, status: 403)
    }
    public static func unrecognizedClient(
        _ message: String = "The security token included in the request is invalid.") -> ServiceError {
        ServiceError(code: "UnrecognizedClientException", message: message, status: 403)
    }
    public static func invalidSignature(_ message: String) -> ServiceError {
        ServiceError(code: "InvalidSignatureException", message: message, status: 403)
    }
    /// The outcomes metrics count by name.
    public var isOCCConflict: Bool { code == Self.occConflict("").code }
    public var isRateExceeded: Bool { code == Self.rateExceeded().code }

    public static let signatureMismatchMessage =
        "The request signature we calculated does not match the signature you provided. "
        + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
}

/// A transport-independent HTTP response: what the HTTP layer should send.
public struct ProtocolResponse: Sendable {
    public var status: Int
    /// Header fields in order; names as they should be written.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Content types of the two APIs.
public enum AWSContentType {
    /// `qldb-session` (AWS JSON 1.0).
    public static let json10 = "application/x-amz-json-1.0"
    /// `qldb` control plane (restJson1).
    public static let restJSON = "application/json"
}

extension ServiceError {
    /// The error response of PROTOCOL.md §1.4: `{"__type": …, "Message": …}`
    /// with `x-amzn-RequestId` and `x-amzn-ErrorType`. botocore's JSON-1.0
    /// parser reads `__type`; its rest-json parser reads the header first, so
    /// the same response serves both APIs (pass `AWSContentType.restJSON` for
    /// the control plane).
    public func response(requestID: String, contentType: String = AWSContentType.json10) -> ProtocolResponse {
        let body = JSONValue.object([
            ("__type", .string(code)),
            ("Message", .string(message)),
        ]).text
        return ProtocolResponse(status: status, headers: [
            (name: "Content-Type", value: contentType),
            (name: "x-amzn-RequestId", value: requestID),
            (name: "x-amzn-ErrorType", value: code),
        ], body: Array(body.utf8))
    }
}

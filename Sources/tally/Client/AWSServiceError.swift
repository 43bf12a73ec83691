import Foundation
import Net
import QLDBWire

/// An error answer from Tally (or any AWS-shaped service): the code from
/// `__type` (the part after `#`) or `x-amzn-ErrorType` (before `:`), and the
/// message, as botocore reads them.
struct AWSServiceError: Error, CustomStringConvertible {
    var status: Int
    var type: String
    var message: String

    var description: String { "\(type): \(message)" }

    init(status: Int, type: String, message: String) {
        self.status = status
        self.type = type
        self.message = message
    }

    init(response: HTTPResponse) {
        status = response.status
        let json = try? JSONValue.parse(response.bodyBytes)
        var code = json?["__type"]?.stringValue ?? json?["code"]?.stringValue ?? json?["Code"]?.stringValue
            ?? response.headers["x-amzn-ErrorType"] ?? "HTTP \(response.status)"
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        type = code
        message = json?["Message"]?.stringValue ?? json?["message"]?.stringValue
            ?? (response.bodyText.isEmpty ? HTTPResponse.reason(response.status) : response.bodyText)
    }

    /// What the QLDB drivers retry: OCC conflicts and 500/503.
    var isRetryable: Bool {
        type == "OccConflictException" || status == 500 || status == 503
    }

    /// `Transaction <id> has expired` — never retried by the drivers.
    var isTransactionExpiry: Bool {
        type == "InvalidSessionException" && message.range(of: "Transaction .* has expired", options: .regularExpression) != nil
    }

    /// The session is gone (expired, unknown): start a new one and retry.
    var isInvalidSession: Bool { type == "InvalidSessionException" && !isTransactionExpiry }
}

extension JSONValue {
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var doubleValue: Double? {
        if case .number(let n) = self { return Double(n) }
        return nil
    }

    var intValue: Int? {
        if case .number(let n) = self { return Int(n) ?? Double(n).map { Int($0) } }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The `IonText` of a control-plane value holder.
    var ionText: String? { self["IonText"]?.stringValue }
}

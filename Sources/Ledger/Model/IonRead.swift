import Ion

/// A journal record, proposal or payload that does not have the expected shape.
public struct LedgerDecodingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "malformed ledger data: \(message)" }
}

/// Typed access to Ion values for the ledger's own records (kept internal so
/// they never clash with helpers other modules may add to `IonValue`).
enum IonRead {
    static func field(_ value: IonValue, _ name: String) throws -> IonValue {
        guard let field = value[field: name] else { throw LedgerDecodingError("missing field '\(name)'") }
        return field
    }

    static func string(_ value: IonValue, _ name: String) throws -> String {
        guard case .string(let s) = try field(value, name).content else { throw LedgerDecodingError("'\(name)' is not a string") }
        return s
    }

    static func int(_ value: IonValue, _ name: String) throws -> Int {
        guard case .int(let i) = try field(value, name).content, case .small(let v) = i, let n = Int(exactly: v) else {
            throw LedgerDecodingError("'\(name)' is not a small int")
        }
        return n
    }

    static func int64(_ value: IonValue, _ name: String) throws -> Int64 {
        guard case .int(let i) = try field(value, name).content, case .small(let v) = i else {
            throw LedgerDecodingError("'\(name)' is not a small int")
        }
        return v
    }

    static func blob(_ value: IonValue, _ name: String) throws -> [UInt8] {
        try blob(field(value, name), name: name)
    }

    static func blob(_ value: IonValue, name: String = "value") throws -> [UInt8] {
        guard case .blob(let b) = value.content else { throw LedgerDecodingError("'\(name)' is not a blob") }
        return b
    }

    static func timestamp(_ value: IonValue, _ name: String) throws -> IonTimestamp {
        guard case .timestamp(let t) = try field(value, name).content else { throw LedgerDecodingError("'\(name)' is not a timestamp") }
        return t
    }

    /// A millisecond UTC timestamp exactly as the ledger writes it; any other
    /// rendering of the same instant (offset, precision) is rejected, since it
    /// would hash differently.
    static func milliseconds(_ value: IonValue, _ name: String) throws -> Int64 {
        let ts = try timestamp(value, name)
        let ms = LedgerTime.milliseconds(of: ts)
        guard LedgerTime.timestamp(milliseconds: ms) == ts else { throw LedgerDecodingError("'\(name)' is not a millisecond UTC timestamp") }
        return ms
    }

    static func list(_ value: IonValue, _ name: String) throws -> [IonValue] {
        guard case .list(let l) = try field(value, name).content else { throw LedgerDecodingError("'\(name)' is not a list") }
        return l
    }

    static func fields(_ value: IonValue, name: String = "value") throws -> [IonField] {
        guard case .struct(let f) = value.content else { throw LedgerDecodingError("'\(name)' is not a struct") }
        return f
    }

    static func timestampValue(ms: Int64) -> IonValue { IonValue(.timestamp(LedgerTime.timestamp(milliseconds: ms))) }

    static func ints(_ values: [Int]) -> IonValue { .list(values.map { .int($0) }) }
}

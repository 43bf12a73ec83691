import Ion

/// A command, reply or registry record that does not have the expected shape.
public struct NodeCodingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "malformed node record: \(message)" }
}

/// Typed field access for the node's own Ion records (commands, replies,
/// `ledgers.ion`). Input is never trusted: every mismatch is an error.
public struct NodeRecordReader {
    public let value: IonValue

    public init(_ value: IonValue) throws {
        guard case .struct = value.content else { throw NodeCodingError("expected a struct, found \(value.type)") }
        self.value = value
    }

    public func field(_ name: String) throws -> IonValue {
        guard let v = value[field: name] else { throw NodeCodingError("missing field '\(name)'") }
        return v
    }

    public func has(_ name: String) -> Bool {
        guard let v = value[field: name] else { return false }
        return !v.isNull
    }

    public func string(_ name: String) throws -> String {
        guard case .string(let s) = try field(name).content else { throw NodeCodingError("'\(name)' is not a string") }
        return s
    }

    public func optionalString(_ name: String) throws -> String? { has(name) ? try string(name) : nil }

    public func int64(_ name: String) throws -> Int64 {
        guard case .int(.small(let v)) = try field(name).content else { throw NodeCodingError("'\(name)' is not a small int") }
        return v
    }

    public func optionalInt64(_ name: String) throws -> Int64? { has(name) ? try int64(name) : nil }

    public func int(_ name: String) throws -> Int {
        guard let v = Int(exactly: try int64(name)) else { throw NodeCodingError("'\(name)' is out of range") }
        return v
    }

    public func optionalInt(_ name: String) throws -> Int? { has(name) ? try int(name) : nil }

    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let b) = try field(name).content else { throw NodeCodingError("'\(name)' is not a bool") }
        return b
    }

    public func optionalBool(_ name: String) throws -> Bool? { has(name) ? try bool(name) : nil }

    public func blob(_ name: String) throws -> [UInt8] {
        guard case .blob(let b) = try field(name).content else { throw NodeCodingError("'\(name)' is not a blob") }
        return b
    }

    public func optionalBlob(_ name: String) throws -> [UInt8]? { has(name) ? try blob(name) : nil }

    public func list(_ name: String) throws -> [IonValue] {
        guard case .list(let l) = try field(name).content else { throw NodeCodingError("'\(name)' is not a list") }
        return l
    }

    public func strings(_ name: String) throws -> [String] {
        try list(name).map {
            guard case .string(let s) = $0.content else { throw NodeCodingError("'\(name)' holds a non-string") }
            return s
        }
    }
}

/// Builds a struct with optional members left out (deterministic field order).
public struct NodeRecordBuilder {
    public private(set) var fields: [(String, IonValue)] = []

    public init() {}

    public mutating func add(_ name: String, _ value: IonValue) { fields.append((name, value)) }
    public mutating func add(_ name: String, _ value: String) { fields.append((name, .string(value))) }
    public mutating func add(_ name: String, _ value: Int64) { fields.append((name, IonValue(.int(.small(value))))) }
    public mutating func add(_ name: String, _ value: Int) { fields.append((name, .int(value))) }
    public mutating func add(_ name: String, _ value: Bool) { fields.append((name, .bool(value))) }
    public mutating func add(_ name: String, blob: [UInt8]) { fields.append((name, .blob(blob))) }
    public mutating func add(_ name: String, strings: [String]) { fields.append((name, .list(strings.map { .string($0) }))) }

    public mutating func addOptional(_ name: String, _ value: String?) { if let value { add(name, value) } }
    public mutating func addOptional(_ name: String, _ value: Int64?) { if let value { add(name, value) } }
    public mutating func addOptional(_ name: String, _ value: Int?) { if let value { add(name, value) } }
    public mutating func addOptional(_ name: String, _ value: Bool?) { if let value { add(name, value) } }
    public mutating func addOptional(_ name: String, blob: [UInt8]?) { if let blob { add(name, blob: blob) } }

    public var value: IonValue { .struct(fields) }
}

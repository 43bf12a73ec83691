import Ion

/// A PartiQL value: the Ion data model plus MISSING and bags.
public indirect enum Value: Sendable {
    case missing
    case null(IonType)
    case bool(Bool)
    case int(IonInt)
    case float(Double)
    case decimal(IonDecimal)
    case timestamp(IonTimestamp)
    case symbol(String)
    case string(String)
    case clob([UInt8])
    case blob([UInt8])
    case list([Value])
    case sexp([Value])
    case bag([Value])
    case `struct`([Field])
    /// A value carrying Ion annotations. Kept so documents round-trip
    /// unchanged; operators and functions see `unannotated` (the evaluator's
    /// `eval` strips the top level, pass-through contexts keep it).
    case annotated([String], Value)

    public struct Field: Sendable {
        public var name: String
        public var value: Value
        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    public static let nullValue = Value.null(.null)

    /// The value without its top-level annotations.
    public var unannotated: Value {
        if case .annotated(_, let inner) = self { return inner }
        return self
    }

    public var isMissing: Bool {
        if case .annotated(_, let inner) = self { return inner.isMissing }
        if case .missing = self { return true }
        return false
    }

    /// NULL of any type (not MISSING).
    public var isNull: Bool {
        if case .annotated(_, let inner) = self { return inner.isNull }
        if case .null = self { return true }
        return false
    }

    public var isAbsent: Bool {
        switch self.unannotated {
        case .missing, .null: return true
        default: return false
        }
    }

    public var isNumber: Bool {
        switch self.unannotated {
        case .int, .float, .decimal: return true
        default: return false
        }
    }

    /// The elements of a list, sexp or bag.
    public var elements: [Value]? {
        switch self.unannotated {
        case .list(let v), .sexp(let v), .bag(let v): return v
        default: return nil
        }
    }

    public var text: String? {
        switch self.unannotated {
        case .string(let s), .symbol(let s): return s
        default: return nil
        }
    }

    /// The first field named `name` of a struct (exact match).
    public func field(_ name: String) -> Value? {
        guard case .struct(let fields) = self.unannotated else { return nil }
        for f in fields where f.name == name { return f.value }
        return nil
    }

    /// Case-insensitive field lookup (first exact match wins).
    public func fieldIgnoringCase(_ name: String) -> Value? {
        guard case .struct(let fields) = self.unannotated else { return nil }
        for f in fields where f.name == name { return f.value }
        let lower = name.lowercased()
        for f in fields where f.name.lowercased() == lower { return f.value }
        return nil
    }

    /// A short type name for error messages.
    public var typeName: String {
        switch self {
        case .annotated(_, let inner): return inner.typeName
        case .missing: return "MISSING"
        case .null(let t): return t == .null ? "NULL" : "null.\(t)"
        case .bool: return "BOOL"
        case .int: return "INT"
        case .float: return "FLOAT"
        case .decimal: return "DECIMAL"
        case .timestamp: return "TIMESTAMP"
        case .symbol: return "SYMBOL"
        case .string: return "STRING"
        case .clob: return "CLOB"
        case .blob: return "BLOB"
        case .list: return "LIST"
        case .sexp: return "SEXP"
        case .bag: return "BAG"
        case .struct: return "STRUCT"
        }
    }

    public static func str(_ s: String) -> Value { .string(s) }
    public static func integer(_ i: Int) -> Value { .int(IonInt(i)) }
    public static func tuple(_ pairs: [(String, Value)]) -> Value { .struct(pairs.map { Field($0.0, $0.1) }) }
}

// MARK: - Ion conversion

extension Value {
    /// Converts Ion to a PartiQL value, keeping annotations (`.annotated`).
    /// With `conventions` (the test data's), `$bag::[…]` is a bag,
    /// `$missing::null` is MISSING and other annotations are dropped.
    public init(ion: IonValue, conventions: Bool = false) {
        if conventions, let first = ion.annotations.first?.text {
            if first == "$missing" { self = .missing; return }
            if first == "$bag", case .list(let items) = ion.content {
                self = .bag(items.map { Value(ion: $0, conventions: true) })
                return
            }
        }
        if !conventions, !ion.annotations.isEmpty {
            var bare = ion
            bare.annotations = []
            self = .annotated(ion.annotations.map { $0.text ?? "$0" }, Value(ion: bare))
            return
        }
        switch ion.content {
        case .null(let t): self = .null(t)
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .float(let d): self = .float(d)
        case .decimal(let d): self = .decimal(d)
        case .timestamp(let t): self = .timestamp(t)
        case .symbol(let s): self = .symbol(s.text ?? "$\(s.sid ?? 0)")
        case .string(let s): self = .string(s)
        case .clob(let b): self = .clob(b)
        case .blob(let b): self = .blob(b)
        case .list(let items): self = .list(items.map { Value(ion: $0, conventions: conventions) })
        case .sexp(let items): self = .sexp(items.map { Value(ion: $0, conventions: conventions) })
        case .struct(let fields):
            self = .struct(fields.map { Field($0.name.text ?? "$\($0.name.sid ?? 0)", Value(ion: $0.value, conventions: conventions)) })
        }
    }

    /// Converts to Ion. A bag becomes a list; MISSING becomes `null`
    /// (callers drop MISSING where PartiQL says it disappears).
    /// With `conventions`, bags and MISSING get `$bag` / `$missing` annotations.
    public func toIon(conventions: Bool = false) -> IonValue {
        switch self {
        case .annotated(let annotations, let inner):
            var value = inner.toIon(conventions: conventions)
            value.annotations = annotations.map { IonSymbol($0) } + value.annotations
            return value
        case .missing: return conventions ? IonValue(.null(.null), annotations: ["$missing"]) : .null
        case .null(let t): return IonValue(.null(t))
        case .bool(let b): return IonValue(.bool(b))
        case .int(let i): return IonValue(.int(i))
        case .float(let d): return IonValue(.float(d))
        case .decimal(let d): return IonValue(.decimal(d))
        case .timestamp(let t): return IonValue(.timestamp(t))
        case .symbol(let s): return IonValue(.symbol(IonSymbol(s)))
        case .string(let s): return IonValue(.string(s))
        case .clob(let b): return IonValue(.clob(b))
        case .blob(let b): return IonValue(.blob(b))
        case .list(let items): return IonValue(.list(items.map { $0.toIon(conventions: conventions) }))
        case .sexp(let items): return IonValue(.sexp(items.map { $0.toIon(conventions: conventions) }))
        case .bag(let items):
            return IonValue(.list(items.map { $0.toIon(conventions: conventions) }), annotations: conventions ? ["$bag"] : [])
        case .struct(let fields):
            return IonValue(.struct(fields.compactMap { f in
                if f.value.isMissing && !conventions { return nil }
                return IonField(IonSymbol(f.name), f.value.toIon(conventions: conventions))
            }))
        }
    }
}

/// One Ion value: its annotations and its content.
///
/// `==` is structural (field order matters, as written); use
/// `isEquivalent(to:)` for equality under the Ion data model.
public struct IonValue: Hashable, Sendable {
    public var annotations: [IonSymbol]
    public var content: IonContent

    public init(_ content: IonContent, annotations: [IonSymbol] = []) {
        self.content = content
        self.annotations = annotations
    }

    public var type: IonType { content.type }
    public var isNull: Bool {
        if case .null = content { return true }
        return false
    }
}

public struct IonField: Hashable, Sendable {
    public var name: IonSymbol
    public var value: IonValue

    public init(_ name: IonSymbol, _ value: IonValue) {
        self.name = name
        self.value = value
    }
}

public enum IonContent: Hashable, Sendable {
    /// A null of the given type; `.null(.null)` is plain `null`.
    case null(IonType)
    case bool(Bool)
    case int(IonInt)
    case float(Double)
    case decimal(IonDecimal)
    /// Boxed: a timestamp is several times the size of every other case, and
    /// an inline one would make every value (and every array of values) that large.
    indirect case timestamp(IonTimestamp)
    case symbol(IonSymbol)
    case string(String)
    case clob([UInt8])
    case blob([UInt8])
    case list([IonValue])
    case sexp([IonValue])
    /// Fields in the order read; duplicate names are allowed.
    case `struct`([IonField])

    public var type: IonType {
        switch self {
        case .null(let t): return t
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        case .decimal: return .decimal
        case .timestamp: return .timestamp
        case .symbol: return .symbol
        case .string: return .string
        case .clob: return .clob
        case .blob: return .blob
        case .list: return .list
        case .sexp: return .sexp
        case .struct: return .struct
        }
    }
}

extension IonValue {
    public static let null = IonValue(.null(.null))
    public static func bool(_ v: Bool) -> IonValue { IonValue(.bool(v)) }
    public static func int(_ v: Int) -> IonValue { IonValue(.int(IonInt(v))) }
    public static func string(_ v: String) -> IonValue { IonValue(.string(v)) }
    public static func symbol(_ v: String) -> IonValue { IonValue(.symbol(IonSymbol(v))) }
    public static func blob(_ v: [UInt8]) -> IonValue { IonValue(.blob(v)) }
    public static func list(_ v: [IonValue]) -> IonValue { IonValue(.list(v)) }
    public static func `struct`(_ fields: consuming [(String, IonValue)]) -> IonValue {
        // Moves each pair out of the (uniquely held) array: `map` would copy
        // every value, a retain and release per field of every value built.
        var pairs = fields
        var out: [IonField] = []
        out.reserveCapacity(pairs.count)
        while let (name, value) = pairs.popLast() { out.append(IonField(IonSymbol(name), value)) }
        out.reverse()
        return IonValue(.struct(out))
    }

    /// The first field with this name, if this is a non-null struct.
    public subscript(field name: String) -> IonValue? {
        guard case .struct(let fields) = content else { return nil }
        return fields.first(where: { $0.name.text == name })?.value
    }
}

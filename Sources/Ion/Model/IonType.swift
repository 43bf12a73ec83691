/// The thirteen Ion 1.0 types, numbered by their binary type code
/// (negative ints share code 3 with positive ints' 2 and are `.int` here).
public enum IonType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case null = 0
    case bool = 1
    case int = 2
    case float = 4
    case decimal = 5
    case timestamp = 6
    case symbol = 7
    case string = 8
    case clob = 9
    case blob = 10
    case list = 11
    case sexp = 12
    case `struct` = 13

    /// The name Ion text uses after `null.`.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .decimal: return "decimal"
        case .timestamp: return "timestamp"
        case .symbol: return "symbol"
        case .string: return "string"
        case .clob: return "clob"
        case .blob: return "blob"
        case .list: return "list"
        case .sexp: return "sexp"
        case .struct: return "struct"
        }
    }

    public init?(nullName: String) {
        guard let type = IonType.allCases.first(where: { $0.description == nullName }) else { return nil }
        self = type
    }
}

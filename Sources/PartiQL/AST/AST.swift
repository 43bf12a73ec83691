/// Expressions. Built only by the parser, which bounds their height.
public indirect enum Expr: Sendable {
    case literal(Value)
    case parameter(Int)
    /// A name; `caseSensitive` when it was "quoted"; `local` when written `@name`.
    case variable(String, caseSensitive: Bool, local: Bool)
    case path(Expr, [PathStep])
    case unary(UnaryOp, Expr)
    case binary(BinaryOp, Expr, Expr)
    case between(Expr, Expr, Expr, negated: Bool)
    case inCollection(Expr, Expr, negated: Bool)
    case like(Expr, Expr, escape: Expr?, negated: Bool)
    case isType(Expr, TypeTest, negated: Bool)
    case call(String, [Expr], SourcePosition)
    /// `COUNT(*)` has a nil argument.
    case aggregate(AggregateKind, Expr?, distinct: Bool)
    case caseWhen(Expr?, [(Expr, Expr)], Expr?)
    case cast(Expr, TypeName, CastKind)
    case list([Expr])
    case sexp([Expr])
    case bag([Expr])
    case tuple([(Expr, Expr)])
    case select(SelectQuery)
}

public enum CastKind: Sendable { case cast, canCast, canLosslessCast }

public enum PathStep: Sendable {
    case field(String, caseSensitive: Bool)
    case index(Expr)
    case wildcard
    case unpivot
}

public enum UnaryOp: String, Sendable { case neg = "-", pos = "+", not = "NOT" }

public enum BinaryOp: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", concat = "||"
    case eq = "=", ne = "<>", lt = "<", le = "<=", gt = ">", ge = ">="
    case and = "AND", or = "OR"
}

public enum AggregateKind: String, Sendable { case count = "COUNT", sum = "SUM", avg = "AVG", min = "MIN", max = "MAX" }

/// `IS [NOT] NULL | MISSING | <type>`.
public enum TypeTest: Sendable {
    case null, missing
    case type(TypeName)
}

/// Type names usable in CAST and IS.
public enum TypeName: String, Sendable {
    case null = "NULL", missing = "MISSING", bool = "BOOL", int = "INT", float = "FLOAT", decimal = "DECIMAL"
    case timestamp = "TIMESTAMP", symbol = "SYMBOL", string = "STRING", clob = "CLOB", blob = "BLOB"
    case list = "LIST", sexp = "SEXP", bag = "BAG", `struct` = "STRUCT", any = "ANY"
    case smallint = "SMALLINT", int4 = "INT4", int8 = "INT8", varchar = "VARCHAR", char = "CHAR"
    case real = "REAL", doublePrecision = "DOUBLE PRECISION", numeric = "NUMERIC"
}

public struct SelectQuery: Sendable {
    public enum Projection: Sendable {
        case star
        case value(Expr)
        case items([ProjectionItem])
    }

    public enum ProjectionItem: Sendable {
        case expr(Expr, alias: String?)
        /// `x.*`
        case all(Expr)
    }

    public var distinct = false
    public var projection: Projection = .star
    public var from: FromItem?
    public var whereClause: Expr?
    public var groupBy: [(Expr, String?)] = []
    public var groupAs: String?
    public var having: Expr?
    public var orderBy: [OrderItem] = []
    public var limit: Expr?
    public var offset: Expr?
    public var position: SourcePosition
}

public struct OrderItem: Sendable {
    public var expr: Expr
    public var descending: Bool
    public var nullsFirst: Bool?
}

public indirect enum FromItem: Sendable {
    case source(FromSource)
    /// Inner (comma, CROSS or INNER) join; `on` may be nil.
    case join(FromItem, FromItem, on: Expr?)
}

public struct FromSource: Sendable {
    public var expr: Expr
    public var asAlias: String?
    public var atAlias: String?
    public var byAlias: String?
    /// `UNPIVOT expr`.
    public var unpivot = false
}

/// A DML target: `t [AS a] [BY id]`.
public struct DMLTarget: Sendable {
    public var table: String
    public var alias: String?
    public var byAlias: String?
}

public enum DMLOperation: Sendable {
    case set(Expr, Expr)
    case remove(Expr)
    case insertInto(Expr, value: Expr, at: Expr?)
}

public indirect enum Statement: Sendable {
    case query(Expr)
    case createTable(String, tags: [(String, String)])
    case dropTable(String)
    case undropTable(String)
    case createIndex(table: String, field: String)
    case dropIndex(indexID: String, table: String, purge: Bool)
    case insert(table: String, value: Expr)
    case update(DMLTarget, [DMLOperation], whereClause: Expr?)
    case delete(DMLTarget, whereClause: Expr?)
    case fromDML(DMLTarget, whereClause: Expr?, [DMLOperation])
    case exec(String, [Expr])
    case explain(Statement)
}

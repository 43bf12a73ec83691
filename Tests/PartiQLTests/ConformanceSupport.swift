import Foundation
import Ion
@testable import PartiQL

/// Locates the conformance data in the repository's `Tests/Fixtures`.
enum SharedData {
    static var root: URL {
        // …/Tests/<Target>/<File>.swift → Tests/Fixtures (the data ships with the repository)
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    static func ionFiles(under folder: String) -> [URL] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var out: [URL] = []
        for case let url as URL in walker where url.pathExtension == "ion" { out.append(url) }
        return out.sorted { $0.path < $1.path }
    }
}

/// Why a conformance case is outside Tally's dialect. A short, fixed list.
enum SkipReason: String, CaseIterable {
    case sqlDatetime = "SQL DATE/TIME/TIMESTAMP/INTERVAL types (Tally has Ion timestamps only)"
    case pivot = "PIVOT/UNPIVOT"
    case outerJoin = "outer joins (QLDB has inner joins only)"
    case setOps = "set operations (UNION/INTERSECT/EXCEPT)"
    case otherFunction = "functions outside the QLDB function list"
    case lateralLet = "LET / LATERAL / window clauses"

    static func classify(statement: String, rawCase: String) -> SkipReason? {
        let s = statement.uppercased()
        func has(_ pattern: String) -> Bool { s.range(of: pattern, options: .regularExpression) != nil }
        if has("\\b(DATE|TIME|TIMESTAMP|INTERVAL)\\s+'") || has("\\bTIME\\s+(WITH\\b|\\()") || has("\\bCURRENT_(DATE|TIME)")
            || rawCase.contains("$date::") || rawCase.contains("$time::") || rawCase.contains("$timestamp::")
            || rawCase.contains("$interval") || has("CAST\\(.* AS (DATE|TIME)\\b") || has("\\bAS (DATE|TIME)\\b") || has("\\bIS (NOT )?(DATE|TIME)\\b") {
            return .sqlDatetime
        }
        if has("\\bPIVOT\\b") || has("\\bUNPIVOT\\b") { return .pivot }
        if has("\\b(LEFT|RIGHT|FULL)\\b(\\s+OUTER|\\s+CROSS)?\\s+JOIN") || has("\\bOUTER\\s+JOIN") { return .outerJoin }
        if has("\\b(UNION|INTERSECT|EXCEPT)\\b") || has("\\bOUTER\\s+(UNION|INTERSECT|EXCEPT)") { return .setOps }
        if has("\\b(ABS|MOD|POSITION|OVERLAY|BIT_LENGTH|OCTET_LENGTH|CARDINALITY|TEXT_REPLACE|FILTER_DISTINCT|MAKE_DATE|MAKE_TIME|UNIX_TIMESTAMP|FROM_UNIXTIME|SIN|COS|LN|EXP|POW|SQRT|CEIL|FLOOR|ROUND|DATE_TRUNC|EVERY|ANY|SOME)\\s*\\(") {
            return .otherFunction
        }
        if has("\\bLET\\b") || has("\\bLATERAL\\b") || has("\\bOVER\\s*\\(") { return .lateralLet }
        return nil
    }
}

/// Equality for comparing results with expected outputs: bags unordered,
/// structs unordered, decimals by value, nulls of any type equal.
enum ResultEquality {
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.missing, .missing), (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)): return (x.isNaN && y.isNaN) || x == y
        case (.decimal(let x), .decimal(let y)): return Dec(x).compare(Dec(y)) == 0 && x.isNegativeZero == y.isNegativeZero || Dec(x).compare(Dec(y)) == 0
        case (.timestamp(let x), .timestamp(let y)): return x.isEquivalent(to: y)
        case (.string(let x), .string(let y)), (.symbol(let x), .symbol(let y)): return x == y
        case (.clob(let x), .clob(let y)), (.blob(let x), .blob(let y)): return x == y
        case (.list(let x), .list(let y)), (.sexp(let x), .sexp(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.bag(let x), .bag(let y)): return multiset(x, y)
        case (.struct(let x), .struct(let y)):
            return multiset(x.map { .list([.string($0.name), $0.value]) }, y.map { .list([.string($0.name), $0.value]) })
        default: return false
        }
    }

    static func multiset(_ x: [Value], _ y: [Value]) -> Bool {
        guard x.count == y.count else { return false }
        var rest = y
        for v in x {
            guard let i = rest.firstIndex(where: { equal(v, $0) }) else { return false }
            rest.remove(at: i)
        }
        return true
    }
}

import Ion

/// Aligned text tables, and query results as tables.
enum TableFormatter {
    /// Header, a rule, then rows; columns padded to their widest cell.
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: " | ")
        }
        var out = line(header) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-") + "\n"
        for row in rows { out += line(row + Array(repeating: "", count: max(0, header.count - row.count))) + "\n" }
        return out
    }

    /// Structs become rows with one column per field name (in order of first
    /// appearance); other values go in a `_value` column. Cells are compact Ion text.
    static func render(values: [IonValue]) -> String {
        var columns: [String] = []
        var seen = Set<String>()
        var hasScalars = false
        for v in values {
            if case .struct(let fields) = v.content, v.annotations.isEmpty {
                for f in fields where !seen.contains(f.name.text ?? "") {
                    seen.insert(f.name.text ?? "")
                    columns.append(f.name.text ?? "")
                }
            } else {
                hasScalars = true
            }
        }
        if hasScalars { columns.append("_value") }
        if columns.isEmpty { return "" }
        let rows: [[String]] = values.map { v in
            if case .struct(let fields) = v.content, v.annotations.isEmpty {
                return columns.map { name in
                    fields.first { ($0.name.text ?? "") == name }.map { cell($0.value) } ?? ""
                }
            }
            return columns.map { $0 == "_value" ? cell(v) : "" }
        }
        return render(header: columns, rows: rows)
    }

    static func cell(_ v: IonValue) -> String {
        if case .string(let s) = v.content, v.annotations.isEmpty { return s }
        return Ion.writeText([v])
    }
}

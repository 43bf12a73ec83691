/// String functions (code points, as PartiQL counts them).
enum Strings {
    static func lower(_ s: String) -> String { s.lowercased() }
    static func upper(_ s: String) -> String { s.uppercased() }

    static func substring(_ vs: [Value], _ ctx: EvalContext) throws -> Value {
        if vs.contains(where: { $0.isMissing }) { return .missing }
        if vs.contains(where: { $0.isNull }) { return .nullValue }
        guard let s = vs[0].text else { return try ctx.typeError("SUBSTRING requires a string, found \(vs[0].typeName)") }
        guard case .int(let startI) = vs[1], let start = startI.int64 else {
            return try ctx.typeError("SUBSTRING start position must be an integer")
        }
        let scalars = Array(s.unicodeScalars)
        var end = Int64(scalars.count) + 1
        if vs.count == 3 {
            guard case .int(let lenI) = vs[2], let len = lenI.int64 else {
                return try ctx.typeError("SUBSTRING length must be an integer")
            }
            if len < 0 { throw PartiQLError.eval("SUBSTRING length must not be negative") }
            let (e, overflow) = start.addingReportingOverflow(len)
            end = overflow ? Int64.max : min(e, end)
        }
        let from = max(start, 1)
        if from >= end { return .string("") }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[Int(from - 1)..<Int(end - 1)])
        return .string(String(out))
    }

    static func trim(_ vs: [Value], _ ctx: EvalContext) throws -> Value {
        var spec = "both"
        var chars: Set<Unicode.Scalar> = [" "]
        var target = vs[0]
        switch vs.count {
        case 1: break
        case 2:
            spec = vs[0].text ?? "both"
            target = vs[1]
        default:
            spec = vs[0].text ?? "both"
            if vs[1].isMissing || vs[2].isMissing { return .missing }
            if vs[1].isNull { return .nullValue }
            guard let c = vs[1].text else { return try ctx.typeError("TRIM characters must be a string") }
            chars = Set(c.unicodeScalars)
            target = vs[2]
        }
        if target.isMissing { return .missing }
        if target.isNull { return .nullValue }
        guard let s = target.text else { return try ctx.typeError("TRIM requires a string, found \(target.typeName)") }
        var scalars = Array(s.unicodeScalars)[...]
        if spec == "both" || spec == "leading" {
            while let f = scalars.first, chars.contains(f) { scalars = scalars.dropFirst() }
        }
        if spec == "both" || spec == "trailing" {
            while let l = scalars.last, chars.contains(l) { scalars = scalars.dropLast() }
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return .string(String(out))
    }
}

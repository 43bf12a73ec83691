/// Reads an Ion 1.0 text stream into values.
///
/// System values are applied, not returned: the version marker `$ion_1_0`
/// (an unannotated, unquoted top-level symbol) resets the symbol table, and a
/// top-level struct whose first annotation is `$ion_symbol_table` is a local
/// symbol table. Every error is an `IonError` with byte offset, line and column.
public struct IonTextReader: Sendable {
    var bytes: [UInt8]
    var pos = 0
    let options: IonReadOptions
    var symbols = SymbolTable()

    /// Where a value is being read; s-expressions allow operator symbols.
    enum Context {
        case topLevel, list, sexp, structValue
    }

    public init(_ bytes: [UInt8], options: IonReadOptions = IonReadOptions()) {
        self.bytes = bytes
        self.options = options
    }

    /// Reads every top-level user value. (Not mutating, so it can be called
    /// on a temporary: `try IonTextReader(bytes).readAll()`.)
    public func readAll() throws(IonError) -> [IonValue] {
        var reader = self
        return try reader.readStream()
    }

    private mutating func readStream() throws(IonError) -> [IonValue] {
        let prepared = IonTextInput.utf8(from: bytes)
        bytes = prepared.bytes
        if let bad = prepared.badOffset {
            throw IonError("input is neither UTF-8 nor well-formed UTF-16/UTF-32", offset: bad)
        }
        if let bad = IonTextInput.firstInvalidUTF8(bytes) {
            throw fail("invalid UTF-8", at: bad)
        }
        pos = 0
        symbols = SymbolTable()
        var values: [IonValue] = []
        while true {
            try skipTrivia()
            if atEnd { break }
            let start = pos
            let value = try readValue(.topLevel, depth: 0)
            if let user = try systemValueFilter(value, start: start) {
                values.append(user)
            }
        }
        return values
    }

    /// Applies system values; returns the value when it is a user value.
    private mutating func systemValueFilter(_ value: IonValue, start: Int) throws(IonError) -> IonValue? {
        if value.annotations.isEmpty, case .symbol(let symbol) = value.content {
            if bytes[start] == UInt8(ascii: "$"), let (major, minor) = versionMarker(from: start) {
                guard major == 1, minor == 0 else {
                    throw fail("unsupported Ion version marker $ion_\(major)_\(minor)", at: start)
                }
                symbols = SymbolTable()
                return nil
            }
            // `'$ion_1_0'` or `$2` at top level: a symbol with the marker's
            // text but no marker meaning, a no-op.
            if symbol.text == "$ion_1_0" { return nil }
            return value
        }
        if let first = value.annotations.first, first.text == "$ion_symbol_table",
           case .struct(let fields) = value.content {
            do {
                try symbols.applyLocalTable(fields)
            } catch {
                throw fail(error.message, at: start)
            }
            return nil
        }
        return value
    }

    /// The version of an unquoted `$ion_<major>_<minor>` identifier at `start`.
    private func versionMarker(from start: Int) -> (Int, Int)? {
        var i = start
        for c in "$ion_".utf8 {
            guard i < bytes.count, bytes[i] == c else { return nil }
            i += 1
        }
        func number(_ i: inout Int) -> Int? {
            var value = 0
            let first = i
            while i < bytes.count, IonTextReader.isDigit(bytes[i]) {
                if i - first < 9 { value = value * 10 + Int(bytes[i] - 0x30) }
                i += 1
            }
            return i > first ? value : nil
        }
        guard let major = number(&i), i < bytes.count, bytes[i] == UInt8(ascii: "_") else { return nil }
        i += 1
        guard let minor = number(&i) else { return nil }
        if i < bytes.count, IonTextReader.isIdentifierPart(bytes[i]) { return nil }
        return (major, minor)
    }

    // MARK: - Values

    /// Reads one value with its annotations. The position is at its first byte.
    mutating func readValue(_ context: Context, depth: Int) throws(IonError) -> IonValue {
        var annotations: [IonSymbol] = []
        while true {
            let start = pos
            let b = peek()
            let isQuotedSymbol = b == UInt8(ascii: "'") && !matches("'''")
            guard isQuotedSymbol || IonTextReader.isIdentifierStart(b) else { break }
            let atom = isQuotedSymbol ? Atom.symbol(try readQuotedSymbol()) : try readIdentifierAtom()
            try skipTrivia()
            let isAnnotation = peek() == UInt8(ascii: ":") && peek(1) == UInt8(ascii: ":")
            switch atom {
            case .symbol(let symbol):
                if isAnnotation {
                    annotations.append(symbol)
                    pos += 2
                    try skipTrivia()
                    if atEnd { throw fail("annotation without a value", at: start) }
                    continue
                }
                return IonValue(.symbol(symbol), annotations: annotations)
            case .keyword(let content):
                if isAnnotation { throw fail("a keyword cannot be an annotation; quote it", at: start) }
                return IonValue(content, annotations: annotations)
            }
        }
        let content = try readUnannotatedContent(context, depth: depth)
        return IonValue(content, annotations: annotations)
    }

    private mutating func readUnannotatedContent(_ context: Context, depth: Int) throws(IonError) -> IonContent {
        let b = peek()
        switch b {
        case UInt8(ascii: "{"):
            if peek(1) == UInt8(ascii: "{") { return try readLob() }
            return .struct(try readStruct(depth: depth + 1))
        case UInt8(ascii: "["):
            return .list(try readSequence(close: UInt8(ascii: "]"), context: .list, depth: depth + 1))
        case UInt8(ascii: "("):
            return .sexp(try readSequence(close: UInt8(ascii: ")"), context: .sexp, depth: depth + 1))
        case UInt8(ascii: "\""):
            return .string(try readShortString())
        case UInt8(ascii: "'"):
            return .string(try readLongStrings())
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try readNumberOrTimestamp()
        case UInt8(ascii: "-"), UInt8(ascii: "+"):
            if b == UInt8(ascii: "-") && IonTextReader.isDigit(peek(1)) { return try readNumberOrTimestamp() }
            if matches("inf", at: 1) && atNumericStop(4) {
                pos += 4
                return .float(b == UInt8(ascii: "-") ? -Double.infinity : Double.infinity)
            }
            if context == .sexp { return try readOperator() }
            throw fail("unexpected \(describeCurrent())")
        default:
            if context == .sexp && IonTextReader.isOperatorChar(b) { return try readOperator() }
            throw fail(atEnd ? "unexpected end of input, expected a value" : "unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func readOperator() throws(IonError) -> IonContent {
        let start = pos
        while !atEnd, IonTextReader.isOperatorChar(peek()), !atCommentStart() { pos += 1 }
        return .symbol(IonSymbol(String(decoding: bytes[start..<pos], as: UTF8.self)))
    }

    // MARK: - Containers

    private mutating func checkDepth(_ depth: Int) throws(IonError) {
        if depth > options.maxDepth { throw fail("containers nested deeper than \(options.maxDepth)") }
    }

    /// A list (comma-separated, trailing comma allowed) or s-expression.
    private mutating func readSequence(close: UInt8, context: Context, depth: Int) throws(IonError) -> [IonValue] {
        try checkDepth(depth)
        let open = pos
        pos += 1
        var elements: [IonValue] = []
        let isList = context == .list
        while true {
            try skipTrivia()
            if atEnd { throw fail(isList ? "unterminated list" : "unterminated s-expression", at: open) }
            if peek() == close {
                pos += 1
                return elements
            }
            elements.append(try readValue(context, depth: depth))
            guard isList else { continue }
            try skipTrivia()
            if peek() == UInt8(ascii: ",") {
                pos += 1
            } else if peek() != close {
                throw fail(atEnd ? "unterminated list" : "expected ',' or ']' in list, found \(describeCurrent())",
                           at: atEnd ? open : nil)
            }
        }
    }

    private mutating func readStruct(depth: Int) throws(IonError) -> [IonField] {
        try checkDepth(depth)
        let open = pos
        pos += 1
        var fields: [IonField] = []
        while true {
            try skipTrivia()
            if atEnd { throw fail("unterminated struct", at: open) }
            if peek() == UInt8(ascii: "}") {
                pos += 1
                return fields
            }
            let name = try readFieldName()
            try skipTrivia()
            guard peek() == UInt8(ascii: ":"), peek(1) != UInt8(ascii: ":") else {
                if peek() == UInt8(ascii: ":") { throw fail("a field name cannot have annotations") }
                throw fail("expected ':' after field name, found \(describeCurrent())")
            }
            pos += 1
            try skipTrivia()
            if atEnd || peek() == UInt8(ascii: "}") || peek() == UInt8(ascii: ",") {
                throw fail("field without a value")
            }
            fields.append(IonField(name, try readValue(.structValue, depth: depth)))
            try skipTrivia()
            if peek() == UInt8(ascii: ",") {
                pos += 1
            } else if peek() != UInt8(ascii: "}") {
                throw fail(atEnd ? "unterminated struct" : "expected ',' or '}' in struct, found \(describeCurrent())",
                           at: atEnd ? open : nil)
            }
        }
    }

    private mutating func readFieldName() throws(IonError) -> IonSymbol {
        let b = peek()
        if b == UInt8(ascii: "\"") { return IonSymbol(try readShortString()) }
        if b == UInt8(ascii: "'") {
            if matches("'''") { return IonSymbol(try readLongStrings()) }
            return try readQuotedSymbol()
        }
        if IonTextReader.isIdentifierStart(b) {
            let start = pos
            switch try readIdentifierAtom() {
            case .symbol(let symbol): return symbol
            case .keyword: throw fail("a keyword cannot be a field name; quote it", at: start)
            }
        }
        throw fail("expected a field name, found \(describeCurrent())")
    }

    // MARK: - Identifiers and keywords

    enum Atom {
        case symbol(IonSymbol)
        case keyword(IonContent)
    }

    /// An identifier: a keyword (`null`, `null.T`, `true`, `false`, `nan`),
    /// a symbol id `$N`, or a symbol.
    mutating func readIdentifierAtom() throws(IonError) -> Atom {
        let start = pos
        pos += 1
        while pos < bytes.count, IonTextReader.isIdentifierPart(bytes[pos]) { pos += 1 }
        let length = pos - start
        let first = bytes[start]
        if length == 4 && matchesAt(start, "null") {
            guard peek() == UInt8(ascii: ".") else { return .keyword(.null(.null)) }
            pos += 1
            let typeStart = pos
            while pos < bytes.count, IonTextReader.isIdentifierPart(bytes[pos]) { pos += 1 }
            let name = String(decoding: bytes[typeStart..<pos], as: UTF8.self)
            guard let type = IonType(nullName: name) else {
                throw fail("invalid typed null 'null.\(name)'", at: start)
            }
            return .keyword(.null(type))
        }
        if length == 4 && matchesAt(start, "true") { return .keyword(.bool(true)) }
        if length == 5 && matchesAt(start, "false") { return .keyword(.bool(false)) }
        if length == 3 && matchesAt(start, "nan") { return .keyword(.float(Double.nan)) }
        if first == UInt8(ascii: "$") && length > 1 {
            var sid = 0
            var allDigits = true
            for i in (start + 1)..<pos {
                let d = bytes[i]
                guard IonTextReader.isDigit(d) else { allDigits = false; break }
                if sid <= Int.max / 10 - 10 { sid = sid * 10 + Int(d - 0x30) } else { sid = Int.max }
            }
            if allDigits {
                guard let symbol = symbols.symbol(for: sid) else {
                    let text = String(decoding: bytes[start..<pos], as: UTF8.self)
                    throw fail("symbol id \(text) is beyond the symbol table (max id \(symbols.maxID))", at: start)
                }
                return .symbol(symbol)
            }
        }
        return .symbol(IonSymbol(String(decoding: bytes[start..<pos], as: UTF8.self)))
    }

    @inline(__always) private func matchesAt(_ start: Int, _ text: StaticString) -> Bool {
        let p = text.utf8Start
        for i in 0..<text.utf8CodeUnitCount where bytes[start + i] != p[i] { return false }
        return true
    }
}

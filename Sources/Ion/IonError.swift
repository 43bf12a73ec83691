/// Why Ion input was rejected, and where.
public struct IonError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    /// Byte offset into the input where the problem was found.
    public var offset: Int
    /// 1-based line and column, for text input.
    public var line: Int?
    public var column: Int?

    public init(_ message: String, offset: Int, line: Int? = nil, column: Int? = nil) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String {
        if let line, let column {
            return "Ion error at line \(line), column \(column) (byte \(offset)): \(message)"
        }
        return "Ion error at byte \(offset): \(message)"
    }
}

/// Limits a reader enforces on untrusted input.
public struct IonReadOptions: Sendable {
    /// Containers (and annotation wrappers) nested deeper than this are an error.
    public var maxDepth: Int = 100

    public init(maxDepth: Int = 100) {
        self.maxDepth = maxDepth
    }
}

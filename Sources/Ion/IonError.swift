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
    /// Digits of one text int or decimal coefficient (parsing a big one is
    /// quadratic in its digits: a 1 M-digit int costs seconds).
    public var maxIntegerDigits: Int = .max

    public init(maxDepth: Int = 100, maxIntegerDigits: Int = .max) {
        self.maxDepth = maxDepth
        self.maxIntegerDigits = maxIntegerDigits
    }

    /// For Ion that a client sent: 4,000 digits (about 13,000 bits) parse and
    /// print in milliseconds, and no QLDB value needs more.
    public static let untrusted = IonReadOptions(maxDepth: 100, maxIntegerDigits: 4_000)
}

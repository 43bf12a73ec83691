/// A client-facing error; `message` is the BadRequestException text.
public struct PartiQLError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The statement does not parse.
        case syntax
        /// It parses but is rejected before evaluation (unknown function, wrong arity…).
        case semantic
        /// Evaluation failed: type errors, unknown tables, overflow…
        case evaluation
        /// The catalog refused (unknown table, limits…).
        case catalog
    }

    public var kind: Kind
    public var message: String
    public var position: SourcePosition?

    public init(_ kind: Kind, _ message: String, position: SourcePosition? = nil) {
        self.kind = kind
        self.message = message
        self.position = position
    }

    public var description: String { message }

    static func syntax(_ detail: String, at position: SourcePosition) -> PartiQLError {
        PartiQLError(.syntax, "Syntax error at line \(position.line), column \(position.column): \(detail)", position: position)
    }

    static func semantic(_ message: String, at position: SourcePosition? = nil) -> PartiQLError {
        if let position {
            return PartiQLError(.semantic, "Semantic error at line \(position.line), column \(position.column): \(message)", position: position)
        }
        return PartiQLError(.semantic, "Semantic error: \(message)")
    }

    static func eval(_ message: String) -> PartiQLError {
        PartiQLError(.evaluation, "Evaluation error: \(message)")
    }
}

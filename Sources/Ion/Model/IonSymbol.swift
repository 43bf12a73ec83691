/// A symbol token: its text, or — when the text is unknown (`$0`, or an id
/// reserved by an import whose table is not available) — only its symbol id.
public struct IonSymbol: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var text: String?
    /// The local symbol id the token was read with, when it had no text.
    public var sid: Int?

    public init(_ text: String) {
        self.text = text
        self.sid = nil
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// A symbol whose text is unknown, such as `$0`.
    public init(unknownSID sid: Int) {
        self.text = nil
        self.sid = sid
    }

    public var description: String { text ?? "$\(sid ?? 0)" }
}

/// Maps configuration node ids ("node1") to Raft's numeric ids.
///
/// Rule: the trailing decimal digits of the name ("node1" → 1, "ledger-b12" →
/// 12, "7" → 7). A name without trailing digits, or whose number is 0, needs
/// an explicit numeric id (`ClusterPeer(name:id:…)`). Every member must map
/// to a distinct number; the certificate still names the string id.
public enum ClusterNodeID {
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let name: String
        public init(name: String) { self.name = name }
        public var description: String {
            "node id \"\(name)\" has no trailing number (e.g. node1); give it an explicit numeric id"
        }
    }

    public static func numeric(_ name: String) -> UInt64? {
        let digits = name.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let n = UInt64(String(digits.reversed())), n != 0 else { return nil }
        return n
    }

    /// The numeric id, or throws `Invalid`.
    public static func require(_ name: String) throws -> UInt64 {
        guard let n = numeric(name) else { throw Invalid(name: name) }
        return n
    }
}

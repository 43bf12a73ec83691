/// A few members of one JSON object, read by path without building a tree
/// (the load generator reads two or three members of every response). The
/// bytes are checked as `JSONValue.parse` checks them; member names are
/// compared as bytes, so only objects whose names down to `depth` are plain
/// ASCII are taken. A repeated name means its last value, and `null` means
/// absent, as `SendCommandRequest` reads a request.
public struct JSONFields {
    private let top: SpanMembers

    /// Nil when `bytes` are not one valid JSON object, or a recorded member
    /// name is not plain ASCII: the caller then takes `JSONValue.parse`.
    /// Members and items are recorded down to `depth` levels below the object.
    public init?(_ bytes: [UInt8], depth: Int = 3) {
        // `JSONValue.parse`'s default depth limit.
        guard let top = try? SpanMembers.outermost(bytes, maxDepth: 64, recordDepth: depth) else { return nil }
        self.top = top
    }

    /// The string at `path` (object members, outermost first); nil when a
    /// step is absent or null, or not an object, or the last is not a string.
    public func string(_ path: String...) -> String? { string(at: path) }

    public func string(at path: [String]) -> String? {
        guard let (members, name) = walk(path) else { return nil }
        return try? members.string(name)
    }

    /// How many items the array at `path` holds; nil as for `string`.
    public func arrayCount(_ path: String...) -> Int? { arrayCount(at: path) }

    public func arrayCount(at path: [String]) -> Int? {
        guard let (members, name) = walk(path) else { return nil }
        guard let items = try? members.array(name) else { return nil }
        return items.count
    }

    /// The object holding the last step of `path`, and that step's name.
    private func walk(_ path: [String]) -> (SpanMembers, String)? {
        guard let last = path.last else { return nil }
        var members = top
        for name in path.dropLast() {
            guard let entry = members.value(name), let inner = members.object(entry) else { return nil }
            members = inner
        }
        return (members, last)
    }
}

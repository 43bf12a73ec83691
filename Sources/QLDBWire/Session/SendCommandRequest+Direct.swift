import Foundation

/// `decode` without a JSON tree: the body is checked and its members located
/// by position, and only the values a command needs become strings. Every
/// member name it looks at must be plain ASCII (so that comparing bytes is
/// comparing names as the tree does); anything else, and every problem,
/// returns nil or throws, and `decode` then takes the tree, whose error the
/// client sees. The one exception is a value holder's problem (`Settled`),
/// found after every earlier check passed and worded by the same function
/// the tree calls. So this path decides nothing the tree would decide otherwise.
extension SendCommandRequest {
    /// Deeper bodies take the tree (which allows 512).
    static let directMaxDepth = 32

    static func decodeDirect(_ body: [UInt8]) throws -> SendCommandRequest? {
        // Recorded: the command's members (depth 1), Parameters' items (2) and their members (3).
        guard let top = try SpanMembers.outermost(body, maxDepth: directMaxDepth, recordDepth: 3) else { return nil }

        var found: (name: String, entry: Int)?
        for name in commandNames {
            guard let value = top.value(name) else { continue }
            guard found == nil else { return nil }   // two commands
            found = (name, value)
        }
        guard let (name, argsValue) = found, let args = top.object(argsValue) else { return nil }
        return try command(named: name, top: top, args: args)
    }

    /// A problem `decodeDirect` reports as the tree would, without the tree.
    struct Settled: Error {
        let error: ServiceError
    }
}

/// The members of one recorded object, looked up as `JSONMember` looks them
/// up: a repeated name means its last value, and `null` means absent. Values
/// are converted only when asked for.
struct SpanMembers: RequestMembers {
    /// What the tree decides (an absent member, another type than asked): `decode` takes the tree.
    struct Fallback: Error {}

    let bytes: [UInt8]
    let tape: JSONTape
    /// The object's entry on the tape; -1 for the outermost.
    let parent: Int

    /// The members of `bytes` when they are one JSON object whose names are plain ASCII
    /// down to `recordDepth` levels below it (recorded that far); nil when they are
    /// something else. Throws what the checked pass finds wrong.
    static func outermost(_ bytes: [UInt8], maxDepth: Int, recordDepth: Int) throws -> SpanMembers? {
        var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth)
        scanner.skipSpace()
        guard scanner.i < bytes.count, bytes[scanner.i] == UInt8(ascii: "{") else { return nil }
        var tape = JSONTape()
        // One allocation for a session request or response (7–12 entries), not four doublings.
        tape.entries.reserveCapacity(16)
        try scanner.record(into: &tape, parent: -1, depth: 0, recordDepth: recordDepth)
        scanner.skipSpace()
        guard scanner.i == bytes.count, tape.plainNames else { return nil }
        return SpanMembers(bytes: bytes, tape: tape, parent: -1)
    }

    /// The entry of the last member named `name`; nil when absent or null.
    func value(_ name: String) -> Int? {
        var index = tape.entries.count - 1
        while index > parent {
            let entry = tape.entries[index]
            if entry.parent == parent, let n = entry.name, named(n, name) {
                return bytes[entry.value.lowerBound] == UInt8(ascii: "n") ? nil : index
            }
            index -= 1
        }
        return nil
    }

    /// Whether the bytes at `n` are `name`'s (compared as memory: a view's iteration costs ~10 instructions a byte).
    private func named(_ n: Range<Int>, _ name: String) -> Bool {
        guard n.count == name.utf8.count, !n.isEmpty else { return false }
        return name.utf8.withContiguousStorageIfAvailable { key in
            bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + n.lowerBound, key.baseAddress!, n.count) == 0 }
        } ?? bytes[n].elementsEqual(name.utf8)
    }

    func string(_ name: String) throws -> String? {
        guard let index = value(name) else { return nil }
        let value = tape.entries[index].value
        guard bytes[value.lowerBound] == UInt8(ascii: "\"") else { throw Fallback() }
        if tape.entries[index].plain {   // checked ASCII when recorded: no second scan (a parameter may be a megabyte)
            return bytes.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[value.lowerBound + 1 ..< value.upperBound - 1]), as: UTF8.self)
            }
        }
        var scanner = JSONScanner(bytes: bytes, maxDepth: 0)
        scanner.i = value.lowerBound
        return try scanner.string()
    }

    func requiredString(_ name: String) throws -> String {
        guard let s = try string(name) else { throw Fallback() }
        return s
    }

    /// The members of the object at `entry`; nil when it is not an object.
    func object(_ entry: Int) -> SpanMembers? {
        guard bytes[tape.entries[entry].value.lowerBound] == UInt8(ascii: "{") else { return nil }
        return SpanMembers(bytes: bytes, tape: tape, parent: entry)
    }

    /// The entries of the items of `name`'s array.
    func array(_ name: String) throws -> [Int]? {
        guard let entry = value(name) else { return nil }
        guard bytes[tape.entries[entry].value.lowerBound] == UInt8(ascii: "[") else { throw Fallback() }
        return tape.entries.indices.filter { $0 > entry && tape.entries[$0].parent == entry }
    }

    func members(of item: Int, path: @autoclosure () -> String) throws -> SpanMembers {
        guard let members = object(item) else { throw Fallback() }
        return members
    }

    /// Every check before a value holder passed here as in the tree, and the tree would word
    /// this one's problem from the same strings: `decode` reports it without a second pass.
    static func holderProblem(_ error: ServiceError) -> any Error { SendCommandRequest.Settled(error: error) }
}

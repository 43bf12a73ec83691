import Foundation

/// Parsed statements by their exact text. Drivers send the same parameterised
/// statements again and again, and parsing one cost as much as running an
/// indexed lookup. Parsing is a pure function of the text, so a hit is what a
/// parse would return; statements that fail to parse are not kept. Bounded by
/// entries and by the length of the text kept.
final class ParsedStatementCache: @unchecked Sendable {
    static let shared = ParsedStatementCache()
    static let maxEntries = 512
    static let maxTextBytes = 4096

    private let lock = NSLock()
    private var statements: [String: Statement] = [:]

    func statement(_ text: String, parse: (String) throws -> Statement) throws -> Statement {
        guard text.utf8.count <= Self.maxTextBytes else { return try parse(text) }
        if let hit = lock.withLock({ statements[text] }) { return hit }
        let parsed = try parse(text)
        lock.withLock {
            if statements.count >= Self.maxEntries { statements.removeAll(keepingCapacity: true) }
            statements[text] = parsed
        }
        return parsed
    }

    var count: Int { lock.withLock { statements.count } }
}

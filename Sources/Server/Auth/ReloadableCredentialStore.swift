import Foundation
import QLDBWire

/// The credentials file, re-readable while the node runs (SIGHUP): the
/// verifier holds this store, `reload()` swaps what it answers from. Any thread.
public final class ReloadableCredentialStore: CredentialStore, @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var current: StaticCredentialStore

    public init(path: String) throws {
        self.path = path
        current = try CredentialsFile.load(path: path)
    }

    public func credential(forAccessKeyID accessKeyID: String) -> Credential? {
        lock.lock()
        defer { lock.unlock() }
        return current.credential(forAccessKeyID: accessKeyID)
    }

    /// What a reload changed, by access key id (secrets are never named).
    public struct Change: Equatable, Sendable {
        public var added: [String] = []
        public var removed: [String] = []
        public var changed: [String] = []
        public var total = 0
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
    }

    /// Re-reads the file; on an error the credentials in use stay as they were.
    public func reload() throws -> Change {
        let fresh = try CredentialsFile.load(path: path)
        lock.lock()
        let old = current
        current = fresh
        lock.unlock()
        var change = Change(total: fresh.credentials.count)
        for (id, c) in fresh.credentials {
            if let before = old.credentials[id] {
                if before != c { change.changed.append(id) }
            } else {
                change.added.append(id)
            }
        }
        change.removed = old.credentials.keys.filter { fresh.credentials[$0] == nil }
        change.added.sort()
        change.removed.sort()
        change.changed.sort()
        return change
    }
}

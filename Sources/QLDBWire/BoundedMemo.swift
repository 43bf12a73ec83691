import Foundation

/// A thread-safe dictionary that starts over once it holds `capacity` entries:
/// what SigV4's caches (signing keys, parsed Authorization headers) keep.
/// Starting over, not evicting one by one, keeps every operation one lock and
/// one hash; a miss only costs the work it saves.
public final class BoundedMemo<Key: Hashable, Value>: @unchecked Sendable {
    public let capacity: Int
    // Inlinable, so that a user in another module gets it specialised.
    @usableFromInline let lock = NSLock()
    @usableFromInline var entries: [Key: Value] = [:]

    public init(capacity: Int) {
        precondition(capacity > 0, "a memo holds at least one entry")
        self.capacity = capacity
    }

    @inlinable
    public func value(for key: Key) -> Value? {
        lock.withLock { entries[key] }
    }

    @inlinable
    public func remember(_ value: Value, for key: Key) {
        lock.withLock {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
    }

    /// The entry, removed.
    @inlinable
    public func take(_ key: Key) -> Value? {
        lock.withLock { entries.removeValue(forKey: key) }
    }

    @inlinable
    public var count: Int { lock.withLock { entries.count } }
}

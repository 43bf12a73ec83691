import Foundation

/// Signing keys by (secret, date, region, service): a key is valid for a
/// whole day, and deriving it costs four HMACs per request otherwise.
final class SigningKeyCache: @unchecked Sendable {
    static let shared = SigningKeyCache()

    private let lock = NSLock()
    private var keys: [String: [UInt8]] = [:]
    private let limit = 1024
    /// The last key handed out: almost every request asks for it again (no string built to look it up).
    private var last: (secret: String, date: String, region: String, service: String, key: [UInt8])?

    func key(secret: String, date: String, region: String, service: String) -> [UInt8] {
        if let hit = lock.withLock({ () -> [UInt8]? in
            guard let l = last, l.date == date, l.region == region, l.service == service, l.secret == secret else { return nil }
            return l.key
        }) { return hit }
        let id = "\(date)/\(region)/\(service)/\(secret)"
        if let key = lock.withLock({ keys[id] }) {
            lock.withLock { last = (secret, date, region, service, key) }
            return key
        }
        let key = SigV4Canonical.signingKey(secret: secret, date: date, region: region, service: service)
        lock.withLock {
            if keys.count >= limit { keys.removeAll(keepingCapacity: true) }
            keys[id] = key
            last = (secret, date, region, service, key)
        }
        return key
    }
}

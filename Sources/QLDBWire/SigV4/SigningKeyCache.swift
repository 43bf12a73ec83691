import Foundation

/// Signing keys by (secret, date, region, service): a key is valid for a
/// whole day, and deriving it costs four HMACs per request otherwise.
final class SigningKeyCache: @unchecked Sendable {
    static let shared = SigningKeyCache()

    private let lock = NSLock()
    private var keys: [String: [UInt8]] = [:]
    private let limit = 1024

    func key(secret: String, date: String, region: String, service: String) -> [UInt8] {
        let id = "\(date)/\(region)/\(service)/\(secret)"
        if let key = lock.withLock({ keys[id] }) { return key }
        let key = SigV4Canonical.signingKey(secret: secret, date: date, region: region, service: service)
        lock.withLock {
            if keys.count >= limit { keys.removeAll(keepingCapacity: true) }
            keys[id] = key
        }
        return key
    }
}

/// Signing keys by (secret, date, region, service): a key is valid for a
/// whole day, and deriving it costs four HMACs per request otherwise.
final class SigningKeyCache: Sendable {
    static let shared = SigningKeyCache()

    private struct Scope: Hashable {
        var secret, date, region, service: String
    }

    private let keys = BoundedMemo<Scope, [UInt8]>(capacity: 1024)

    func key(secret: String, date: String, region: String, service: String) -> [UInt8] {
        let scope = Scope(secret: secret, date: date, region: region, service: service)
        if let key = keys.value(for: scope) { return key }
        let key = SigV4Canonical.signingKey(secret: secret, date: date, region: region, service: service)
        keys.remember(key, for: scope)
        return key
    }
}

import QLDBWire

/// What `checkHead` found when a request's headers arrived (`shouldAccept`),
/// for `authenticate` to take once its body is in, instead of parsing and
/// checking the same headers a second time (≈ 64,000 instructions a request).
/// Keyed by every header value `checkHead` reads; an entry is taken once.
/// Bounded: past `capacity` entries (heads whose bodies never came) it starts
/// over. A request without an entry is checked in full, so an entry only
/// ever saves repeating a check that passed moments before. Thread-safe.
final class CheckedHeadMemo: Sendable {
    static let capacity = 256
    private let heads = BoundedMemo<String, CheckedHead>(capacity: capacity)

    /// The Authorization, date and security-token headers, or nil without an Authorization header.
    /// One pass; a name is compared only when its length matches (most headers are none of these).
    static func key(_ request: SignedRequest) -> String? {
        var authorization: String?
        var key = ""
        for (name, value) in request.headers {
            let field: UInt8
            switch name.utf8.count {
            case 13 where SignedRequest.sameName(name, "Authorization"):
                guard authorization == nil else { return nil }   // two: `checkHead` refuses them
                authorization = value
                continue
            case 10 where SignedRequest.sameName(name, "X-Amz-Date"): field = 1
            case 4 where SignedRequest.sameName(name, "Date"): field = 2
            case 20 where SignedRequest.sameName(name, "X-Amz-Security-Token"): field = 3
            default: continue
            }
            key.unicodeScalars.append(Unicode.Scalar(field))
            key += value
        }
        guard let authorization else { return nil }
        return authorization + key
    }

    func remember(_ head: CheckedHead, for key: String) { heads.remember(head, for: key) }

    func take(_ key: String) -> CheckedHead? { heads.take(key) }

    var count: Int { heads.count }
}

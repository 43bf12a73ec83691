import COpenSSL
import Ion

/// HMAC-SHA256 through OpenSSL's one-shot `HMAC()`.
public enum HMACSHA256 {
    public static func mac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                out.withUnsafeMutableBytes { o in
                    _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                             d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count,
                             o.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
                }
            }
        }
        precondition(length == 32, "HMAC-SHA256 failed")
        return out
    }

    public static func mac(key: [UInt8], _ text: String) -> [UInt8] { mac(key: key, data: Array(text.utf8)) }
}

/// Comparison whose time depends only on the lengths, not on where the
/// inputs differ (signature checks must not leak a matching prefix).
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}

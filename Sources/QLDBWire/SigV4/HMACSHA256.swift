import COpenSSL
import Ion

/// HMAC-SHA256 on OpenSSL's low-level SHA-256 (`tally_hmac_sha256`).
public enum HMACSHA256 {
    public static func mac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { mac(key: key, bytes: $0) }
    }

    public static func mac(key: [UInt8], bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { out, count in
            key.withUnsafeBytes { k in
                tally_hmac_sha256(k.baseAddress, k.count, bytes.baseAddress, bytes.count, out.baseAddress)
            }
            count = 32
        }
    }

    public static func mac(key: [UInt8], _ text: String) -> [UInt8] { mac(key: key, data: Array(text.utf8)) }
}

/// Comparison whose time depends only on the lengths, not on where the
/// inputs differ (signature checks must not leak a matching prefix).
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in constantTimeEquals(a, b) } }
}

/// `constantTimeEquals` against a string's UTF-8, without copying it into an array.
public func constantTimeEquals(_ a: [UInt8], _ b: String) -> Bool {
    var b = b
    return a.withUnsafeBufferPointer { a in b.withUTF8 { b in constantTimeEquals(a, b) } }
}

private func constantTimeEquals(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}

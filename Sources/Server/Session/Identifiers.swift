import Foundation
import Ledger

/// Identifiers: request ids and tokens.
public enum Identifiers {
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A random 22-character Base62 id (like QLDB's request and document ids).
    public static func base62ID<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(22)
        for _ in 0..<22 { out.append(base62[Int.random(in: 0..<62, using: &generator)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// A random 128-bit value as 22 Base62 characters (`LedgerID.random`:
    /// `RandomPool`; every request gets one, and `SystemRandomNumberGenerator`
    /// made a `getrandom` system call per 64 bits).
    public static func requestID() -> String { LedgerID.random() }

    /// A random token: standard base64 of `bytes` random bytes (matches
    /// `^[A-Za-z-0-9+/=]+$`; 32 bytes → 44 characters).
    public static func token(bytes: Int = 32) -> String {
        Data(RandomPool.shared.bytes(bytes)).base64EncodedString()
    }
}

import CLibUV

/// An error from the network layer. `message` carries the libuv or OpenSSL text.
public struct NetError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        case io, address, timeout, closed, shutdown, tls, verification, http, frame
    }

    public let kind: Kind
    public let message: String
    /// The libuv error code, for `.io` errors.
    public let code: Int32?

    public init(_ kind: Kind, _ message: String, code: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// A libuv failure: `op` names what was attempted.
    static func uv(_ code: Int32, _ op: String) -> NetError {
        let text = String(cString: uv_strerror(code))
        let name = String(cString: uv_err_name(code))
        return NetError(.io, "\(op): \(text) (\(name))", code: code)
    }
}

let uvEOF = tally_uv_eof()
let uvEAGAIN = tally_uv_eagain()
let uvECANCELED = tally_uv_ecanceled()

extension Duration {
    /// Whole milliseconds, clamped at zero, as libuv timers want them.
    var uvMilliseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        return UInt64(seconds) * 1000 + UInt64(max(0, attoseconds) / 1_000_000_000_000_000)
    }

    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}

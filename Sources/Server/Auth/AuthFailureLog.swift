import Foundation
import Logging
import QLDBWire

/// Why a request failed authentication, as logged (`reason=`).
public enum AuthFailureReason: String, Sendable {
    case missingHeader = "missing_header"
    case malformedHeader = "malformed_header"
    case unknownKey = "unknown_key"
    case clockSkew = "clock_skew"
    case wrongScope = "wrong_scope"
    case badSignature = "bad_signature"

    init(_ error: ServiceError) {
        switch error.code {
        case "MissingAuthenticationTokenException": self = .missingHeader
        case "IncompleteSignatureException": self = .malformedHeader
        case "UnrecognizedClientException": self = .unknownKey
        default:
            if error.message.hasPrefix("Signature expired") || error.message.hasPrefix("Signature not yet current") {
                self = .clockSkew
            } else if error.message.hasPrefix("Credential should be scoped")
                        || error.message.hasPrefix("Date in Credential scope") {
                self = .wrongScope
            } else {
                self = .badSignature
            }
        }
    }
}

/// Authentication failures at `warning`, at most `linesPerMinute` lines a
/// minute; past that they are counted and one line, "suppressed K auth
/// failures", follows when the minute is over (on the next failure or
/// `flush()`), so a flood cannot fill the disk. Never logs a secret or a
/// signature: the remote address, the access key id the client named, the
/// reason and AWS's error code.
public final class AuthFailureLog: @unchecked Sendable {
    public let linesPerMinute: Int
    private let logger: Logger
    private let clock: any ServerClock
    private let lock = NSLock()
    private var windowStart = Date.distantPast
    private var written = 0
    private var suppressed = 0

    public init(linesPerMinute: Int = 20, logger: Logger = NodeLog.auth, clock: any ServerClock = SystemClock()) {
        self.linesPerMinute = linesPerMinute
        self.logger = logger
        self.clock = clock
    }

    public func record(_ error: ServiceError, request: SignedRequest) {
        let now = clock.now()
        let (write, summary) = lock.withLock { () -> (Bool, Int) in
            let summary = rollWindowLocked(now)
            guard written < linesPerMinute else {
                suppressed += 1
                return (false, summary)
            }
            written += 1
            return (true, summary)
        }
        if summary > 0 { logSummary(summary) }
        guard write else { return }
        let keyID = request.header("Authorization").flatMap { try? SigV4Authorization.parse($0).accessKeyID } ?? ""
        logger.warning("authentication failed", metadata: [
            "remote": "\(request.remoteAddress ?? "")",
            "access_key_id": "\(keyID.prefix(128))",
            "reason": "\(AuthFailureReason(error).rawValue)",
            "error": "\(error.code)",
            "method": "\(request.method)",
            "path": "\(request.rawPath.prefix(256))",
        ])
    }

    /// Writes the summary of a finished minute, if anything was suppressed.
    public func flush() {
        let now = clock.now()
        let summary = lock.withLock { rollWindowLocked(now) }
        if summary > 0 { logSummary(summary) }
    }

    /// Starts a new minute when the current one is over; returns the count to report.
    private func rollWindowLocked(_ now: Date) -> Int {
        guard now.timeIntervalSince(windowStart) >= 60 else { return 0 }
        let count = suppressed
        windowStart = now
        written = 0
        suppressed = 0
        return count
    }

    private func logSummary(_ count: Int) {
        logger.warning("suppressed \(count) auth failures", metadata: [
            "suppressed": "\(count)", "lines_per_minute": "\(linesPerMinute)"])
    }
}

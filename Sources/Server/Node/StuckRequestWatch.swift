import Foundation
import Logging

/// Requests in flight on the client port; `scan()` logs, once each at
/// `warning`, those still unanswered after `threshold` (a commit waiting on
/// Raft, a hung backend). Nothing is logged for requests answered in time.
final class StuckRequestWatch: @unchecked Sendable {
    /// What a request is, filled in as it becomes known (the command is
    /// decoded after the request is registered).
    final class Label: @unchecked Sendable {
        let method: String
        let path: String
        var command = ""
        var ledger = ""
        var session = ""
        /// A session command's token: its ledger and session are looked up only when the
        /// request is logged (`sessionOfToken`), not for every request.
        var sessionToken: String?
        let started = ContinuousClock.now
        fileprivate var logged = false

        init(method: String, path: String) {
            self.method = method
            self.path = path
        }
    }

    let threshold: Duration
    private let logger: Logger
    private let lock = NSLock()
    private var inFlight: [ObjectIdentifier: Label] = [:]
    /// The ledger and session id a token names, for labels that carry only the token.
    var sessionOfToken: ((String) -> (ledger: String, id: String)?)?

    init(threshold: Duration, logger: Logger = NodeLog.session) {
        self.threshold = threshold
        self.logger = logger
    }

    func begin(method: String, path: String) -> Label {
        let label = Label(method: method, path: String(path.prefix(256)))
        lock.withLock { inFlight[ObjectIdentifier(label)] = label }
        return label
    }

    func end(_ label: Label) {
        lock.withLock { inFlight[ObjectIdentifier(label)] = nil }
    }

    var count: Int { lock.withLock { inFlight.count } }

    /// Logs each request past the threshold the first time it is seen there.
    func scan(now: ContinuousClock.Instant = .now) {
        let stuck: [(Label, Duration)] = lock.withLock {
            inFlight.values.compactMap { label in
                let age = now - label.started
                guard !label.logged, age >= threshold else { return nil }
                label.logged = true
                return (label, age)
            }
        }
        for (label, age) in stuck {
            if label.ledger.isEmpty, let token = label.sessionToken, let (ledger, id) = sessionOfToken?(token) {
                label.ledger = ledger
                label.session = id
            }
            logger.warning("request still unanswered", metadata: [
                "method": "\(label.method)", "path": "\(label.path)", "command": "\(label.command)",
                "ledger": "\(label.ledger)", "session": "\(label.session)",
                "seconds": "\(Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18)",
            ])
        }
    }
}

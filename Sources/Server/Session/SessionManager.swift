import Foundation
import Ion
import QLDBWire

/// The QLDB session/transaction state machine (PROTOCOL.md §1.5) over a
/// `SessionBackend`. Transport-independent and thread-safe: `send` may be
/// called from any thread; requests of one session run one at a time in
/// arrival order; requests of different sessions run concurrently.
public final class SessionManager: @unchecked Sendable {
    public let backend: SessionBackend
    public let settings: SessionSettings
    public let clock: any ServerClock
    let rateLimiter: TokenBucketRateLimiter
    let pager: Pager
    /// Told of every command that names a ledger, once it has finished (metrics).
    /// Set before the first `send`.
    public var onCommand: ((SessionCommandRecord) -> Void)?

    let lock = NSLock()
    var sessions: [String: SessionState] = [:]
    var liveSessionsPerLedger: [String: Int] = [:]
    var liveSessionsPerCaller: [String: Int] = [:]

    public init(backend: SessionBackend, settings: SessionSettings = SessionSettings(),
                clock: any ServerClock = SystemClock()) {
        self.backend = backend
        self.settings = settings
        self.clock = clock
        self.rateLimiter = TokenBucketRateLimiter(ratePerSecond: settings.rateLimitPerSecond,
                                                  burst: settings.rateLimitBurst, clock: clock)
        self.pager = Pager(maxValues: settings.pageSize, maxBytes: settings.pageBytes)
    }

    /// Runs one command. `caller` (the authenticated access key id) keys the
    /// rate limiter and owns the sessions it starts: another caller's token is
    /// "No such session".
    /// `requestID` is the id of this HTTP request; a session is named after
    /// the request id of its StartSession (pyqldb uses that as its session id),
    /// which is what "Session <id> has expired" shows. `completion` is called
    /// exactly once, possibly on another thread (commits wait for the backend).
    /// `statementDigest`: an ExecuteStatement's `QLDBHash.statementHash`, when the caller made it already.
    public func send(_ request: SendCommandRequest, caller: String, requestID: String = Identifiers.requestID(),
                     statementDigest: [UInt8]? = nil,
                     completion: @escaping (Result<SessionResult, ServiceError>) -> Void) {
        let started = ContinuousClock.now
        let finish = { [onCommand] (ledger: String?, result: Result<SessionResult, ServiceError>) in
            if let ledger, let onCommand {
                var error: ServiceError?
                if case .failure(let e) = result { error = e }
                onCommand(SessionCommandRecord(ledger: ledger, command: request.command,
                                               duration: ContinuousClock.now - started, error: error))
            }
            completion(result)
        }
        guard rateLimiter.tryAcquire(caller) else {
            var ledger = request.sessionToken.flatMap(ledger(forToken:))
            if case .startSession(let name) = request.command { ledger = name }
            finish(ledger, .failure(.rateExceeded("Rate exceeded for \(caller)")))
            return
        }
        if case .startSession(let ledger) = request.command {
            finish(ledger, startSession(ledger: ledger, sessionID: requestID, caller: caller))
            return
        }
        guard let token = request.sessionToken else {
            finish(nil, .failure(.badRequest("SessionToken is required for \(request.command.name)")))
            return
        }
        let session: SessionState
        switch lookup(token, caller: caller) {
        case .missing:
            finish(nil, .failure(.invalidSession("No such session")))
            return
        case .expired(let s):
            finish(s.ledger, .failure(s.expiredError))
            return
        case .live(let s):
            session = s
        }
        session.queue.submit { [self] done in
            run(request.command, in: session, statementDigest: statementDigest) { result in
                finish(session.ledger, result)
                done()
            }
        }
    }

    /// Expires sessions past their lifetime, forgets old expired ones and
    /// aborts expired transactions. Call every few seconds; correctness does
    /// not depend on it (every request checks expiry itself), only how soon
    /// backend resources are released.
    public func sweep() {
        let now = clock.now()
        var toCheck: [SessionState] = []
        lock.withLock {
            for (token, s) in sessions {
                if let expiredAt = s.expiredAt {
                    if now.timeIntervalSince(expiredAt) >= settings.expiredSessionRetention { sessions[token] = nil }
                    continue
                }
                if isPastLifetime(s, now) { tombstoneLocked(s, now) }
                toCheck.append(s)
            }
        }
        for s in toCheck { s.queue.submit { [self] done in expireIfNeeded(s); done() } }
    }

    /// The ledger a session token belongs to (for per-ledger labels).
    public func ledger(forToken token: String) -> String? {
        lock.withLock { sessions[token]?.ledger }
    }

    /// A session's ledger and id (its StartSession request id), for logs; never the token.
    public func ledgerAndSessionID(forToken token: String) -> (ledger: String, id: String)? {
        lock.withLock { sessions[token].map { ($0.ledger, $0.id) } }
    }

    /// Sessions that can still be used, per ledger.
    public func liveSessionCount(ledger: String) -> Int {
        lock.withLock { liveSessionsPerLedger[ledger] ?? 0 }
    }

    /// Sessions that can still be used, started by `caller`.
    public func liveSessionCount(caller: String) -> Int {
        lock.withLock { liveSessionsPerCaller[caller] ?? 0 }
    }

    // MARK: - Session table

    enum Lookup { case missing, expired(SessionState), live(SessionState) }

    /// The session behind `token` if `caller` started it.
    func lookup(_ token: String, caller: String) -> Lookup {
        let now = clock.now()
        var justExpired: SessionState?
        let result: Lookup = lock.withLock {
            guard let s = sessions[token], s.owner == caller else { return .missing }
            if let expiredAt = s.expiredAt {
                if now.timeIntervalSince(expiredAt) >= settings.expiredSessionRetention {
                    sessions[token] = nil
                    return .missing
                }
                return .expired(s)
            }
            if isPastLifetime(s, now) {
                tombstoneLocked(s, now)
                justExpired = s
                return .expired(s)
            }
            return .live(s)
        }
        if let s = justExpired { s.queue.submit { [self] done in expireIfNeeded(s); done() } }
        return result
    }

    func isPastLifetime(_ s: SessionState, _ now: Date) -> Bool {
        now.timeIntervalSince(s.createdAt) >= settings.sessionLifetime
    }

    /// Marks a session expired (it keeps answering "has expired" for a while). Caller holds `lock`.
    func tombstoneLocked(_ s: SessionState, _ now: Date) {
        guard s.expiredAt == nil, !s.ended else { return }
        s.expiredAt = now
        releaseSlotLocked(s)
    }

    /// A session stops counting against its ledger's and its owner's limits. Caller holds `lock`.
    func releaseSlotLocked(_ s: SessionState) {
        liveSessionsPerLedger[s.ledger, default: 1] -= 1
        let left = liveSessionsPerCaller[s.owner, default: 1] - 1
        liveSessionsPerCaller[s.owner] = left > 0 ? left : nil
    }

    func startSession(ledger: String, sessionID: String, caller: String) -> Result<SessionResult, ServiceError> {
        switch backend.ledgerAvailability(ledger) {
        case .active: break
        case .notFound: return .failure(.badRequest("Ledger \(ledger) does not exist"))
        case .unavailable(let state): return .failure(.badRequest("Ledger \(ledger) is not active (state: \(state))"))
        }
        let now = clock.now()
        var expired: [SessionState] = []
        let result: Result<SessionResult, ServiceError> = lock.withLock {
            let ledgerFull = liveSessionsPerLedger[ledger, default: 0] >= settings.maxSessionsPerLedger
            let callerFull = liveSessionsPerCaller[caller, default: 0] >= settings.maxSessionsPerCredential
            if ledgerFull || callerFull {
                for s in sessions.values where (s.ledger == ledger || s.owner == caller) && s.expiredAt == nil
                    && isPastLifetime(s, now) {
                    tombstoneLocked(s, now)
                    expired.append(s)
                }
            }
            guard liveSessionsPerLedger[ledger, default: 0] < settings.maxSessionsPerLedger else {
                return .failure(.limitExceeded("Exceeded the session limit: ledger \(ledger) already has "
                    + "\(settings.maxSessionsPerLedger) active sessions"))
            }
            guard liveSessionsPerCaller[caller, default: 0] < settings.maxSessionsPerCredential else {
                return .failure(.limitExceeded("Exceeded the session limit: access key \(caller) already has "
                    + "\(settings.maxSessionsPerCredential) active sessions"))
            }
            var token = Identifiers.token()
            while sessions[token] != nil { token = Identifiers.token() }
            sessions[token] = SessionState(token: token, id: sessionID, ledger: ledger, owner: caller, createdAt: now)
            liveSessionsPerLedger[ledger, default: 0] += 1
            liveSessionsPerCaller[caller, default: 0] += 1
            return .success(.startSession(sessionToken: token))
        }
        for s in expired { s.queue.submit { [self] done in expireIfNeeded(s); done() } }
        return result
    }

    func endSessionLocked(_ s: SessionState) {
        guard !s.ended else { return }
        s.ended = true
        if s.expiredAt == nil { releaseSlotLocked(s) }
        if sessions[s.token] === s { sessions[s.token] = nil }
    }

    /// Inside the session's queue: releases the transaction of an expired
    /// session, or an expired transaction of a live one.
    func expireIfNeeded(_ s: SessionState) {
        let now = clock.now()
        let sessionGone = lock.withLock { s.expiredAt != nil || s.ended }
        guard let txn = s.transaction else { return }
        if sessionGone || now.timeIntervalSince(txn.startedAt) >= settings.transactionTimeout {
            s.transaction = nil
            s.lastExpiredTransactionID = txn.id
            txn.backend.abort()
        }
    }
}

/// One session. `transaction` and `lastExpiredTransactionID` are touched only
/// by operations on `queue`; `expiredAt` and `ended` only under the manager's lock.
final class SessionState: @unchecked Sendable {
    let token: String
    let id: String
    let ledger: String
    /// The access key that started it; only it may use the token.
    let owner: String
    let createdAt: Date
    let queue = SerialQueue()

    var transaction: OpenTransaction?
    var lastExpiredTransactionID: String?

    var expiredAt: Date?
    var ended = false

    init(token: String, id: String, ledger: String, owner: String, createdAt: Date) {
        self.token = token
        self.id = id
        self.ledger = ledger
        self.owner = owner
        self.createdAt = createdAt
    }

    var expiredError: ServiceError { .invalidSession("Session \(id) has expired") }
}

/// The open transaction of a session.
final class OpenTransaction {
    let backend: BackendTransaction
    let id: String
    let startedAt: Date
    /// Running commit digest: H(txnId) dotted with each statement's hash (§1.7.3).
    var digest: [UInt8]
    /// NextPageToken → the result still to be fetched after it.
    var cursors: [String: PendingResult] = [:]

    init(backend: BackendTransaction, startedAt: Date) {
        self.backend = backend
        self.id = backend.id
        self.startedAt = startedAt
        self.digest = IonValue.string(backend.id).ionHash
    }
}

/// What is left of a statement's result behind a NextPageToken: pages
/// already made, then (for a streamed query) the stream they came from.
struct PendingResult {
    var pages: ArraySlice<[[UInt8]]>
    var stream: (any StatementStream)?
}

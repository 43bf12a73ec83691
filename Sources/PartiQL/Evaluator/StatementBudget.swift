import Foundation
import Ion

/// What one statement may spend: a deadline, a number of binding rows, and an
/// estimate of the bytes its result holds. The evaluator charges it as it
/// produces rows and checks it every few hundred rows, so a statement over a
/// large table or a join ends with a clear error within the deadline instead
/// of holding a thread (or memory) for as long as it likes. `cancel()` may be
/// called from any thread (a session that expires, a node that stops).
public final class StatementBudget: @unchecked Sendable {
    public struct Limits: Sendable, Equatable {
        /// Binding rows the FROM clause, grouping, ordering and projection may produce.
        public var maxRows: Int
        /// Estimated bytes of the result values.
        public var maxResultBytes: Int

        public init(maxRows: Int = 2_000_000, maxResultBytes: Int = 128 * 1024 * 1024) {
            self.maxRows = maxRows
            self.maxResultBytes = maxResultBytes
        }
    }

    /// Thrown by a slice budget whose time is up: the statement did not fail,
    /// it needs more time than the slice (run it again elsewhere).
    public struct SliceExpired: Error {}

    public let limits: Limits
    /// `DispatchTime.now().uptimeNanoseconds` after which the statement fails
    /// (or, for a slice, throws `SliceExpired`).
    public let deadline: UInt64
    public let isSlice: Bool
    private let lock = NSLock()
    private var cancelReason: String?
    private(set) var rows = 0
    private(set) var resultBytes = 0
    private var sinceCheck = 0

    public init(limits: Limits = Limits(), deadline: UInt64 = .max, isSlice: Bool = false) {
        self.limits = limits
        self.deadline = deadline
        self.isSlice = isSlice
    }

    public static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// A budget that ends `seconds` from now.
    public convenience init(limits: Limits = Limits(), seconds: Double) {
        let now = DispatchTime.now().uptimeNanoseconds
        self.init(limits: limits, deadline: now &+ UInt64(max(0, seconds) * 1e9))
    }

    public func cancel(_ reason: String) {
        lock.withLock { if cancelReason == nil { cancelReason = reason } }
    }

    /// Charges `count` binding rows; checks the clock and cancellation every 256 charges.
    @inline(__always)
    func chargeRows(_ count: Int = 1) throws {
        rows &+= count
        if rows > limits.maxRows {
            throw PartiQLError(.evaluation, "Statement exceeds its budget of \(limits.maxRows) rows; narrow it with WHERE or an indexed lookup")
        }
        try tick()
    }

    /// Checks the clock and cancellation every 256 calls (work that produces no rows).
    @inline(__always)
    public func tick() throws {
        sinceCheck &+= 1
        if sinceCheck >= 256 {
            sinceCheck = 0
            try check()
        }
    }

    func chargeResult(_ value: Value) throws {
        resultBytes &+= value.estimatedBytes
        if resultBytes > limits.maxResultBytes {
            throw PartiQLError(.evaluation, "Statement result exceeds its memory budget of \(limits.maxResultBytes / (1024 * 1024)) MiB; "
                + "select fewer documents or fields")
        }
        try chargeRows()
    }

    /// Charges a document a catalog read and holds for the statement (a scan
    /// that is built whole) to the same memory budget as the result, so a
    /// query that must read a large table before its first value (`ORDER BY`,
    /// a join, an aggregate) ends with a clear error instead of taking the
    /// node's memory. Checks the clock like `tick()`.
    public func chargeHeld(_ value: IonValue) throws {
        resultBytes &+= value.estimatedBytes
        if resultBytes > limits.maxResultBytes {
            throw PartiQLError(.evaluation, "Statement reads more than its memory budget of \(limits.maxResultBytes / (1024 * 1024)) MiB "
                + "before its first result; narrow it with WHERE on an indexed field, or drop ORDER BY, GROUP BY or DISTINCT so it streams")
        }
        try tick()
    }

    /// Throws once the deadline has passed or the statement was cancelled.
    public func check() throws {
        if let reason = lock.withLock({ cancelReason }) {
            throw PartiQLError(.evaluation, "Statement cancelled: \(reason)")
        }
        if DispatchTime.now().uptimeNanoseconds >= deadline {
            if isSlice { throw SliceExpired() }
            throw PartiQLError(.evaluation, "Statement exceeded the transaction timeout and was cancelled")
        }
    }
}

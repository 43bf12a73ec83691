import Foundation
import Replica

/// What `/status` serves, as JSON. The node builds it in `NodeStatusSource`.
public struct NodeStatusReport: Sendable, Equatable, Codable {
    public var nodeId: UInt64
    public var role: String
    public var term: UInt64
    public var leaderId: UInt64?
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    public var ledgers: [LedgerStatusReport]
    /// True when any ledger's digest diverges.
    public var divergence: Bool
    public var version: String
    /// Set when the node's storage has failed (it then refuses writes).
    public var storageError: String?

    public init(nodeId: UInt64, role: String, term: UInt64, leaderId: UInt64?, commitIndex: UInt64,
                appliedIndex: UInt64, ledgers: [LedgerStatusReport], version: String, storageError: String? = nil) {
        self.nodeId = nodeId
        self.role = role
        self.term = term
        self.leaderId = leaderId
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.ledgers = ledgers
        self.divergence = ledgers.contains { $0.divergent }
        self.version = version
        self.storageError = storageError
    }

    /// From the replicator's status.
    public init(replication r: ReplicationStatus, ledgers: [LedgerStatusReport], version: String,
                storageError: String? = nil) {
        self.init(nodeId: r.nodeID, role: r.role.rawValue, term: r.term, leaderId: r.leaderID,
                  commitIndex: r.commitIndex, appliedIndex: r.appliedIndex, ledgers: ledgers,
                  version: version, storageError: storageError)
    }

    /// The default `/health` verdict: unavailable when storage failed, a
    /// ledger diverged, or no leader is known; serving otherwise.
    public var health: NodeHealth {
        if let storageError { return .unavailable(reason: "storage failed: \(storageError)") }
        let diverged = ledgers.filter(\.divergent).map(\.name)
        if !diverged.isEmpty {
            return .unavailable(reason: "digest divergence on ledger(s): \(diverged.sorted().joined(separator: ", "))")
        }
        if leaderId == nil { return .unavailable(reason: "no leader known (term \(term), role \(role))") }
        return .serving
    }

    // Explicit coding so that absent values appear as JSON null.
    enum CodingKeys: String, CodingKey {
        case nodeId, role, term, leaderId, commitIndex, appliedIndex, ledgers, divergence, version, storageError
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nodeId, forKey: .nodeId)
        try c.encode(role, forKey: .role)
        try c.encode(term, forKey: .term)
        try c.encode(leaderId, forKey: .leaderId)
        try c.encode(commitIndex, forKey: .commitIndex)
        try c.encode(appliedIndex, forKey: .appliedIndex)
        try c.encode(ledgers, forKey: .ledgers)
        try c.encode(divergence, forKey: .divergence)
        try c.encode(version, forKey: .version)
        try c.encode(storageError, forKey: .storageError)
    }

    public func jsonBytes() -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? Array(e.encode(self))) ?? Array(#"{"error":"status encoding failed"}"#.utf8)
    }
}

public struct LedgerStatusReport: Sendable, Equatable, Codable {
    /// QLDB's block address of the ledger's last block.
    public struct TipAddress: Sendable, Equatable, Codable {
        public var strandId: String
        public var sequenceNo: UInt64
        public init(strandId: String, sequenceNo: UInt64) {
            self.strandId = strandId
            self.sequenceNo = sequenceNo
        }
    }

    public var name: String
    /// nil for a ledger with no block yet.
    public var tipAddress: TipAddress?
    /// The ledger digest at the tip, lowercase hex; nil with no block yet.
    public var digest: String?
    public var divergent: Bool
    /// The background scrubber's progress (nil when it is off or has not run yet).
    public var scrub: Scrub?

    /// What the scrubber re-verified of the journal, and what it found.
    public struct Scrub: Sendable, Equatable, Codable {
        /// Passes over the whole journal completed since the node started.
        public var passes: Int
        /// Blocks verified in the current pass.
        public var verifiedBlocks: Int
        public var mismatches: Int
        public var lastMismatch: String?

        public init(passes: Int, verifiedBlocks: Int, mismatches: Int, lastMismatch: String?) {
            self.passes = passes
            self.verifiedBlocks = verifiedBlocks
            self.mismatches = mismatches
            self.lastMismatch = lastMismatch
        }
    }

    public init(name: String, tipAddress: TipAddress?, digest: [UInt8]?, divergent: Bool = false, scrub: Scrub? = nil) {
        self.name = name
        self.tipAddress = tipAddress
        self.digest = digest.map(LedgerStatusReport.hex)
        self.divergent = divergent
        self.scrub = scrub
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    enum CodingKeys: String, CodingKey { case name, tipAddress, digest, divergent, scrub }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(tipAddress, forKey: .tipAddress)
        try c.encode(digest, forKey: .digest)
        try c.encode(divergent, forKey: .divergent)
        try c.encodeIfPresent(scrub, forKey: .scrub)
    }
}

/// `/health`: serving, or not with the reason.
public enum NodeHealth: Sendable, Equatable {
    case serving
    case unavailable(reason: String)
}

/// Implemented by the node for `/status` (and, by default, `/health`).
/// Called on the thread serving the request (the node's loop with `MetricsServer`).
public protocol NodeStatusSource: AnyObject {
    func nodeStatus() -> NodeStatusReport
}

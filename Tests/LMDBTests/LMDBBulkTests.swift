import Foundation
import XCTest
@testable import LMDB

/// A million keys shaped like the ledger's: a 22-character Base62 id and a
/// big-endian version, 100-byte values, loaded in id order as random ids
/// arrive. Timings are printed, not asserted (the machine is shared).
final class LMDBBulkTests: LMDBTestCase {
    private static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A deterministic 22-character Base62 id for `n` (SplitMix64 digits).
    private func id(_ n: UInt64) -> [UInt8] {
        var state = n &* 0x9E37_79B9_7F4A_7C15
        var out: [UInt8] = []
        out.reserveCapacity(22)
        for _ in 0..<22 {
            state = state &+ 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            out.append(Self.base62[Int((z ^ (z >> 31)) % 62)])
        }
        return out
    }

    private func key(_ n: UInt64) -> [UInt8] {
        Key.build { $0.append(bytes: id(n)); $0.append(UInt64(1)) }
    }

    func testMillionKeyBulkLoadAndRandomLookups() throws {
        let count: UInt64 = 1_000_000
        let batch = 10_000
        let env = try open("bulk", smallOptions(mapSize: 1 << 30))   // noSync, like a rebuild
        let db = try env.openDatabase("revisions")
        let keys = (0..<count).map(key)
        let loadSeconds = try load(env, db, keys, batch: batch)
        let sortedDB = try env.openDatabase("sorted")
        let sortedSeconds = try load(env, sortedDB, keys.sorted { $0.lexicographicallyPrecedes($1) },
                                     batch: batch, flags: .append)

        let lookups = 200_000
        var generator = SystemRandomNumberGenerator()
        let probes = (0..<lookups).map { _ in UInt64.random(in: 0..<count, using: &generator) }
        let probeKeys = probes.map { keys[Int($0)] }
        var hits = 0
        let lookupStart = Date()
        try env.read { txn in
            for (i, k) in probeKeys.enumerated() {
                let stored = try txn.withValue(db, k) { Key.readUInt64($0) }
                if stored == probes[i] { hits += 1 }
            }
        }
        let lookupSeconds = Date().timeIntervalSince(lookupStart)

        var scanned = 0
        let scanStart = Date()
        try env.read { txn in try txn.scan(db) { _, _ in scanned += 1; return true } }
        let scanSeconds = Date().timeIntervalSince(scanStart)

        XCTAssertEqual(hits, lookups)
        XCTAssertEqual(scanned, Int(count))
        let info = try env.info()
        print(String(format: "LMDB bulk load: %d keys (30-byte keys, 100-byte values, %d per txn) in %.2f s = %.0f keys/s (random order)",
                     Int(count), Int(batch), loadSeconds, Double(count) / loadSeconds))
        print(String(format: "LMDB bulk load in key order with .append: %.2f s = %.0f keys/s",
                     sortedSeconds, Double(count) / sortedSeconds))
        print(String(format: "LMDB random point lookups: %d in %.2f s = %.2f µs each (one read txn, zero-copy)",
                     lookups, lookupSeconds, lookupSeconds / Double(lookups) * 1e6))
        print(String(format: "LMDB full scan: %d entries in %.2f s = %.0f entries/s; data file %d MiB",
                     scanned, scanSeconds, Double(scanned) / scanSeconds, info.usedBytes >> 20))
    }

    /// Puts `keys` in transactions of `batch`, each value carrying the key's
    /// number; then syncs. Seconds taken.
    private func load(_ env: Environment, _ db: Database, _ keys: [[UInt8]], batch: Int,
                      flags: PutFlags = []) throws -> Double {
        var value = [UInt8](repeating: 0x5A, count: 100)
        let start = Date()
        for first in stride(from: 0, to: keys.count, by: batch) {
            try env.write { txn in
                for n in first..<min(first + batch, keys.count) {
                    withUnsafeBytes(of: UInt64(n).bigEndian) { value.replaceSubrange(0..<8, with: $0) }
                    try txn.put(db, keys[n], value, flags: flags)
                }
            }
        }
        try env.sync(force: true)
        return Date().timeIntervalSince(start)
    }
}

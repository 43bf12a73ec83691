import CLMDB
import Foundation

/// The environment's write transaction held open across calls, for a caller
/// that batches many changes into one commit (one set of page writes for all
/// of them): `Environment.beginBatch()`, writes through `txn` (whose reads see
/// them), then `commit()` or `abort()` on the thread that began it. Unlike
/// `Environment.write` it is not retried when the map fills up: a write that
/// hits `MDB_MAP_FULL` throws `.mapFull`, and only `abort()` remains.
public final class WriteBatch {
    public let txn: WriteTransaction
    private let environment: Environment

    init(environment: Environment, txn: WriteTransaction) {
        self.environment = environment
        self.txn = txn
    }

    public var isActive: Bool { txn.isActive }

    public func commit() throws {
        defer { release() }
        if txn.sawMapFull {
            txn.abort()
            throw LMDBError.mapFull
        }
        try txn.commit()
    }

    public func abort() {
        defer { release() }
        txn.abort()
    }

    private var released = false

    private func release() {
        guard !released else { return }
        released = true
        environment.gate.setWriter(false)
        environment.gate.leave()
    }

    deinit {
        if !released { abort() }
    }
}

extension Environment {
    /// Begins a write transaction that stays open until `commit()` or `abort()`
    /// (see `WriteBatch`). Blocks while another thread writes; throws `.misuse`
    /// if this thread already writes.
    public func beginBatch() throws -> WriteBatch {
        try gate.checkNotWriter()
        try gate.enter()
        var handle: OpaquePointer?
        let rc = mdb_txn_begin(self.handle, nil, 0, &handle)
        guard rc == 0, let handle else {
            gate.leave()
            throw rc == 0 ? LMDBError.lmdb(code: ENOMEM) : LMDBError(code: rc)
        }
        gate.setWriter(true)
        return WriteBatch(environment: self, txn: WriteTransaction(environment: self, handle: handle))
    }
}

/// Catch-up by journal streaming: in Tally the journal *is* the snapshot.
///
/// When the leader has compacted entries a follower still needs, its Raft core
/// sends a `.snapshot` message whose payload is a *manifest* the leader's state
/// machine produced when the log was compacted (`catchUpManifest()`, stored in
/// the Raft snapshot file). The follower does not hand that message to its
/// core yet. It pulls the state the manifest describes from the leader, chunk
/// by chunk, over the peer link's `catchUp` channel, and only when the sink has
/// verified and made durable the whole stream does it step the snapshot message
/// into Raft (which then installs the snapshot marker and acknowledges it).
///
/// ```
/// follower                                   leader
/// .snapshot(index S, term T, manifest) <---- Raft core (peer is behind firstIndex)
/// cursor = sink.beginCatchUp(manifest)
/// request(manifest, cursor) ---------------> source.catchUpChunk(manifest, cursor)
/// sink.applyCatchUpChunk(data) <------------ (data, next cursor or nil)
/// ... until next == nil
/// sink.finishCatchUp(index: S); step(.snapshot) -> appendResponse(S) --> leader replicates from S+1
/// ```
///
/// While streaming, committed entries the follower's core hands out are held
/// back; after `finishCatchUp` those at or below S are dropped (the stream
/// covered them), after a failure they are applied. A failed or stalled stream
/// is `abortCatchUp()`ed on the follower; the leader reports the snapshot as
/// failed after `RaftDriverOptions.snapshotStallTimeout` without chunk requests
/// and its core retries later.
///
/// All calls happen on the node's event-loop thread.
public protocol CatchUpSource: AnyObject {
    /// Describes the state machine's state as of now (everything applied):
    /// what a follower must fetch to reach it, e.g. "journal blocks 1…N, last
    /// block hash H". Called right after `sync()` when the driver compacts the log.
    func catchUpManifest() -> [UInt8]
    /// The chunk at `cursor` of the state `manifest` describes (an append-only
    /// journal can serve an old manifest's prefix after it has grown), and the
    /// cursor of the next chunk, nil after the last one.
    func catchUpChunk(manifest: [UInt8], cursor: [UInt8]) throws -> (data: [UInt8], next: [UInt8]?)
}

public protocol CatchUpSink: AnyObject {
    /// Starts catching up to the state `manifest` describes. Returns the
    /// cursor of the first chunk to fetch (skipping what this node already
    /// holds and has verified), or nil if there is nothing to fetch.
    func beginCatchUp(manifest: [UInt8]) throws -> [UInt8]?
    /// Applies one chunk; the real ledger re-verifies every hash here.
    func applyCatchUpChunk(_ data: [UInt8]) throws
    /// The stream is complete: verify the result against the manifest and make
    /// it durable. The state now reflects every log entry up to `index`, and
    /// `durableIndex` must be at least `index` afterwards.
    func finishCatchUp(index: UInt64) throws
    /// The stream failed: return to the state before `beginCatchUp` (the
    /// driver will apply log entries on top of it again).
    func abortCatchUp()
}

/// Wire format of the `catchUp` channel: request `blob manifest, blob cursor`;
/// response `blob data, u8 hasNext, [blob next]`.
enum CatchUpWire {
    static func request(manifest: [UInt8], cursor: [UInt8]) -> [UInt8] {
        var w = ClusterByteWriter()
        w.blob(manifest)
        w.blob(cursor)
        return w.bytes
    }

    static func parseRequest(_ b: [UInt8]) throws -> (manifest: [UInt8], cursor: [UInt8]) {
        var r = ClusterByteReader(b)
        let m = try r.blob()
        let c = try r.blob()
        return (m, c)
    }

    static func response(data: [UInt8], next: [UInt8]?) -> [UInt8] {
        var w = ClusterByteWriter()
        w.blob(data)
        w.u8(next == nil ? 0 : 1)
        if let next { w.blob(next) }
        return w.bytes
    }

    static func parseResponse(_ b: [UInt8]) throws -> (data: [UInt8], next: [UInt8]?) {
        var r = ClusterByteReader(b)
        let d = try r.blob()
        let more = try r.u8()
        return (d, more == 0 ? nil : try r.blob())
    }
}

import Foundation
import Raft

/// A follower's journal stream in progress (see `CatchUp.swift`).
struct CatchUpProgress {
    var message: Message
    var leader: UInt64
    var generation: UInt64
    var chunks = 0
    var bytes = 0
    var snapshot: Snapshot { message.snapshot! }
}

/// Counters for tests and `/status`.
public struct CatchUpStats: Sendable, Equatable {
    public var completed = 0
    public var failed = 0
    public var chunksReceived = 0
    public var chunksServed = 0
    public var lastFailure: String?
}

extension RaftDriver {
    // MARK: Follower side

    /// A `.snapshot` message: stream the journal it describes first, then let
    /// Raft install the marker. Messages Raft would ignore anyway (stale,
    /// already covered) go straight to the core.
    func handleSnapshotMessage(_ m: Message) {
        guard let snap = m.snapshot, !snap.isEmpty else { return node.step(m) }
        if catchUp != nil { return }  // one stream at a time; the leader resends after a failure
        let meta = snap.metadata
        // A state machine already at or past the snapshot (a stream finished
        // earlier whose marker Raft refused) needs no stream, and must never be
        // streamed backwards: Raft installs the marker and the driver skips
        // the entries the state machine holds.
        let needsStream = m.term >= node.term && meta.index > node.commitIndex && meta.index > smApplied
            && node.term(at: meta.index) != meta.term
        guard needsStream else { return node.step(m) }
        guard let sink = stateMachine as? CatchUpSink else {
            noteCatchUpFailure("snapshot at \(meta.index) received but the state machine cannot catch up by streaming")
            return
        }
        catchUpGeneration &+= 1
        catchUp = CatchUpProgress(message: m, leader: m.from, generation: catchUpGeneration)
        logCatchUpStarted(leader: m.from, index: meta.index, term: meta.term)
        do {
            if let cursor = try sink.beginCatchUp(manifest: snap.data) {
                fetchChunk(cursor)
            } else {
                finishCatchUp()
            }
        } catch {
            catchUp = nil
            noteCatchUpFailure("beginCatchUp: \(error)")
            applyDeferred()
        }
    }

    private func fetchChunk(_ cursor: [UInt8]) {
        guard let c = catchUp else { return }
        let gen = c.generation
        link.request(to: c.leader, channel: .catchUp,
                          payload: CatchUpWire.request(manifest: c.snapshot.data, cursor: cursor),
                          timeout: options.catchUpRequestTimeout) { [weak self] result in
            guard let self, let c = self.catchUp, c.generation == gen else { return }
            switch result {
            case .failure(let e):
                self.abortCatchUp("chunk request to node \(c.leader): \(e)")
            case .success(let bytes):
                do {
                    let (data, next) = try CatchUpWire.parseResponse(bytes)
                    try (self.stateMachine as! CatchUpSink).applyCatchUpChunk(data)
                    self.catchUp?.chunks += 1
                    self.catchUp?.bytes += data.count
                    self.catchUpStats.chunksReceived += 1
                    if let progress = self.catchUp { self.logCatchUpProgress(progress) }
                    if let next { self.fetchChunk(next) } else { self.finishCatchUp() }
                } catch {
                    self.abortCatchUp("chunk from node \(c.leader): \(error)")
                }
            }
        }
    }

    private func finishCatchUp() {
        guard let c = catchUp else { return }
        let index = c.snapshot.metadata.index
        // Raft refuses a marker from an earlier term; a state machine moved to
        // its index anyway would be ahead of the Raft log (and would not
        // restart). The streamed blocks stay as a replay tail instead.
        guard c.message.term >= node.term else {
            return abortCatchUp("leadership changed during catch-up (term \(c.message.term) → \(node.term))")
        }
        do {
            try (stateMachine as! CatchUpSink).finishCatchUp(index: index)
        } catch {
            return abortCatchUp("finishCatchUp(\(index)): \(error)")
        }
        catchUp = nil
        smApplied = max(smApplied, index)
        catchUpStats.completed += 1
        logCatchUpFinished(c)
        if isRunning { node.step(c.message) }
        applyDeferred()
        pump()
    }

    func abortCatchUp(_ why: String) {
        guard catchUp != nil else { return }
        catchUp = nil
        (stateMachine as? CatchUpSink)?.abortCatchUp()
        noteCatchUpFailure(why)
        if isRunning {
            applyDeferred()
            pump()
        }
    }

    private func applyDeferred() {
        let held = deferred
        deferred = []
        if !held.isEmpty { apply(held) }
    }

    private func noteCatchUpFailure(_ why: String) {
        catchUpStats.failed += 1
        catchUpStats.lastFailure = why
        logCatchUpFailed(why)
        lastError = why
    }

    // MARK: Leader side

    /// Serves one chunk of the journal to a follower being caught up.
    func serveCatchUp(from peer: UInt64, payload: [UInt8], respond: @escaping PeerLink.Respond) {
        guard isRunning, let source = stateMachine as? CatchUpSource else {
            return respond(.failure(.remote("this node cannot serve catch-up")))
        }
        snapshotActivity[peer] = loop.monotonicNow
        do {
            let (manifest, cursor) = try CatchUpWire.parseRequest(payload)
            let (data, next) = try source.catchUpChunk(manifest: manifest, cursor: cursor)
            catchUpStats.chunksServed += 1
            respond(.success(CatchUpWire.response(data: data, next: next)))
        } catch {
            respond(.failure(.remote("\(error)")))
        }
    }
}

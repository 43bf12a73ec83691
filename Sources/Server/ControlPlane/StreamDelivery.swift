import Replica
import Ion
import Ledger
import Logging
import Net

/// Delivers ACTIVE journal streams (leader only), in block order and at
/// least once: a CONTROL `CREATED` record first, then for each block whose
/// timestamp is in `[InclusiveStartTime, ExclusiveEndTime)` its BLOCK_SUMMARY
/// and REVISION_DETAILS records, then (once ExclusiveEndTime has passed and
/// every block before it went out) a CONTROL `COMPLETED` record. After each
/// delivered batch the leader proposes `streamProgress`; a new leader resumes
/// from the replicated progress, so a batch may be delivered twice, never skipped.
/// Failed deliveries are retried with exponential backoff; the stream is
/// proposed `IMPAIRED` with an `ErrorCause` on the first failure (or a new
/// cause) and back to `ACTIVE` by the next delivered batch (`streamProgress`).
/// File appends run on the loop's thread pool when there is a loop. Loop thread only.
public final class StreamDelivery {
    let stateMachine: NodeStateMachine
    let replicator: Replicator
    let now: () -> Int64
    let sinks: StreamSinks
    let loop: EventLoop?
    let schedule: (@escaping () -> Void) -> Void
    public var maxBlocksPerBatch = 64
    public var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(30))

    var inFlight: Set<String> = []
    /// Ledgers with new blocks since the last scheduled delivery pass.
    var pendingLedgers: Set<String> = []
    /// Consecutive failures per stream, and when (monotonic ns) the next attempt is allowed.
    var failures: [String: (count: Int, notBefore: UInt64)] = [:]
    /// Last delivery error per stream (for logs and /status).
    public private(set) var lastError: [String: String] = [:]
    /// When (monotonic ns) a failure of each stream was last logged.
    var lastLogged: [String: UInt64] = [:]
    /// A still-failing stream is logged again at most this often.
    public var logInterval: UInt64 = 60_000_000_000

    init(stateMachine: NodeStateMachine, replicator: Replicator, now: @escaping () -> Int64, sinks: StreamSinks, loop: EventLoop?,
         schedule: @escaping (@escaping () -> Void) -> Void) {
        self.schedule = schedule
        self.stateMachine = stateMachine
        self.replicator = replicator
        self.now = now
        self.sinks = sinks
        self.loop = loop
    }

    var registry: LedgerRegistry { stateMachine.registry }

    /// The hook after each applied transaction: cheap, no I/O inside `apply`;
    /// one delivery pass is scheduled for however many blocks arrive before it runs.
    func blockApplied(ledger: String) {
        guard registry.streams.values.contains(where: { $0.spec.ledgerName == ledger && $0.isDelivering }),
              replicator.isLeader else { return }
        let first = pendingLedgers.isEmpty
        pendingLedgers.insert(ledger)
        guard first else { return }
        schedule { [weak self] in
            guard let self else { return }
            let ledgers = self.pendingLedgers
            self.pendingLedgers = []
            for id in self.registry.streams.keys.sorted() {
                if let st = self.registry.streams[id], ledgers.contains(st.spec.ledgerName), st.isDelivering { self.deliver(id) }
            }
        }
    }

    /// Every ACTIVE or IMPAIRED stream (reconcile, leadership gained).
    public func deliverAll() {
        for id in registry.streams.keys.sorted() where registry.streams[id]?.isDelivering == true { deliver(id) }
    }

    /// Sends the next batch of stream `id` if this node leads and none is in flight.
    public func deliver(_ id: String) {
        guard replicator.isLeader, !inFlight.contains(id),
              let st = registry.streams[id], st.isDelivering,
              let ledger = registry.entry(named: st.spec.ledgerName)?.ledger else { return }
        if let f = failures[id], LedgerTime.monotonicNanoseconds() < f.notBefore { return }
        let arn = registry.streamArn(ledger: st.spec.ledgerName, streamId: id)
        let sink: StreamSink
        switch sinks.resolve(st.spec.streamArn) {
        case .success(let s): sink = s
        case .failure(let refusal):
            failed(st, refusal)
            return
        }
        var records: [IonValue] = []
        var through = st.deliveredThrough ?? -1
        if st.deliveredThrough == nil { records.append(StreamRecords.control(streamArn: arn, "CREATED")) }
        let start = NodeStateMachine.firstBlock(of: ledger) { $0 >= st.spec.inclusiveStartMs }
        through = max(through, start - 1)
        var reachedEnd = false
        var seq = through + 1
        while seq < ledger.blockCount && seq <= through + maxBlocksPerBatch {
            guard let block = try? ledger.block(at: BlockAddress(strandId: ledger.strandId, sequenceNo: seq)) else { break }
            if let end = st.spec.exclusiveEndMs, block.timestampMs >= end {
                reachedEnd = true
                break
            }
            guard let r = try? StreamRecords.records(for: block, streamArn: arn) else { break }
            records += r
            seq += 1
        }
        let lastDelivered = seq - 1
        var completed = false
        if let end = st.spec.exclusiveEndMs, reachedEnd || (now() >= end && lastDelivered == ledger.blockCount - 1) {
            records.append(StreamRecords.control(streamArn: arn, "COMPLETED"))
            completed = true
        }
        guard !records.isEmpty || lastDelivered != (st.deliveredThrough ?? -2) else { return }
        inFlight.insert(id)
        let bytes = st.spec.aggregationEnabled
            ? StreamRecords.aggregatedLines(records, partitionKey: id) : StreamRecords.lines(records)
        send(bytes, contentType: st.spec.aggregationEnabled ? "application/json" : "text/x-amzn-ion", to: sink) { [weak self] error in
            guard let self else { return }
            if let error {
                self.inFlight.remove(id)
                self.failed(st, error)
                return
            }
            if self.failures.removeValue(forKey: id) != nil {
                NodeLog.streams.info("stream delivery recovered", metadata: ["ledger": "\(st.spec.ledgerName)", "stream": "\(id)"])
            }
            self.lastError[id] = nil
            self.lastLogged[id] = nil
            let command = NodeCommand.streamProgress(ledgerName: st.spec.ledgerName, streamId: id, deliveredThrough: lastDelivered)
            self.replicator.propose(command.encoded()) { [weak self] _ in
                guard let self else { return }
                if completed {
                    self.finish(st, status: "COMPLETED", cause: nil)
                    self.inFlight.remove(id)
                } else {
                    self.inFlight.remove(id)
                    if lastDelivered < ledger.blockCount - 1 { self.deliver(id) }
                }
            }
        }
    }

    /// Records a failed attempt: schedules the retry, marks the stream IMPAIRED
    /// with its cause (once per change) and logs (on change, then once per `logInterval`).
    private func failed(_ delivered: StreamInfo, _ error: Error) {
        let id = delivered.spec.streamId
        let st = registry.streams[id] ?? delivered
        let count = (failures[id]?.count ?? 0) + 1
        let wait = backoff.delay(attempt: count - 1)
        let waitNs = UInt64(wait.components.seconds) * 1_000_000_000 + UInt64(wait.components.attoseconds / 1_000_000_000)
        let nowNs = LedgerTime.monotonicNanoseconds()
        failures[id] = (count, nowNs + waitNs)
        let message = "\(error)"
        let changed = lastError[id] != message
        lastError[id] = message
        let cause = error is StreamSinks.Refusal ? "KINESIS_STREAM_NOT_FOUND" : StreamSink.errorCause(error)
        if st.isDelivering, st.status != "IMPAIRED" || st.errorCause != cause { finish(st, status: "IMPAIRED", cause: cause) }
        if changed || lastLogged[id].map({ nowNs - $0 >= logInterval }) ?? true {
            lastLogged[id] = nowNs
            NodeLog.streams.warning("stream delivery failed", metadata: [
                "ledger": "\(st.spec.ledgerName)", "stream": "\(id)", "error_cause": "\(cause)",
                "error": "\(message)", "attempts": "\(count)", "retry_in": "\(wait)",
            ])
        }
        loop?.scheduleTimer(after: wait) { [weak self] in
            self?.failures[id]?.notBefore = 0
            self?.deliver(id)
        }
    }

    private func finish(_ st: StreamInfo, status: String, cause: String?) {
        let command = NodeCommand.finishStream(ledgerName: st.spec.ledgerName, streamId: st.spec.streamId,
                                               status: status, errorCause: cause)
        replicator.propose(command.encoded()) { _ in }
    }

    private func send(_ bytes: [UInt8], contentType: String, to sink: StreamSink, completion: @escaping (Error?) -> Void) {
        switch sink {
        case .file(let root, let relative):
            guard !bytes.isEmpty else { return completion(nil) }
            let write = { () -> Error? in
                do { try StreamSink.append(bytes, root: root, relative: relative) } catch { return error }
                return nil
            }
            if let loop { loop.offload(work: write, then: completion) } else { completion(write()) }
        case .http(let host, let port, let tls, let target):
            guard let loop else {
                completion(NodeCodingError("http(s) stream sinks need the node's event loop"))
                return
            }
            if bytes.isEmpty {
                completion(nil)
                return
            }
            StreamSink.post(bytes, contentType: contentType, host: host, port: port, tls: tls, target: target, loop: loop,
                            completion: completion)
        }
    }
}

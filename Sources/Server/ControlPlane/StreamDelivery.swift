import Ion
import Ledger
import Net

/// Delivers ACTIVE journal streams (leader only), in block order and at
/// least once: a CONTROL `CREATED` record first, then for each block whose
/// timestamp is in `[InclusiveStartTime, ExclusiveEndTime)` its BLOCK_SUMMARY
/// and REVISION_DETAILS records, then (once ExclusiveEndTime has passed and
/// every block before it went out) a CONTROL `COMPLETED` record. After each
/// delivered batch the leader proposes `streamProgress`; a new leader resumes
/// from the replicated progress, so a batch may be delivered twice, never skipped.
/// Failed deliveries are retried with exponential backoff. Loop thread only.
public final class StreamDelivery {
    let stateMachine: NodeStateMachine
    let replicator: Replicator
    let now: () -> Int64
    let exportRoot: String
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

    init(stateMachine: NodeStateMachine, replicator: Replicator, now: @escaping () -> Int64, exportRoot: String, loop: EventLoop?,
         schedule: @escaping (@escaping () -> Void) -> Void) {
        self.schedule = schedule
        self.stateMachine = stateMachine
        self.replicator = replicator
        self.now = now
        self.exportRoot = exportRoot
        self.loop = loop
    }

    var registry: LedgerRegistry { stateMachine.registry }

    /// The hook after each applied transaction: cheap, no I/O inside `apply`;
    /// one delivery pass is scheduled for however many blocks arrive before it runs.
    func blockApplied(ledger: String) {
        guard replicator.status.role == .leader,
              registry.streams.values.contains(where: { $0.spec.ledgerName == ledger && $0.status == "ACTIVE" }) else { return }
        let first = pendingLedgers.isEmpty
        pendingLedgers.insert(ledger)
        guard first else { return }
        schedule { [weak self] in
            guard let self else { return }
            let ledgers = self.pendingLedgers
            self.pendingLedgers = []
            for id in self.registry.streams.keys.sorted() {
                if let st = self.registry.streams[id], ledgers.contains(st.spec.ledgerName), st.status == "ACTIVE" { self.deliver(id) }
            }
        }
    }

    /// Every ACTIVE stream (reconcile, leadership gained).
    public func deliverAll() {
        for id in registry.streams.keys.sorted() where registry.streams[id]?.status == "ACTIVE" { deliver(id) }
    }

    /// Sends the next batch of stream `id` if this node leads and none is in flight.
    public func deliver(_ id: String) {
        guard replicator.status.role == .leader, !inFlight.contains(id),
              let st = registry.streams[id], st.status == "ACTIVE",
              let ledger = registry.entry(named: st.spec.ledgerName)?.ledger else { return }
        if let f = failures[id], LedgerTime.monotonicNanoseconds() < f.notBefore { return }
        let arn = registry.streamArn(ledger: st.spec.ledgerName, streamId: id)
        guard let sink = StreamSink(streamArn: st.spec.streamArn, exportRoot: exportRoot) else {
            finish(st, status: "FAILED", cause: "KINESIS_STREAM_NOT_FOUND")
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
        send(records, to: sink) { [weak self] error in
            guard let self else { return }
            if let error {
                self.inFlight.remove(id)
                let count = (self.failures[id]?.count ?? 0) + 1
                let wait = self.backoff.delay(attempt: count - 1)
                let waitNs = UInt64(wait.components.seconds) * 1_000_000_000 + UInt64(wait.components.attoseconds / 1_000_000_000)
                self.failures[id] = (count, LedgerTime.monotonicNanoseconds() + waitNs)
                self.lastError[id] = "\(error)"
                self.loop?.scheduleTimer(after: wait) { [weak self] in
                    self?.failures[id]?.notBefore = 0
                    self?.deliver(id)
                }
                return
            }
            self.failures[id] = nil
            self.lastError[id] = nil
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

    private func finish(_ st: StreamInfo, status: String, cause: String?) {
        let command = NodeCommand.finishStream(ledgerName: st.spec.ledgerName, streamId: st.spec.streamId,
                                               status: status, errorCause: cause)
        replicator.propose(command.encoded()) { _ in }
    }

    private func send(_ records: [IonValue], to sink: StreamSink, completion: @escaping (Error?) -> Void) {
        let bytes = StreamRecords.lines(records)
        switch sink {
        case .file(let path):
            do {
                if !bytes.isEmpty { try StreamSink.append(bytes, to: path) }
                completion(nil)
            } catch {
                completion(error)
            }
        case .http(let host, let port, let tls, let target):
            guard let loop else {
                completion(NodeCodingError("http(s) stream sinks need the node's event loop"))
                return
            }
            if bytes.isEmpty {
                completion(nil)
                return
            }
            StreamSink.post(bytes, host: host, port: port, tls: tls, target: target, loop: loop, completion: completion)
        }
    }
}

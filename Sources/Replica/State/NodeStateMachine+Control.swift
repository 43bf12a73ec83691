import Ion
import Ledger

/// Control-plane commands: the deterministic checks every node makes
/// alike (the control plane checks the same things earlier for clear
/// errors, but the log order decides races such as two creates of one name).
extension NodeStateMachine {
    static let permissionsModes: Set<String> = ["ALLOW_ALL", "STANDARD"]
    static let streamStatuses: Set<String> = ["ACTIVE", "COMPLETED", "CANCELED", "FAILED", "IMPAIRED"]
    static let exportStatuses: Set<String> = ["COMPLETED", "CANCELLED"]

    func applyControl(_ command: NodeCommand) -> ApplyResult {
        switch command {
        case .createLedger(let c):
            return createLedger(c)
        case .activateLedger(let name, let ledgerId):
            if let e = registry.entry(named: name), e.info.ledgerId == ledgerId, e.info.state == .creating, !e.info.importing {
                e.info.state = .active
            }
            return .applied(reply: [])
        case .updateLedger(let name, let protection, let kmsKey):
            guard let e = liveEntry(name) else { return notFound(name) }
            if let protection { e.info.deletionProtection = protection }
            if let kmsKey { e.info.kmsKey = kmsKey == "AWS_OWNED_KMS_KEY" ? nil : kmsKey }
            return .applied(reply: [])
        case .updatePermissionsMode(let name, let mode):
            guard let e = liveEntry(name) else { return notFound(name) }
            guard NodeStateMachine.permissionsModes.contains(mode) else {
                return .rejected(.invalidParameter("PermissionsMode must be ALLOW_ALL or STANDARD"))
            }
            e.info.permissionsMode = mode
            return .applied(reply: [])
        case .deleteLedger(let name):
            guard let e = registry.entry(named: name) else { return notFound(name) }
            switch e.info.state {
            case .deleting:
                return .rejected(.inUse("Ledger \(name) is already being deleted"))
            case .creating where e.info.importing:
                e.info.state = .deleting  // an abandoned or refused import
                return .applied(reply: [])
            case .creating:
                return .rejected(.inUse("Ledger \(name) is still being created"))
            case .active:
                guard !e.info.deletionProtection else {
                    return .rejected(.preconditionNotMet("Ledger \(name) has deletion protection enabled; disable it with UpdateLedger first"))
                }
                e.info.state = .deleting
                return .applied(reply: [])
            }
        case .purgeLedger(let name, let ledgerId):
            guard let e = registry.entry(named: name), e.info.ledgerId == ledgerId, e.info.state == .deleting else {
                return .applied(reply: [])
            }
            for (id, export) in registry.exports where export.spec.ledgerName == name && export.status == "IN_PROGRESS" {
                registry.exports[id]?.status = "CANCELLED"
                registry.exports[id]?.message = "ledger deleted"
            }
            for (id, stream) in registry.streams where stream.spec.ledgerName == name && stream.isDelivering {
                registry.streams[id]?.status = "CANCELED"
            }
            touched.remove(name)
            registry.purge(name)
            return .applied(reply: [])
        case .tagResource(let arn, let tags):
            return changeTags(arn) { ResourceTags.merge($0, tags) }
        case .untagResource(let arn, let keys):
            let drop = Set(keys)
            return changeTags(arn) { $0.filter { !drop.contains($0.key) } }
        case .exportJournal(let e):
            return startExport(e)
        case .finishExport(let id, let status, let message):
            guard NodeStateMachine.exportStatuses.contains(status) else {
                return .rejected(.invalidParameter("bad export status \(status)"))
            }
            if registry.exports[id]?.status == "IN_PROGRESS" {
                registry.exports[id]?.status = status
                registry.exports[id]?.message = message
            }
            return .applied(reply: [])
        case .startStream(let s):
            guard let e = liveEntry(s.ledgerName) else { return notFound(s.ledgerName) }
            guard e.info.state == .active else { return notActive(s.ledgerName) }
            guard registry.streams[s.streamId] == nil else {
                return .rejected(.alreadyExists("Stream \(s.streamId) already exists"))
            }
            registry.streams[s.streamId] = StreamInfo(spec: s)
            return .applied(reply: [])
        case .streamProgress(let ledger, let id, let through):
            // A delivered batch also ends an impairment.
            if let st = registry.streams[id], st.spec.ledgerName == ledger, st.isDelivering {
                if through > (st.deliveredThrough ?? Int.min) { registry.streams[id]?.deliveredThrough = through }
                registry.streams[id]?.status = "ACTIVE"
                registry.streams[id]?.errorCause = nil
            }
            return .applied(reply: [])
        case .finishStream(let ledger, let id, let status, let cause):
            guard NodeStateMachine.streamStatuses.contains(status), status != "ACTIVE" else {
                return .rejected(.invalidParameter("bad stream status \(status)"))
            }
            guard let st = registry.streams[id], st.spec.ledgerName == ledger else {
                return .rejected(.notFound("Stream \(id) of ledger \(ledger) does not exist"))
            }
            guard st.isDelivering else {
                return .rejected(.preconditionNotMet("Stream \(id) is \(st.status), not ACTIVE"))
            }
            registry.streams[id]?.status = status
            registry.streams[id]?.errorCause = cause
            return .applied(reply: [])
        case .importBlocks, .finishImport:
            return applyImport(command)
        case .transaction:
            preconditionFailure("transactions are applied by applyTransaction")
        }
    }

    private func createLedger(_ c: NodeCommand.CreateLedger) -> ApplyResult {
        if let existing = registry.entry(named: c.name) {
            if existing.info.state == .deleting {
                return .rejected(.inUse("Ledger \(c.name) is being deleted; retry later"))
            }
            return .rejected(.alreadyExists("Ledger \(c.name) already exists"))
        }
        guard registry.entries.count < registry.options.maxLedgers else {
            return .rejected(.limitExceeded("The limit of \(registry.options.maxLedgers) ledgers has been reached"))
        }
        guard NodeStateMachine.permissionsModes.contains(c.permissionsMode) else {
            return .rejected(.invalidParameter("PermissionsMode must be ALLOW_ALL or STANDARD"))
        }
        let entry = LedgerRegistry.Entry(info: LedgerInfo(create: c))
        do {
            try registry.open(entry)
        } catch {
            storageFailure = "creating ledger \(c.name): \(error)"
            return .rejected(.storageFailed("cannot create the journal of ledger \(c.name): \(error)"))
        }
        if let count = entry.ledger?.blockCount, count > 0 { entry.replayTail = 0..<count }
        registry.add(entry)
        return .applied(reply: [])
    }

    private func startExport(_ x: NodeCommand.ExportJournal) -> ApplyResult {
        guard let e = liveEntry(x.ledgerName), let ledger = e.ledger else { return notFound(x.ledgerName) }
        guard e.info.state == .active else { return notActive(x.ledgerName) }
        guard registry.exports[x.exportId] == nil else {
            return .rejected(.alreadyExists("Export \(x.exportId) already exists"))
        }
        let running = registry.exports.values.filter { $0.spec.ledgerName == x.ledgerName && $0.status == "IN_PROGRESS" }.count
        guard running < registry.options.maxConcurrentExports else {
            return .rejected(.limitExceeded("Ledger \(x.ledgerName) already has \(running) journal exports in progress"))
        }
        var spec = x
        spec.inclusiveStartMs = max(spec.inclusiveStartMs, e.info.creationTimeMs)
        let range = NodeStateMachine.blocks(of: ledger, from: spec.inclusiveStartMs, before: spec.exclusiveEndMs)
        registry.exports[x.exportId] = ExportInfo(spec: spec, status: "IN_PROGRESS", firstSequenceNo: range?.lowerBound,
                                                  lastSequenceNo: range?.upperBound, strandId: ledger.strandId)
        return .applied(reply: [])
    }

    /// Blocks whose timestamp is in `[start, end)` (timestamps never go backwards).
    static func blocks(of ledger: Ledger, from start: Int64, before end: Int64) -> ClosedRange<Int>? {
        let first = firstBlock(of: ledger) { $0 >= start }
        let afterLast = firstBlock(of: ledger) { $0 >= end }
        return first < afterLast ? first...(afterLast - 1) : nil
    }

    /// The first sequenceNo whose block timestamp satisfies `pred` (monotonic), or blockCount.
    public static func firstBlock(of ledger: Ledger, where pred: (Int64) -> Bool) -> Int {
        var lo = 0
        var hi = ledger.blockCount
        while lo < hi {
            let mid = (lo + hi) / 2
            let ts = (try? ledger.block(at: BlockAddress(strandId: ledger.strandId, sequenceNo: mid)).timestampMs) ?? Int64.max
            if pred(ts) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    private func changeTags(_ arn: String, _ change: ([ResourceTag]) -> [ResourceTag]) -> ApplyResult {
        switch LedgerRegistry.parseArn(arn) {
        case .ledger(let name)?:
            guard let e = liveEntry(name) else { return notFound(name) }
            let tags = change(e.info.tags)
            guard tags.count <= ResourceTags.maxPerResource else { return tooManyTags(arn) }
            e.info.tags = tags
        case .stream(let ledger, let id)?:
            guard let st = registry.streams[id], st.spec.ledgerName == ledger else {
                return .rejected(.notFound("Stream \(id) of ledger \(ledger) does not exist"))
            }
            let tags = change(st.tags)
            guard tags.count <= ResourceTags.maxPerResource else { return tooManyTags(arn) }
            registry.streams[id]?.tags = tags
        case nil:
            return .rejected(.invalidParameter("\(arn) is not a QLDB ledger or stream ARN"))
        }
        return .applied(reply: [])
    }

    /// A ledger that exists and is not being deleted.
    func liveEntry(_ name: String) -> LedgerRegistry.Entry? {
        guard let e = registry.entry(named: name), e.info.state != .deleting else { return nil }
        return e
    }

    private func notFound(_ name: String) -> ApplyResult {
        .rejected(.notFound("Ledger \(name) does not exist"))
    }

    private func notActive(_ name: String) -> ApplyResult {
        .rejected(.preconditionNotMet("Ledger \(name) is not ACTIVE yet"))
    }

    private func tooManyTags(_ arn: String) -> ApplyResult {
        .rejected(.invalidParameter("\(arn) would have more than \(ResourceTags.maxPerResource) tags"))
    }
}

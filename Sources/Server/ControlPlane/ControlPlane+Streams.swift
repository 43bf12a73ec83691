import Replica
import Ion
import Ledger
import Net
import QLDBWire

/// StreamJournalToKinesis, DescribeJournalKinesisStream,
/// ListJournalKinesisStreamsForLedger, CancelJournalKinesisStream.
extension ControlPlane {
    func streamJournal(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let (entry, _) = try activeLedger(name)
        let body = try ControlPlaneBody(request)
        let roleArn = try body.requiredString("RoleArn", length: 20...1600)
        let start = try body.timeMs("InclusiveStartTime", required: true)!
        let end = try body.timeMs("ExclusiveEndTime")
        let kinesis = try body.object("KinesisConfiguration", required: true)!
        let streamArn = try kinesis.requiredString("StreamArn", length: 1...1600)
        let aggregation = try kinesis.bool("AggregationEnabled") ?? true
        let streamName = try body.requiredString("StreamName")
        try ControlPlaneBody.checkName(streamName, parameter: "StreamName")
        let tags = try body.tags("Tags") ?? []
        if case .failure(let refusal) = options.streamSinks.resolve(streamArn) {
            throw ControlPlaneError.invalid(refusal.description, parameter: "KinesisConfiguration.StreamArn")
        }
        let now = options.now()
        guard start <= now + 60_000 else {
            throw ControlPlaneError.invalid("InclusiveStartTime must not be in the future", parameter: "InclusiveStartTime")
        }
        if let end, end <= start {
            throw ControlPlaneError.invalid("ExclusiveEndTime must be after InclusiveStartTime", parameter: "ExclusiveEndTime")
        }
        let spec = NodeCommand.StartStream(
            streamId: options.ids.next(), ledgerName: name, streamName: streamName, roleArn: roleArn, streamArn: streamArn,
            aggregationEnabled: aggregation, inclusiveStartMs: max(start, entry.info.creationTimeMs), exclusiveEndMs: end,
            tags: tags, creationTimeMs: now)
        propose(.startStream(spec), request, resource: ("LEDGER", name), respond) { [weak self] _ in
            self?.options.schedule { self?.streams.deliver(spec.streamId) }
            return .object([("StreamId", .string(spec.streamId))])
        }
    }

    func describeStream(_ name: String, _ id: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) {
        read(request, respond) { [unowned self] in
            _ = try liveEntry(name)
            guard let st = registry.streams[id], st.spec.ledgerName == name else {
                throw ControlPlaneError.notFound("STREAM", id, "Journal stream \(id) of ledger \(name) does not exist")
            }
            return .object([("Stream", streamJSON(st))])
        }
    }

    func listStreams(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let page = try ControlPlanePage(ControlPlaneQuery(request), defaultSize: options.defaultPageSize)
        read(request, respond) { [unowned self] in
            _ = try liveEntry(name)
            let items = registry.streams.values
                .filter { $0.spec.ledgerName == name }
                .map { (key: ControlPlane.sortKey($0.spec.creationTimeMs, $0.spec.streamId), item: $0) }
                .sorted { $0.key < $1.key }
            let (streams, next) = page.slice(items)
            var members: [(String, JSONValue)] = [("Streams", .array(streams.map(streamJSON)))]
            if let next { members.append(("NextToken", .string(next))) }
            return .object(members)
        }
    }

    func cancelStream(_ name: String, _ id: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) {
        do {
            _ = try liveEntry(name)
            guard let st = registry.streams[id], st.spec.ledgerName == name else {
                throw ControlPlaneError.notFound("STREAM", id, "Journal stream \(id) of ledger \(name) does not exist")
            }
            guard st.isDelivering else {
                throw ControlPlaneError.precondition("STREAM", id, "Journal stream \(id) is \(st.status), not ACTIVE")
            }
        } catch {
            respond(errorResponse(error))
            return
        }
        propose(.finishStream(ledgerName: name, streamId: id, status: "CANCELED", errorCause: nil), request,
                resource: ("STREAM", id), respond) { _ in .object([("StreamId", .string(id))]) }
    }

    func streamJSON(_ st: StreamInfo) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("LedgerName", .string(st.spec.ledgerName)), ("CreationTime", .seconds(ms: st.spec.creationTimeMs)),
            ("InclusiveStartTime", .seconds(ms: st.spec.inclusiveStartMs)),
        ]
        if let end = st.spec.exclusiveEndMs { members.append(("ExclusiveEndTime", .seconds(ms: end))) }
        members += [
            ("RoleArn", .string(st.spec.roleArn)), ("StreamId", .string(st.spec.streamId)),
            ("Arn", .string(registry.streamArn(ledger: st.spec.ledgerName, streamId: st.spec.streamId))),
            ("Status", .string(st.status)),
            ("KinesisConfiguration", .object([("StreamArn", .string(st.spec.streamArn)),
                                              ("AggregationEnabled", .bool(st.spec.aggregationEnabled))])),
        ]
        if let cause = st.errorCause { members.append(("ErrorCause", .string(cause))) }
        members.append(("StreamName", .string(st.spec.streamName)))
        return .object(members)
    }
}

import Ion
import Ledger

/// QLDB's Kinesis stream records (PROTOCOL.md §3.10):
/// `{qldbStreamArn, recordType: "CONTROL"|"BLOCK_SUMMARY"|"REVISION_DETAILS", payload}`.
public enum StreamRecords {
    public static func control(streamArn: String, _ type: String) -> IonValue {
        record(streamArn, "CONTROL", .struct([("controlRecordType", .string(type))]))
    }

    /// The BLOCK_SUMMARY record of `block`, then one REVISION_DETAILS record per
    /// user revision (catalog revisions of DDL are summarised, not detailed).
    public static func records(for block: Block, streamArn: String) throws -> [IonValue] {
        var summary: [(String, IonValue)] = []
        guard case .struct(let fields) = block.ion.content else { return [] }
        for field in fields where field.name.text != "revisions" {
            summary.append((field.name.text ?? "", field.value))
        }
        summary.append(("revisionSummaries", .list(block.revisions.map { r in
            .struct([("hash", .blob(r.hash)), ("documentId", .string(r.metadata.id))])
        })))
        var out = [record(streamArn, "BLOCK_SUMMARY", .struct(summary))]
        let tables = try block.documentTables()
        for revision in block.revisions {
            guard let table = tables[revision.metadata.id], table.tableId != Ledger.catalogTableId else { continue }
            out.append(record(streamArn, "REVISION_DETAILS", .struct([
                ("tableInfo", .struct([("tableName", .string(table.tableName)), ("tableId", .string(table.tableId))])),
                ("revision", revision.ion),
            ])))
        }
        return out
    }

    static func record(_ arn: String, _ type: String, _ payload: IonValue) -> IonValue {
        .struct([("qldbStreamArn", .string(arn)), ("recordType", .string(type)), ("payload", payload)])
    }

    /// With `AggregationEnabled`: the records (each as its Ion text line would hold it)
    /// aggregated KPL-style, one Kinesis record per line as a PutRecords entry,
    /// `{"PartitionKey":"<streamId>","Data":"<base64>"}` (JSON, hence also Ion text).
    /// One partition key per stream keeps a real Kinesis stream's records in one shard, in order.
    public static func aggregatedLines(_ records: [IonValue], partitionKey: String) -> [UInt8] {
        let user = records.map { KinesisAggregation.Record(partitionKey: partitionKey, data: Array(Ion.writeText([$0]).utf8)) }
        var out: [UInt8] = []
        for r in KinesisAggregation.aggregate(user) {
            var line = "{\"PartitionKey\":"
            IonJSON.appendQuoted(r.partitionKey, to: &line)
            line += ",\"Data\":\"" + Base64.encode(r.data) + "\"}\n"
            out += Array(line.utf8)
        }
        return out
    }

    /// The file and HTTP sinks' wire form: Ion text, one record per line.
    public static func lines(_ records: [IonValue]) -> [UInt8] {
        var out: [UInt8] = []
        for r in records {
            out += Array(Ion.writeText([r]).utf8)
            out.append(0x0A)
        }
        return out
    }
}

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

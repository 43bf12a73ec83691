import Ion
import Ledger

/// Encodes `NodeCommand.transaction` (the leader's commit path: one per
/// transaction) without building the command's value first: the fixed fields
/// are written straight from the proposal, by preset symbol ids, and only the
/// values it carries (documents, statement parameters, redactions) go through
/// the generic encoder. The same value as `Ion.writeBinary([command.ion])`;
/// the bytes may differ (symbol ids), and `NodeCommand.decode` reads both.
enum TransactionCommandWriter {
    /// "version" is a system symbol, so not in the preset.
    static let preset = IonSymbolPreset([
        "op", "ledger", "block", "checkpoint", "sequenceNo", "blockHash", "transactionId", "timestamp",
        "statements", "statement", "startTime", "parameters", "writes", "tableId", "tableName", "documentId",
        "data", "redactions",
    ])
    private static let op = preset.id("op")
    private static let ledger = preset.id("ledger")
    private static let block = preset.id("block")
    private static let checkpoint = preset.id("checkpoint")
    private static let sequenceNo = preset.id("sequenceNo")
    private static let blockHash = preset.id("blockHash")
    private static let transactionId = preset.id("transactionId")
    private static let timestamp = preset.id("timestamp")
    private static let statements = preset.id("statements")
    private static let statement = preset.id("statement")
    private static let startTime = preset.id("startTime")
    private static let parameters = preset.id("parameters")
    private static let writes = preset.id("writes")
    private static let tableId = preset.id("tableId")
    private static let tableName = preset.id("tableName")
    private static let documentId = preset.id("documentId")
    private static let data = preset.id("data")
    private static let redactions = preset.id("redactions")

    /// `{op: "transaction", ledger, block: {…}, checkpoint?: {sequenceNo, blockHash}}`, back to front.
    static func encode(_ t: NodeCommand.Transaction) -> [UInt8] {
        var w = IonBinaryBuilder(preset: preset)
        let command = w.position
        if let cp = t.checkpoint {
            let start = w.position
            w.write(.blob(cp.blockHash))
            w.writeFieldName(id: blockHash)
            w.write(.int(cp.sequenceNo))
            w.writeFieldName(id: sequenceNo)
            w.closeStruct(since: start)
            w.writeFieldName(id: checkpoint)
        }
        write(t.proposal, to: &w)
        w.writeFieldName(id: block)
        w.write(.string(t.ledgerName))
        w.writeFieldName(id: ledger)
        w.write(.string("transaction"))
        w.writeFieldName(id: op)
        w.closeStruct(since: command)
        return w.finish()
    }

    /// `BlockProposal.ion`: `{transactionId, timestamp, statements, writes, redactions}`.
    private static func write(_ p: BlockProposal, to w: inout IonBinaryBuilder) {
        let proposal = w.position
        let redactionList = w.position
        for r in p.redactions.reversed() { w.write(r.ion) }
        w.closeList(since: redactionList)
        w.writeFieldName(id: redactions)
        let writeList = w.position
        for write in p.writes.reversed() {
            let start = w.position
            ints(write.statements, to: &w)
            w.writeFieldName(id: statements)
            if let value = write.data {
                w.write(value)
                w.writeFieldName(id: data)
            }
            w.write(.int(write.version))
            w.writeFieldName("version")
            w.write(.string(write.documentId))
            w.writeFieldName(id: documentId)
            w.write(.string(write.tableName))
            w.writeFieldName(id: tableName)
            w.write(.string(write.tableId))
            w.writeFieldName(id: tableId)
            w.closeStruct(since: start)
        }
        w.closeList(since: writeList)
        w.writeFieldName(id: writes)
        let statementList = w.position
        for s in p.statements.reversed() {
            let start = w.position
            let parameterList = w.position
            for value in s.parameters.reversed() { w.write(value) }
            w.closeList(since: parameterList)
            w.writeFieldName(id: parameters)
            w.write(IonValue(.int(.small(s.startTimeMs))))
            w.writeFieldName(id: startTime)
            w.write(.string(s.text))
            w.writeFieldName(id: statement)
            w.closeStruct(since: start)
        }
        w.closeList(since: statementList)
        w.writeFieldName(id: statements)
        w.write(IonValue(.int(.small(p.timestampMs))))
        w.writeFieldName(id: timestamp)
        w.write(.string(p.transactionId))
        w.writeFieldName(id: transactionId)
        w.closeStruct(since: proposal)
    }

    private static func ints(_ values: [Int], to w: inout IonBinaryBuilder) {
        let start = w.position
        for v in values.reversed() { w.write(.int(v)) }
        w.closeList(since: start)
    }
}

extension LedgerTransaction {
    /// The transaction's buffered work at one point, so a statement that fails
    /// part-way can be undone and leave the transaction as it was.
    public struct Savepoint {
        fileprivate var statements: [BlockProposal.Statement]
        fileprivate var statementBytes: Int
        fileprivate var writes: [String: BufferedWrite]
        fileprivate var writeOrder: [String]
        fileprivate var tableChanges: [String: TableDef]
        fileprivate var tableOrder: [String]
        fileprivate var redactions: [RedactionRequest]
    }

    public func savepoint() -> Savepoint {
        Savepoint(statements: statements, statementBytes: statementBytes, writes: writes, writeOrder: writeOrder,
                  tableChanges: tableChanges, tableOrder: tableOrder, redactions: redactions)
    }

    /// Undoes every write and statement since `savepoint`. Reads stay in the
    /// read set: what a failed statement looked at can still conflict, which
    /// is only ever more cautious.
    public func rollback(to savepoint: Savepoint) {
        statements = savepoint.statements
        statementBytes = savepoint.statementBytes
        writes = savepoint.writes
        writeOrder = savepoint.writeOrder
        tableChanges = savepoint.tableChanges
        tableOrder = savepoint.tableOrder
        redactions = savepoint.redactions
    }
}

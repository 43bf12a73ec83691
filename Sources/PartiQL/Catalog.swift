import Ion

/// What the PartiQL engine needs from storage, within one transaction.
/// `Ledger` implements it; the engine never touches storage directly.
///
/// Reads record what they read (for optimistic concurrency control):
/// `scan` records the whole table, `lookup` only the index keys it used,
/// `document` the document's version. Writes are buffered until commit.
/// Every method throws `CatalogError` with a message fit for a client.
public protocol Catalog: AnyObject {
    /// The committing transaction's id (`TXID()`), and the time the
    /// statement runs at (`UTCNOW()`).
    var transactionID: String { get }
    var now: IonTimestamp { get }

    /// Active user tables: name → table id.
    func activeTables() -> [(name: String, id: String)]
    /// Whether an active user table has exactly this name (what `activeTables()` would list).
    func hasActiveTable(named name: String) -> Bool
    func indexedFields(table: String) throws -> [String]

    /// The user view of a table: current documents, including this transaction's writes.
    func scan(table: String) throws -> [CatalogDocument]
    /// Current documents whose top-level `field` equals `value` under PartiQL's
    /// `=` (numbers by value, timestamps by instant), via an index.
    func lookup(table: String, field: String, value: IonValue) throws -> [CatalogDocument]
    func document(table: String, id: String) throws -> CatalogDocument?

    /// `_ql_committed_<table>`: `{blockAddress, hash, data, metadata}` of each current document.
    func committedView(table: String) throws -> [IonValue]
    /// `history(table | 'tableId', start?, end?)`: every revision active within [start, end].
    func history(table: String, start: IonTimestamp?, end: IonTimestamp?) throws -> [IonValue]
    /// Rows of `information_schema.user_tables`.
    func userTables() throws -> [IonValue]

    func insert(table: String, document: IonValue) throws -> String
    func update(table: String, id: String, document: IonValue) throws
    func delete(table: String, id: String) throws

    func createTable(name: String, tags: [(String, String)]) throws -> String
    func dropTable(name: String) throws -> String
    func undropTable(id: String) throws -> String
    func createIndex(table: String, field: String) throws -> String
    func dropIndex(table: String, indexID: String) throws -> String
    /// `EXEC REDACT_REVISION blockAddress, tableId, documentId`; returns the request struct.
    func redactRevision(blockAddress: IonValue, tableID: String, documentID: String) throws -> IonValue

    /// The running statement's budget: a catalog that reads many documents for
    /// one call (a scan, a history) calls `budget.tick()` as it goes, so even
    /// one large read ends within the statement's time.
    func bind(budget: StatementBudget?)

    /// `history(...)` of one document (`WHERE h.metadata.id = 'id'`): a
    /// catalog with an index on document ids reads only that document's revisions.
    func history(table: String, start: IonTimestamp?, end: IonTimestamp?, documentId: String) throws -> [IonValue]

    /// The user view of a table (what `scan` returns, in the same order), to
    /// be read a few documents at a time: a streamed query's source. The scan
    /// enters the read set when it is opened.
    func openScan(table: String) throws -> any CatalogScan
    /// `history(...)` (see `history(table:start:end:)`) and `_ql_committed_<table>`
    /// (see `committedView`) read the same way; each document's `data` is the row.
    func openHistoryScan(table: String, start: IonTimestamp?, end: IonTimestamp?) throws -> any CatalogScan
    func openCommittedScan(table: String) throws -> any CatalogScan
}

/// A table read a few documents at a time. Its calls may come from different
/// threads, one at a time.
public protocol CatalogScan: AnyObject {
    /// About `limit` more documents (all the rows of one document come
    /// together); empty once the scan is done. A call that throws has read
    /// nothing: the next call starts where it would have.
    func next(limit: Int) throws -> [CatalogDocument]
}

/// A scan over documents already read (catalogs without a cursor).
final class DocumentArrayScan: CatalogScan {
    private let documents: [CatalogDocument]
    private var position = 0

    init(_ documents: [CatalogDocument]) { self.documents = documents }

    func next(limit: Int) throws -> [CatalogDocument] {
        let end = min(documents.count, position + max(0, limit))
        defer { position = end }
        return Array(documents[position..<end])
    }
}

extension Catalog {
    public func bind(budget: StatementBudget?) {}

    public func hasActiveTable(named name: String) -> Bool { activeTables().contains { $0.name == name } }

    public func openScan(table: String) throws -> any CatalogScan { DocumentArrayScan(try scan(table: table)) }

    public func openHistoryScan(table: String, start: IonTimestamp?, end: IonTimestamp?) throws -> any CatalogScan {
        DocumentArrayScan(try history(table: table, start: start, end: end).map { CatalogDocument(id: "", data: $0) })
    }

    public func openCommittedScan(table: String) throws -> any CatalogScan {
        DocumentArrayScan(try committedView(table: table).map { CatalogDocument(id: "", data: $0) })
    }

    public func history(table: String, start: IonTimestamp?, end: IonTimestamp?, documentId: String) throws -> [IonValue] {
        try history(table: table, start: start, end: end).filter {
            $0[field: "metadata"]?[field: "id"] == .string(documentId)
        }
    }
}

/// One current document as the engine sees it.
public struct CatalogDocument: Sendable {
    public var id: String
    public var data: IonValue
    /// `{id, version, txTime, txId}`, or nil for a document written in this transaction.
    public var metadata: IonValue?

    public init(id: String, data: IonValue, metadata: IonValue? = nil) {
        self.id = id
        self.data = data
        self.metadata = metadata
    }
}

/// A client-facing error from the catalog: unknown table, limits, conflicts in DDL…
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

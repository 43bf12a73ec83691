import Ion
@testable import PartiQL

/// An in-memory Catalog for tests: tables of documents with ids and versions,
/// simple indexes, revisions for history(), and a recorded read set.
final class FakeCatalog: Catalog {
    struct Revision {
        var id: String
        var version: Int
        var data: IonValue?
        var txTime: IonTimestamp
        var txId: String
        var seq: Int
        var redacted = false
    }

    final class Table {
        var id: String
        var name: String
        var active = true
        var docs: [String: (data: IonValue, version: Int)] = [:]
        var order: [String] = []
        var indexes: [(id: String, field: String)] = []
        var revisions: [Revision] = []
        init(id: String, name: String) { self.id = id; self.name = name }
    }

    var tables: [Table] = []
    var transactionID = "txid0000000000000000001"
    var now = IonTimestamp(year: 2024, month: 1, day: 1, hour: 12, minute: 0, second: 0, offsetMinutes: 0, precision: .second)
    /// What reads touched: "table:T", "key:T.f=<ion>", "doc:T/id".
    var readSet: [String] = []
    var writes: [String] = []
    var redactions: [(IonValue, String, String)] = []
    private var counter = 0
    private var seq = 0

    private func newID(_ prefix: String) -> String {
        counter += 1
        return prefix + String(repeating: "0", count: max(0, 20 - String(counter).count)) + String(counter)
    }

    func table(_ name: String) throws -> Table {
        guard let t = tables.first(where: { $0.name == name && $0.active }) else { throw CatalogError("No such table: \(name)") }
        return t
    }

    func activeTables() -> [(name: String, id: String)] { tables.filter(\.active).map { ($0.name, $0.id) } }
    /// How often the planner asked for a table's indexes (once for each table source it plans).
    var indexedFieldsCalls = 0
    func indexedFields(table: String) throws -> [String] {
        indexedFieldsCalls += 1
        return try self.table(table).indexes.map(\.field)
    }

    func scan(table: String) throws -> [CatalogDocument] {
        let t = try self.table(table)
        readSet.append("table:\(table)")
        return t.order.compactMap { id in t.docs[id].map { doc(t, id, $0.data, $0.version) } }
    }

    private func doc(_ t: Table, _ id: String, _ data: IonValue, _ version: Int) -> CatalogDocument {
        CatalogDocument(id: id, data: data, metadata: .struct([("id", .string(id)), ("version", .int(version))]))
    }

    func lookup(table: String, field: String, value: IonValue) throws -> [CatalogDocument] {
        let t = try self.table(table)
        guard t.indexes.contains(where: { $0.field == field }) else { throw CatalogError("no index on \(field)") }
        readSet.append("key:\(table).\(field)=\(Ion.writeText([value]))")
        return t.order.compactMap { id in
            guard let d = t.docs[id], let f = d.data[field: field], f.isEquivalent(to: value) else { return nil }
            return doc(t, id, d.data, d.version)
        }
    }

    func document(table: String, id: String) throws -> CatalogDocument? {
        let t = try self.table(table)
        readSet.append("doc:\(table)/\(id)")
        return t.docs[id].map { doc(t, id, $0.data, $0.version) }
    }

    private func revisionValue(_ t: Table, _ r: Revision) -> IonValue {
        var fields: [(String, IonValue)] = [
            ("blockAddress", .struct([("strandId", .string("strand1")), ("sequenceNo", .int(r.seq))])),
            ("hash", .blob([UInt8](repeating: UInt8(r.seq & 0xFF), count: 4))),
        ]
        if r.redacted { fields.append(("dataHash", .blob([1, 2, 3]))) } else if let d = r.data { fields.append(("data", d)) }
        fields.append(("metadata", .struct([("id", .string(r.id)), ("version", .int(r.version)),
                                            ("txTime", IonValue(.timestamp(r.txTime))), ("txId", .string(r.txId))])))
        return .struct(fields)
    }

    func committedView(table: String) throws -> [IonValue] {
        let t = try self.table(table)
        readSet.append("table:\(table)")
        return t.order.compactMap { id in
            guard t.docs[id] != nil, let r = t.revisions.last(where: { $0.id == id }) else { return nil }
            return revisionValue(t, r)
        }
    }

    func history(table: String, start: IonTimestamp?, end: IonTimestamp?) throws -> [IonValue] {
        guard let t = tables.first(where: { $0.name == table || $0.id == table }) else { throw CatalogError("No such table: \(table)") }
        readSet.append("table:\(t.name)")
        func minutes(_ ts: IonTimestamp) -> Int { ts.utcMinuteOfEpoch }
        return t.revisions.filter { r in
            if let s = start, minutes(r.txTime) < minutes(s) { return false }
            if let e = end, minutes(r.txTime) > minutes(e) { return false }
            return true
        }.map { revisionValue(t, $0) }
    }

    func userTables() throws -> [IonValue] {
        tables.map { t in
            .struct([("tableId", .string(t.id)), ("name", .string(t.name)),
                     ("indexes", .list(t.indexes.map { .struct([("indexId", .string($0.id)), ("expr", .string("[\($0.field)]")), ("status", .string("ONLINE"))]) })),
                     ("status", .string(t.active ? "ACTIVE" : "INACTIVE"))])
        }
    }

    private func revise(_ t: Table, _ id: String, _ data: IonValue?, _ version: Int) {
        seq += 1
        t.revisions.append(Revision(id: id, version: version, data: data, txTime: now, txId: transactionID, seq: seq))
    }

    func insert(table: String, document: IonValue) throws -> String {
        let t = try self.table(table)
        let id = newID("doc")
        t.docs[id] = (document, 0)
        t.order.append(id)
        revise(t, id, document, 0)
        writes.append("\(table)/\(id)")
        return id
    }

    func update(table: String, id: String, document: IonValue) throws {
        let t = try self.table(table)
        guard let d = t.docs[id] else { throw CatalogError("no document \(id)") }
        t.docs[id] = (document, d.version + 1)
        revise(t, id, document, d.version + 1)
        writes.append("\(table)/\(id)")
    }

    func delete(table: String, id: String) throws {
        let t = try self.table(table)
        guard let d = t.docs.removeValue(forKey: id) else { throw CatalogError("no document \(id)") }
        t.order.removeAll { $0 == id }
        revise(t, id, nil, d.version + 1)
        writes.append("\(table)/\(id)")
    }

    func createTable(name: String, tags: [(String, String)]) throws -> String {
        if tables.contains(where: { $0.name == name && $0.active }) { throw CatalogError("Table \(name) already exists") }
        let t = Table(id: newID("tbl"), name: name)
        tables.append(t)
        return t.id
    }

    func dropTable(name: String) throws -> String {
        let t = try table(name)
        t.active = false
        return t.id
    }

    func undropTable(id: String) throws -> String {
        guard let t = tables.first(where: { $0.id == id && !$0.active }) else { throw CatalogError("No inactive table \(id)") }
        t.active = true
        return t.id
    }

    func createIndex(table: String, field: String) throws -> String {
        let t = try self.table(table)
        t.indexes.append((newID("idx"), field))
        return t.id
    }

    func dropIndex(table: String, indexID: String) throws -> String {
        let t = try self.table(table)
        guard t.indexes.contains(where: { $0.id == indexID }) else { throw CatalogError("No such index \(indexID)") }
        t.indexes.removeAll { $0.id == indexID }
        return t.id
    }

    func redactRevision(blockAddress: IonValue, tableID: String, documentID: String) throws -> IonValue {
        redactions.append((blockAddress, tableID, documentID))
        return .struct([("blockAddress", blockAddress), ("tableId", .string(tableID)), ("documentId", .string(documentID)), ("version", .int(0))])
    }
}

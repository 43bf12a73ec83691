import ArgumentParser
import Foundation
import Ion
import PartiQL

/// `tally bench partiql`: parse+plan time, indexed point lookup and full-scan
/// rate of the engine over an in-memory table (engine time, no storage).
struct BenchPartiQL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partiql",
        abstract: "PartiQL engine figures over an in-memory table (see scripts/bench-partiql).")

    @Option(help: "Documents in the table.")
    var documents: Int = 1_000_000

    func time(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<n { try body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(n) / 1000
    }

    func run() throws {
        let count = documents
        let engine = PartiQLEngine()
        let small = BenchCatalog(count: 10)
        let statements = [
            "SELECT * FROM Vehicle AS v WHERE v.VIN = ?",
            "SELECT v.VIN, v.Owner.name FROM Vehicle AS v BY vid WHERE v.Make = 'Ford' AND v.Year BETWEEN 2010 AND 2020",
            "UPDATE Vehicle AS v SET v.Make = ?, v.Year = v.Year + 1 WHERE v.VIN = ?",
            "INSERT INTO Vehicle VALUE {'VIN': ?, 'Make': 'Kia', 'Year': 2024, 'tags': ['a', 'b']}",
        ]
        print("PartiQL benchmark (\(count) documents)")
        for s in statements {
            let us = try time(20_000) { _ = try engine.explain(statement: s, catalog: small) }
            print(String(format: "  parse+plan %7.2f µs  %@", us, s))
        }
        let start = Date()
        let big = BenchCatalog(count: count)
        print(String(format: "  built table in %.1f s", Date().timeIntervalSince(start)))
        var k = 0
        let lookup = try time(20_000) {
            k = (k &+ 7919) % count
            let r = try engine.execute(statement: "SELECT * FROM Vehicle AS v WHERE v.VIN = ?", parameters: [.string("VIN\(k)")], catalog: big)
            precondition(r.count == 1)
        }
        print(String(format: "  indexed point lookup: %.2f µs per statement (engine + hash index)", lookup))
        let scan = try time(3) {
            let r = try engine.execute(statement: "SELECT VALUE COUNT(*) FROM Vehicle AS v WHERE v.Make = 'Ford' AND v.Year > 2010", catalog: big)
            precondition(r.count == 1)
        }
        print(String(format: "  full scan with filter: %.0f ms, %.2f M documents/s", scan / 1000, Double(count) / scan))
    }
}

/// A catalog with one big table and a hash index on `VIN`.
final class BenchCatalog: Catalog {
    var transactionID = "bench"
    var now = IonTimestamp(year: 2024, precision: .year)
    var docs: [CatalogDocument] = []
    var index: [String: [Int]] = [:]

    init(count: Int) {
        docs.reserveCapacity(count)
        for i in 0..<count {
            let data = IonValue.struct([("VIN", .string("VIN\(i)")), ("Make", .string(i % 2 == 0 ? "Ford" : "Kia")),
                                        ("Year", .int(2000 + i % 25)), ("Owner", .struct([("name", .string("n\(i)"))]))])
            docs.append(CatalogDocument(id: "id\(i)", data: data))
            index["VIN\(i)", default: []].append(i)
        }
    }

    func activeTables() -> [(name: String, id: String)] { [("Vehicle", "tbl")] }
    func indexedFields(table: String) throws -> [String] { ["VIN"] }
    func scan(table: String) throws -> [CatalogDocument] { docs }
    func lookup(table: String, field: String, value: IonValue) throws -> [CatalogDocument] {
        guard case .string(let s) = value.content else { return [] }
        return (index[s] ?? []).map { docs[$0] }
    }
    func document(table: String, id: String) throws -> CatalogDocument? { nil }
    func committedView(table: String) throws -> [IonValue] { [] }
    func history(table: String, start: IonTimestamp?, end: IonTimestamp?) throws -> [IonValue] { [] }
    func userTables() throws -> [IonValue] { [] }
    func insert(table: String, document: IonValue) throws -> String { "" }
    func update(table: String, id: String, document: IonValue) throws {}
    func delete(table: String, id: String) throws {}
    func createTable(name: String, tags: [(String, String)]) throws -> String { "" }
    func dropTable(name: String) throws -> String { "" }
    func undropTable(id: String) throws -> String { "" }
    func createIndex(table: String, field: String) throws -> String { "" }
    func dropIndex(table: String, indexID: String) throws -> String { "" }
    func redactRevision(blockAddress: IonValue, tableID: String, documentID: String) throws -> IonValue { .null }
}

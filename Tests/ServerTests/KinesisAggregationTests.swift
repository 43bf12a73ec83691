import Foundation
import Ion
import XCTest
@testable import Replica
@testable import Server

/// The KPL aggregated record format (awslabs/amazon-kinesis-producer `aggregation-format.md`).
final class KinesisAggregationTests: XCTestCase {
    /// A protobuf field as read back: number, wire type, and its varint or bytes.
    struct Field: Equatable {
        var number: Int
        var varint: UInt64?
        var bytes: [UInt8]?
    }

    /// A minimal protobuf reader (wire types 0 and 2 only), independent of the writer under test.
    static func fields(_ b: [UInt8]) throws -> [Field] {
        var i = 0
        func varint() throws -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < b.count else { throw NSError(domain: "truncated varint", code: 0) }
                let byte = b[i]
                i += 1
                v |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return v }
                shift += 7
            }
        }
        var out: [Field] = []
        while i < b.count {
            let key = try varint()
            switch key & 7 {
            case 0: out.append(Field(number: Int(key >> 3), varint: try varint()))
            case 2:
                let n = Int(try varint())
                guard i + n <= b.count else { throw NSError(domain: "truncated field", code: 0) }
                out.append(Field(number: Int(key >> 3), bytes: Array(b[i..<i + n])))
                i += n
            default: throw NSError(domain: "unexpected wire type \(key & 7)", code: 0)
            }
        }
        return out
    }

    /// The user records in a sink's aggregated lines (`{"PartitionKey", "Data"}` per line), checking magic and MD5.
    static func deaggregate(_ sinkText: String) throws -> [(partitionKey: String, text: String)] {
        var out: [(String, String)] = []
        for line in sinkText.split(separator: "\n") {
            let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: String]
            let data = Base64.decode(entry["Data"]!)!
            XCTAssertEqual(Array(data.prefix(4)), KinesisAggregation.magic)
            let message = Array(data[4..<(data.count - 16)])
            XCTAssertEqual(Array(data.suffix(16)), KinesisAggregation.md5(message))
            let top = try Self.fields(message)
            let keys = top.filter { $0.number == 1 }.map { String(decoding: $0.bytes!, as: UTF8.self) }
            for record in top where record.number == 3 {
                let f = try Self.fields(record.bytes!)
                out.append((keys[Int(f[0].varint!)], String(decoding: f[1].bytes!, as: UTF8.self)))
            }
        }
        return out
    }

    func testMD5KnownAnswers() {
        XCTAssertEqual(Hex.encode(KinesisAggregation.md5([])), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(Hex.encode(KinesisAggregation.md5(Array("abc".utf8))), "900150983cd24fb0d6963f7d28e17f72")
    }

    func testMagicFieldNumbersAndMD5Trailer() throws {
        let data = KinesisAggregation.encode([
            .init(partitionKey: "s1", data: Array("{a:1}".utf8)), .init(partitionKey: "s2", data: Array("hello".utf8)),
            .init(partitionKey: "s1", data: []),
        ])
        XCTAssertEqual(Array(data.prefix(4)), [0xF3, 0x89, 0x9A, 0xC2])
        let message = Array(data[4..<(data.count - 16)])
        XCTAssertEqual(Array(data.suffix(16)), KinesisAggregation.md5(message), "MD5 of the protobuf bytes, after them")
        let top = try Self.fields(message)
        XCTAssertEqual(top.filter { $0.number == 1 }.map { String(decoding: $0.bytes!, as: UTF8.self) }, ["s1", "s2"],
                       "partition_key_table = 1, each key once")
        XCTAssertTrue(top.allSatisfy { $0.number == 1 || $0.number == 3 }, "no explicit_hash_key_table (2)")
        let records = try top.filter { $0.number == 3 }.map { try Self.fields($0.bytes!) }
        XCTAssertEqual(records, [
            [Field(number: 1, varint: 0), Field(number: 3, bytes: Array("{a:1}".utf8))],
            [Field(number: 1, varint: 1), Field(number: 3, bytes: Array("hello".utf8))],
            [Field(number: 1, varint: 0), Field(number: 3, bytes: [])],
        ], "Record: partition_key_index = 1, data = 3 (present even when empty)")
        // The same three records aggregated by aws-kinesis-agg 1.2.3 (PyPI) RecordAggregator, byte for byte.
        XCTAssertEqual(Hex.encode(data), "f3899ac20a0273310a0273321a0908001a057b613a317d1a0908011a0568656c6c6f1a0408001a00"
            + "0357c011159dc19377d9d713b93b55b8")
    }

    func testLongVarintsAndLargeData() throws {
        var w = ProtobufWriter()
        w.varint(300)
        w.varint(UInt64.max)
        XCTAssertEqual(w.bytes, [0xAC, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        let big = [UInt8](repeating: 7, count: 70_000)
        let data = KinesisAggregation.encode([.init(partitionKey: "k", data: big)])
        let record = try Self.fields(try Self.fields(Array(data[4..<(data.count - 16)]))[1].bytes!)
        XCTAssertEqual(record[1].bytes, big)
    }

    func testAggregateSplitsAtTheLimitInOrderAndEstimatesExactly() throws {
        let records = (0..<50).map { i in
            KinesisAggregation.Record(partitionKey: i % 3 == 0 ? "stream" : "other\(i % 2)", data: Array(repeating: UInt8(i), count: 100 + i * 7))
        }
        for limit in [300, 1000, 4096, 1 << 20] {
            let out = KinesisAggregation.aggregate(records, limit: limit)
            var back: [KinesisAggregation.Record] = []
            for r in out {
                let message = Array(r.data[4..<(r.data.count - 16)])
                let top = try Self.fields(message)
                let keys = top.filter { $0.number == 1 }.map { String(decoding: $0.bytes!, as: UTF8.self) }
                let inner = try top.filter { $0.number == 3 }.map { try Self.fields($0.bytes!) }
                XCTAssertEqual(r.partitionKey, keys[Int(inner[0][0].varint!)], "the outer key is the first record's")
                if inner.count > 1 {
                    XCTAssertLessThanOrEqual(r.data.count + r.partitionKey.utf8.count, limit, "limit \(limit)")
                }
                back += inner.map { .init(partitionKey: keys[Int($0[0].varint!)], data: $0[1].bytes!) }
            }
            XCTAssertEqual(back, records, "limit \(limit): every record once, in order")
            if limit == 1 << 20 { XCTAssertEqual(out.count, 1) }
        }
        // The size estimate is exact: a limit of exactly one aggregate's size keeps it whole, one byte less splits it.
        let whole = KinesisAggregation.aggregate(records)[0]
        let exact = whole.data.count + whole.partitionKey.utf8.count
        XCTAssertEqual(KinesisAggregation.aggregate(records, limit: exact).count, 1)
        XCTAssertEqual(KinesisAggregation.aggregate(records, limit: exact - 1).count, 2)
        XCTAssertEqual(KinesisAggregation.aggregate([]), [])
    }

    func testAggregatedLinesArePutRecordsEntries() throws {
        let records: [IonValue] = [StreamRecords.control(streamArn: "arn:aws:qldb:us-east-1:000000000000:stream/l/S", "CREATED"),
                                   .struct([("x", .int(1))])]
        let text = String(decoding: StreamRecords.aggregatedLines(records, partitionKey: "S"), as: UTF8.self)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        let entry = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: String]
        XCTAssertEqual(entry["PartitionKey"], "S")
        let data = Base64.decode(entry["Data"]!)!
        let top = try Self.fields(Array(data[4..<(data.count - 16)]))
        let payloads = try top.filter { $0.number == 3 }.map { try Self.fields($0.bytes!)[1].bytes! }
        XCTAssertEqual(payloads.map { String(decoding: $0, as: UTF8.self) + "\n" }.joined(),
                       String(decoding: StreamRecords.lines(records), as: UTF8.self),
                       "each user record is exactly the non-aggregated line's Ion text")
    }
}

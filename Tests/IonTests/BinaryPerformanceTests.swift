import Foundation
import Ion
import XCTest

/// Decoding throughput on a ledger-like document. Only measured when
/// TALLY_ION_BENCH is set (meaningful in a release build: `swift test -c release`).
final class BinaryPerformanceTests: XCTestCase {
    static func ledgerDocument(revisions: Int) -> [IonValue] {
        (0 ..< revisions).map { i in
            let ts = IonTimestamp(year: 2024, month: 1 + i % 12, day: 1 + i % 28, hour: i % 24, minute: i % 60,
                                  second: i % 60, fraction: IonDecimal(coefficient: IonInt(i % 1000), exponent: -3),
                                  offsetMinutes: 0, precision: .second)
            return IonValue(.struct([
                IonField("blockAddress", .struct([("strandId", .string("JdxjkR9bSYB5jMHWcI464T")), ("sequenceNo", .int(i))])),
                IonField("hash", .blob((0 ..< 32).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) })),
                IonField("data", .struct([
                    ("accountId", .string("ACC-\(100_000 + i % 5000)")),
                    ("amount", IonValue(.decimal(IonDecimal(coefficient: IonInt(i * 137 % 1_000_000), exponent: -2)))),
                    ("currency", .symbol(i % 3 == 0 ? "USD" : "EUR")),
                    ("memo", .string("payment for invoice #\(i) — thank you")),
                    ("tags", .list([.symbol("ledger"), .symbol("transfer")])),
                    ("posted", .bool(i % 2 == 0)),
                ])),
                IonField("metadata", .struct([
                    ("id", .string("8F0TPCmdNQ6JTRpiLj2TmW")), ("version", .int(i % 7)),
                    ("txTime", IonValue(.timestamp(ts))), ("txId", .string("A9B8C7D6E5F4G3H2I1J0")),
                ])),
            ]), annotations: ["revision"])
        }
    }

    func testDecodeThroughput() throws {
        guard ProcessInfo.processInfo.environment["TALLY_ION_BENCH"] != nil else {
            throw XCTSkip("set TALLY_ION_BENCH=1 to measure (use a release build)")
        }
        let values = Self.ledgerDocument(revisions: 20_000)
        let bytes = IonBinaryWriter.write(values)
        XCTAssertEqual(try IonBinaryReader(bytes).readAll(), values)
        let rounds = 20
        var best = Double.infinity
        for _ in 0 ..< rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            let decoded = try IonBinaryReader(bytes).readAll()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            XCTAssertEqual(decoded.count, values.count)
            best = min(best, seconds)
        }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0 ..< 5 { _ = IonBinaryWriter.write(values) }
        let writeSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / 5
        let megabytes = Double(bytes.count) / 1_000_000
        print(String(format: "binary decode: %.1f MB in %.2f ms = %.0f MB/s (best of %d); encode: %.0f MB/s",
                     megabytes, best * 1000, megabytes / best, rounds, megabytes / writeSeconds))
    }
}

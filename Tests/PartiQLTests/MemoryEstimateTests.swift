import CHeapStats
import Ion
import XCTest
@testable import PartiQL

/// The statement memory budget charges `estimatedBytes` for every document a
/// query holds. The estimate must track what the values really take on the
/// heap (found at 10 M revisions: at the 128 MiB default a query built whole
/// held about 1 GB when the budget stopped it — the estimate counted data
/// bytes only). Measured here with glibc's allocator statistics.
final class MemoryEstimateTests: XCTestCase {
    static let documents = [
        "{a: 1, b: \"hi\"}",
        "{VIN: \"1N4AL11D75C109151\", Make: \"Audi\", Model: \"A5\", Year: 2019, Color: \"Silver\", MileageOdometer: 12345, Price: 42000.50}",
        "{blockAddress: {strandId: \"JdxjkR9bSYB5jMHWcI464T\", sequenceNo: 12345}, hash: {{ a5MEsIhDTfUhWEcVpzU0vTs6DlDGe3GrmLGUoyrTv1k= }}, data: {n: 42, name: \"a document with a longer name than fifteen\"}, metadata: {id: \"0358taiZ6Fl9Ul4V5j2Uyf\", version: 3, txTime: 2026-12-04T15:20:00.000Z, txId: \"0358tad2SZV1oGuPE7Xk37\"}}",
        "{tags: [\"red\", \"green\", \"blue\", \"a rather long tag name here\"], sizes: [1, 2, 3, 4, 5, 6, 7, 8], nested: {deep: {deeper: {deepest: true}}}}",
    ]

    private func heapInUse() -> Int { Int(mallinfo().uordblks) }  // mallinfo2 is not in the Glibc module; the heap here is far below 2 GiB

    /// Heap bytes per value for `count` values decoded from binary (each with
    /// its own storage), counting the array slot each one takes.
    private func measuredBytes<T>(_ text: String, count: Int, convert: (IonValue) -> T) throws -> Int {
        let binary = Ion.writeBinary(try Ion.read(text))
        let before = heapInUse()
        var held: [T] = []
        held.reserveCapacity(count)
        for _ in 0..<count { held.append(convert(try Ion.read(binary)[0])) }
        let after = heapInUse()
        withExtendedLifetime(held) {}
        return (after - before) / count
    }

    override func setUpWithError() throws {
        try XCTSkipIf(heapInUse() == 0, "no heap statistics on this platform")
    }

    func testTheIonEstimateTracksTheHeap() throws {
        for text in Self.documents {
            let value = try Ion.read(text)[0]
            let measured = try measuredBytes(text, count: 4000) { $0 }
            let ratio = Double(value.estimatedBytes) / Double(measured)
            XCTAssertTrue((0.75...1.5).contains(ratio), "estimate \(value.estimatedBytes) for \(measured) measured (\(ratio)): \(text)")
        }
    }

    func testThePartiQLValueEstimateTracksTheHeap() throws {
        for text in Self.documents {
            let value = Value(ion: try Ion.read(text)[0])
            let measured = try measuredBytes(text, count: 4000) { Value(ion: $0) }
            let ratio = Double(value.estimatedBytes) / Double(measured)
            XCTAssertTrue((0.75...1.5).contains(ratio), "estimate \(value.estimatedBytes) for \(measured) measured (\(ratio)): \(text)")
        }
    }
}

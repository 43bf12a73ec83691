import ArgumentParser
import CHeapStats
import Foundation
import Ion
import Ledger

/// `tally bench ion`: codec and Ion Hash throughput on generated ledger-like documents.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Micro-benchmarks (see scripts/bench-*).",
        subcommands: [BenchIon.self, BenchCommandCodec.self, BenchLedger.self, BenchPartiQL.self, BenchLoad.self, BenchScale.self]
    )
}

struct BenchIon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ion",
        abstract: "Binary decode/encode, text decode and Ion Hash throughput on ledger-like documents.")

    @Option(help: "Approximate size of the generated binary stream, in MB.")
    var sizeMb: Int = 50

    @Option(help: "Runs per measurement; medians and spreads are reported.")
    var runs: Int = 5

    @Option(help: "Also write the generated stream here (binary), for other tools to decode.")
    var writeBinary: String?

    @Option(help: "Also write the generated stream here (text).")
    var writeText: String?

    @Option(help: """
        With glibc's malloc: warm keeps freed memory in the process (M_TRIM_THRESHOLD 1 GiB, M_MMAP_THRESHOLD \
        32 MiB), so each run measures the codec, not the kernel faulting in again what the previous run's values \
        gave back (how much glibc gives back depends on its fragmentation); default: glibc's own settings. The \
        tally executable links tcmalloc, which keeps freed memory in its page heap whatever this says.
        """)
    var heap: Heap = .warm

    enum Heap: String, ExpressibleByArgument {
        case warm, `default`
    }

    @Option(help: "Also write about 2 MB of the same documents here (binary), for slow decoders.")
    var writeSample: String?

    @Option(help: "Which measurements to run: all, codec (decode and encode) or hash (Ion Hash and SHA-256).")
    var only: Part = .all

    enum Part: String, ExpressibleByArgument {
        case all, codec, hash
    }

    func run() throws {
        let tcmalloc = tally_malloc_is_tcmalloc() != 0
        let warm = heap == .warm && !tcmalloc && tally_keep_freed_heap() != 0
        var generator = LedgerDocumentGenerator(seed: 42)
        var documents = (0..<2000).map { _ in generator.next() }
        let perDocument = max(1, Ion.writeBinary(documents).count / documents.count)
        while documents.count * perDocument < sizeMb << 20 { documents.append(generator.next()) }
        let binary = Ion.writeBinary(documents)
        let text = Array(Ion.writeText(documents).utf8)
        if let path = writeBinary { try Data(binary).write(to: URL(fileURLWithPath: path)) }
        if let path = writeText { try Data(text).write(to: URL(fileURLWithPath: path)) }
        if let path = writeSample {
            let sample = Ion.writeBinary(Array(documents.prefix(max(1, (2 << 20) / perDocument))))
            try Data(sample).write(to: URL(fileURLWithPath: path))
        }
        print("documents: \(documents.count), binary \(mb(binary.count)) MB, text \(mb(text.count)) MB, runs: \(runs), "
              + "heap: \(tcmalloc ? "tcmalloc's (freed memory kept in its page heap)" : warm ? "warm (freed memory kept)" : "glibc's default")")

        // Decoders build the values; freeing them afterwards is the consumer's
        // cost and stays outside the timed region.
        if only != .hash {
            report("binary decode", bytes: binary.count) { try Ion.read(binary) }
            report("binary encode", bytes: binary.count) { Ion.writeBinary(documents) }
            report("text decode", bytes: text.count) { try Ion.read(text) }
            report("text encode", bytes: text.count) { Ion.writeText(documents) }
        }
        if only != .codec { try hashes(documents) }
    }

    private func hashes(_ documents: [IonValue]) throws {
        // Ion Hash of ~1 KB documents, against raw SHA-256 of the same number of bytes.
        let sample = Array(documents.prefix(20_000))
        let sampleBytes = sample.reduce(0) { $0 + Ion.writeBinary([$1]).count - 4 }
        report("ion hash (per document)", bytes: sampleBytes) {
            for document in sample { _ = document.ionHash }
        }
        // The same documents hashed from their binary encoding, as one stream
        // (one local symbol table) and as one stream each (a table each, as a
        // client's parameters come), without building values.
        let stream = Ion.writeBinary(sample)
        report("ion hash from binary (one stream)", bytes: stream.count) { try Ion.sha256Hashes(ofBinary: stream) }
        guard try Ion.sha256Hashes(ofBinary: stream) == sample.map(\.ionHash) else {
            throw ValidationError("Ion Hash from binary disagrees with the hash of the values")
        }
        let streams = sample.map { Ion.writeBinary([$0]) }
        report("ion hash from binary (per document)", bytes: sampleBytes) {
            for bytes in streams { _ = try Ion.sha256Hashes(ofBinary: bytes) }
        }
        // How many SHA-256 compressions Ion Hash needs per document (every
        // struct field is its own digest) against hashing the bytes once.
        let counter = CompressionCounter()
        for document in sample { _ = IonHasher(counter).hash(document) }
        let rawBlocks = sample.reduce(0) { $0 + (Ion.writeBinary([$1]).count - 4 + 9 + 63) / 64 }
        print(String(format: "ion hash needs %.1f SHA-256 compressions per document, raw hashing of its bytes %.1f (x%.1f)",
                     Double(counter.blocks) / Double(sample.count), Double(rawBlocks) / Double(sample.count),
                     Double(counter.blocks) / Double(max(1, rawBlocks))))
        // The same SHA-256 calls alone, one at a time through OpenSSL (the inputs'
        // exact lengths, one digest each into a buffer): what Ion Hash would reach
        // digesting field by field if everything but OpenSSL's work cost nothing.
        // (With the SHA extensions a struct's fields are digested two at a time,
        // `tally_sha256_each`, which this replay does not do.)
        let sizes = counter.sizes
        let scratch = [UInt8](repeating: 0x5A, count: sizes.max() ?? 0)
        let sha = SHA256HashFunction()
        report("sha256 calls one by one (\(sizes.count / max(1, sample.count)) per document)", bytes: sampleBytes) {
            withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { digest in
                scratch.withUnsafeBytes { raw in
                    for n in sizes { sha.writeDigest(of: UnsafeRawBufferPointer(rebasing: raw[0..<n]), to: digest.baseAddress!) }
                }
            }
        }
        let averageSize = max(1, sampleBytes / sample.count)
        let block = [UInt8](repeating: 0x5A, count: averageSize)
        report("raw sha256 (\(averageSize) B buffers)", bytes: averageSize * sample.count) {
            for _ in 0..<sample.count { _ = SHA256.hash(block) }
        }
    }

    private func mb(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }

    private func report<Result>(_ name: String, bytes: Int, _ body: () throws -> Result) {
        var rates: [Double] = []
        for _ in 0..<runs {
            var kept: Result?
            let start = DispatchTime.now().uptimeNanoseconds
            do { kept = try body() } catch {
                print("\(name): failed: \(error)")
                return
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            withExtendedLifetime(kept) {}
            kept = nil
            rates.append(Double(bytes) / 1_048_576 / seconds)
        }
        rates.sort()
        let median = rates[rates.count / 2]
        print(String(format: "%-32@ median %8.1f MB/s   min %8.1f   max %8.1f", name as NSString, median, rates.first!, rates.last!))
    }
}

/// Counts the SHA-256 compression-function calls a hash would make.
final class CompressionCounter: IonHashFunction {
    var blocks = 0
    /// The length of every input, in order.
    var sizes: [Int] = []

    func appendDigest(of bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        blocks += (bytes.count + 9 + 63) / 64
        sizes.append(bytes.count)
        out.append(contentsOf: repeatElement(0, count: 32))
    }
}

/// Deterministic ledger-like documents: vehicle registrations with owners,
/// amounts as decimals, timestamps, nested lists (about 1 KB each in binary).
struct LedgerDocumentGenerator {
    private var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    private mutating func random() -> UInt64 { generator.next() }

    private mutating func word(_ length: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<length).map { _ in letters[Int(random() % UInt64(letters.count))] })
    }

    private mutating func timestamp() -> IonValue {
        IonValue(.timestamp(IonTimestamp(
            year: 2000 + Int(random() % 25), month: 1 + Int(random() % 12), day: 1 + Int(random() % 28),
            hour: Int(random() % 24), minute: Int(random() % 60), second: Int(random() % 60),
            fraction: IonDecimal(coefficient: IonInt(Int(random() % 1000)), exponent: -3),
            offsetMinutes: 0, precision: .second)))
    }

    private mutating func amount() -> IonValue {
        IonValue(.decimal(IonDecimal(coefficient: IonInt(Int(random() % 10_000_000)), exponent: -2)))
    }

    mutating func next() -> IonValue {
        let owners: [IonValue] = (0..<(1 + Int(random() % 3))).map { _ in
            .struct([
                ("PersonId", .string(word(22))),
                ("Name", .string(word(6) + " " + word(9))),
                ("Since", timestamp()),
                ("Share", amount()),
            ])
        }
        let history: [IonValue] = (0..<(3 + Int(random() % 6))).map { _ in
            .struct([("At", timestamp()), ("Event", .symbol(["registered", "transferred", "inspected"][Int(random() % 3)])),
                      ("Fee", amount()), ("Note", .string(word(30 + Int(random() % 40))))])
        }
        return .struct([
            ("VIN", .string(word(17))),
            ("Make", .string(word(8))),
            ("Model", .string(word(10))),
            ("Year", .int(1990 + Int(random() % 35))),
            ("Color", .symbol(["red", "blue", "black", "white", "silver"][Int(random() % 5)])),
            ("Price", amount()),
            ("Mileage", .int(Int(random() % 300_000))),
            ("RegisteredAt", timestamp()),
            ("Owners", .list(owners)),
            ("History", .list(history)),
            ("Address", .struct([("Street", .string(word(20))), ("City", .string(word(10))), ("Zip", .string(word(5)))])),
            ("Tags", .list((0..<Int(random() % 5)).map { _ in .string(word(8)) })),
            ("Active", .bool(random() % 2 == 0)),
        ])
    }
}

import Foundation
import FuzzTargets

// Built two ways (scripts/fuzz, Docs/reliability.md "Fuzzing"):
// - plain `swift build`: a small replay tool, `tally-fuzz <target> <file|dir>…`,
//   that runs inputs through a target once — no libFuzzer linked;
// - with `-DTALLY_LIBFUZZER -sanitize=fuzzer,address`: libFuzzer drives
//   `LLVMFuzzerTestOneInput`, the target named by $TALLY_FUZZ_TARGET.
//   SwiftPM links an executable's `main` to its module's entry point, so
//   libFuzzer's own `main` is not used: ours hands over to
//   `LLVMFuzzerRunDriver` (scripts/fuzz links it in and exports it for `dlsym`).

#if TALLY_LIBFUZZER
nonisolated(unsafe) private var selected: (@Sendable ([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if selected == nil {
        let name = ProcessInfo.processInfo.environment["TALLY_FUZZ_TARGET"] ?? ""
        guard let run = FuzzTargets.target(named: name) else {
            fatalError("TALLY_FUZZ_TARGET must name one of: \(FuzzTargets.all.map(\.name).joined(separator: ", "))")
        }
        selected = run
    }
    selected!(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@main
struct FuzzMain {
    typealias Driver = @convention(c) (UnsafeMutablePointer<CInt>,
                                       UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                       @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

    static func main() {
        guard let symbol = dlsym(nil, "LLVMFuzzerRunDriver") else {  // RTLD_DEFAULT
            fatalError("LLVMFuzzerRunDriver is not linked in")
        }
        let driver = unsafeBitCast(symbol, to: Driver.self)
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(driver(&argc, &argv, fuzz))
    }
}
#else
@main
struct FuzzReplay {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let name = args.first, let run = FuzzTargets.target(named: name) else {
            print("usage: tally-fuzz <\(FuzzTargets.all.map(\.name).joined(separator: "|"))> <file|dir>…")
            exit(2)
        }
        var count = 0
        for path in args.dropFirst() {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            let files = isDir.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                run([UInt8](data))
                count += 1
            }
        }
        print("\(name): \(count) inputs ran")
    }
}
#endif

import Foundation
import Ion
import XCTest
@testable import PartiQL

/// Runs Tests/Fixtures/partiql (partiql-tests subset) and prints pass/fail/skip counts.
final class ConformanceTests: XCTestCase {
    struct Tally {
        var pass = 0, fail = 0
        var skips: [SkipReason: Int] = [:]
        var failures: [String] = []
        var skipped: Int { skips.values.reduce(0, +) }
    }

    func testConformanceSuite() throws {
        let folder = SharedData.root.appendingPathComponent("partiql")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path),
                      "conformance data not found at \(folder.path)")
        var tally = Tally()
        var perFile: [(String, Int, Int)] = []
        for url in SharedData.ionFiles(under: "partiql") {
            let text = try String(contentsOf: url, encoding: .utf8)
            let values = try Ion.read(text)
            var equiv: [String: [String]] = [:]
            for v in values where v.annotations.first?.text == "equiv_class" {
                if let id = v[field: "id"], case .symbol(let s) = id.content, case .list(let sts)? = v[field: "statements"]?.content {
                    equiv[s.text ?? ""] = sts.compactMap { if case .string(let x) = $0.content { return x }; return nil }
                }
            }
            let before = (tally.pass, tally.fail)
            var env: [String: Value] = [:]
            run(values, path: url.lastPathComponent, env: &env, equiv: equiv, tally: &tally)
            perFile.append((String(url.path.dropFirst(folder.path.count + 1)), tally.pass - before.0, tally.fail - before.1))
        }
        let inScope = tally.pass + tally.fail
        let rate = inScope == 0 ? 0 : Double(tally.pass) * 100 / Double(inScope)
        print("PartiQL conformance: \(tally.pass) passed, \(tally.fail) failed, \(tally.skipped) skipped (in scope: \(inScope), pass rate \(String(format: "%.1f", rate)) %)")
        for r in SkipReason.allCases where tally.skips[r, default: 0] > 0 {
            print("  skipped \(tally.skips[r]!): \(r.rawValue)")
        }
        for (f, p, x) in perFile where x > 0 { print("  \(f): \(p) passed, \(x) failed") }
        let report = tally.failures.joined(separator: "\n")
        try? report.write(toFile: NSTemporaryDirectory() + "partiql-conformance-failures.txt", atomically: true, encoding: .utf8)
        XCTAssertGreaterThanOrEqual(rate, 90.0, "conformance pass rate fell below 90 %")
    }

    private func globals(_ envs: IonValue) -> [String: Value] {
        guard case .struct(let fields) = envs.content else { return [:] }
        var g: [String: Value] = [:]
        for f in fields { g[f.name.text ?? ""] = Value(ion: f.value, conventions: true) }
        return g
    }

    private func run(_ values: [IonValue], path: String, env: inout [String: Value], equiv: [String: [String]], tally: inout Tally) {
        for v in values {
            let annotation = v.annotations.first?.text
            if annotation == "envs" { env = globals(v); continue }
            if annotation == "equiv_class" { continue }
            if case .list(let inner) = v.content {
                var scoped = env
                run(inner, path: path + "/" + (annotation ?? ""), env: &scoped, equiv: equiv, tally: &tally)
                continue
            }
            guard case .struct = v.content, let name = v[field: "name"] else { continue }
            runCase(v, name: "\(path)/\(name.content)", env: v[field: "env"].map(globals) ?? env, equiv: equiv, tally: &tally)
        }
    }

    private func runCase(_ test: IonValue, name: String, env: [String: Value], equiv: [String: [String]], tally: inout Tally) {
        var statements: [String] = []
        switch test[field: "statement"]?.content {
        case .string(let s)?: statements = [s]
        case .symbol(let s)?: statements = equiv[s.text ?? ""] ?? []
        default: return
        }
        var asserts: [IonValue] = []
        switch test[field: "assert"]?.content {
        case .list(let xs)?: asserts = xs
        case .some: asserts = [test[field: "assert"]!]
        default: return
        }
        let raw = Ion.writeText([test])
        for a in asserts {
            guard case .symbol(let resultSym)? = a[field: "result"]?.content, let result = resultSym.text else { continue }
            var modes: [String] = []
            switch a[field: "evalMode"]?.content {
            case .symbol(let s)?: modes = [s.text ?? ""]
            case .list(let xs)?: modes = xs.compactMap { if case .symbol(let s) = $0.content { return s.text }; return nil }
            default: modes = ["EvalModeError"]
            }
            if result.hasPrefix("Syntax") || result == "StaticAnalysisFail" { modes = [modes.first ?? "EvalModeError"] }
            for mode in modes {
                if let reason = statements.lazy.compactMap({ SkipReason.classify(statement: $0, rawCase: raw) }).first {
                    tally.skips[reason, default: 0] += 1
                    continue
                }
                var ok = true
                var detail = ""
                for st in statements {
                    let (good, why) = check(st, result: result, mode: mode, output: a[field: "output"], env: env)
                    if !good { ok = false; detail = "\(st) :: \(why)"; break }
                }
                if ok { tally.pass += 1 } else {
                    tally.fail += 1
                    tally.failures.append("\(name) [\(mode) \(result)] \(detail)")
                }
            }
        }
    }

    private func check(_ st: String, result: String, mode: String, output: IonValue?, env: [String: Value]) -> (Bool, String) {
        let engine = PartiQLEngine(mode: mode == "EvalModeCoerce" ? .permissive : .strict, caseInsensitiveNames: true)
        switch result {
        case "SyntaxSuccess":
            do { _ = try engine.parse(st); return (true, "") } catch { return (false, "\(error)") }
        case "SyntaxFail":
            do { _ = try engine.parse(st); return (false, "parsed") } catch { return (true, "") }
        case "StaticAnalysisFail":
            do { _ = try engine.evaluate(st, globals: env); return (false, "evaluated") } catch { return (true, "") }
        case "EvaluationFail":
            do {
                let v = try engine.evaluate(st, globals: env)
                return (false, "got \(Ion.writeText([v.toIon(conventions: true)]).prefix(300))")
            } catch { return (true, "") }
        default:
            guard let output else { return (false, "no output") }
            let expected = Value(ion: output, conventions: true)
            do {
                let v = try engine.evaluate(st, globals: env)
                if ResultEquality.equal(v, expected) { return (true, "") }
                return (false, "got \(Ion.writeText([v.toIon(conventions: true)]).prefix(300)) expected \(Ion.writeText([output]).prefix(300))")
            } catch {
                return (false, "error \(error)")
            }
        }
    }
}

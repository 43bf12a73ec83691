import Foundation
import XCTest
import Ion

/// Shared helpers for the Ion text tests: locating the conformance data and
/// comparing values with NaN and unknown-symbol-id normalisation.
enum TextTestSupport {
    /// The repository's `Tests/Fixtures/ion`.
    static func ionTestDataDirectory(filePath: String = #filePath) -> URL {
        return URL(fileURLWithPath: filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/ion")
            .standardizedFileURL
    }

    /// Every `.ion` file under `folder` (recursively), sorted by path.
    static func ionFiles(_ folder: String) -> [URL] {
        let root = ionTestDataDirectory().appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var files: [URL] = []
        for case let url as URL in walker where url.pathExtension == "ion" {
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }

    static func relativePath(_ url: URL) -> String {
        let root = ionTestDataDirectory().path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(root) ? String(path.dropFirst(root.count + 1)) : path
    }

    static func read(_ bytes: [UInt8], maxDepth: Int = 100) throws -> [IonValue] {
        let reader = IonTextReader(bytes, options: IonReadOptions(maxDepth: maxDepth))
        return try reader.readAll()
    }

    static func read(_ text: String) throws -> [IonValue] {
        try read(Array(text.utf8))
    }

    static func write(_ values: [IonValue], pretty: Bool) -> String {
        var writer = IonTextWriter(pretty: pretty)
        for value in values { writer.write(value) }
        return writer.output
    }

    /// Replaces NaN floats (which never compare equal) with a tagged stand-in,
    /// and unknown-text symbols with `$0` (the text writer writes them as `$0`).
    static func normalized(_ value: IonValue) -> IonValue {
        IonValue(normalized(value.content), annotations: value.annotations.map(normalized))
    }

    static func normalized(_ values: [IonValue]) -> [IonValue] { values.map(normalized) }

    static func normalized(_ symbol: IonSymbol) -> IonSymbol {
        symbol.text == nil ? IonSymbol(unknownSID: 0) : symbol
    }

    static func normalized(_ content: IonContent) -> IonContent {
        switch content {
        case .float(let d) where d.isNaN: return .string("<<NaN>>")
        case .symbol(let s): return .symbol(normalized(s))
        case .list(let elements): return .list(normalized(elements))
        case .sexp(let elements): return .sexp(normalized(elements))
        case .struct(let fields):
            return .struct(fields.map { IonField(normalized($0.name), normalized($0.value)) })
        default: return content
        }
    }
}

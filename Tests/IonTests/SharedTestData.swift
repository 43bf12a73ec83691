import Foundation

/// Locates the conformance data in the repository's `Tests/Fixtures`.
enum SharedTestData {
    static var root: URL {
        // …/Tests/<Target>/<File>.swift → Tests/Fixtures (the data ships with the repository)
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
    }

    /// Every regular file under `folder` (recursive), sorted, as paths relative to `root`.
    static func files(under folder: String) -> [String] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var out: [String] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let ext = url.pathExtension
            guard ext == "ion" || ext == "10n" else { continue }
            out.append(String(url.path.dropFirst(root.path.count + 1)))
        }
        return out.sorted()
    }
}

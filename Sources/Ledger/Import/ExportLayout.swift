import Foundation
import Ion

/// The data objects of a QLDB journal export (ExportJournalToS3 layout) in
/// the order the completed manifest lists them, checked before any block is
/// read: one completed manifest, every listed object present, consecutive
/// block ranges from block 0 (from the object names
/// `<strandId>.<first>-<last>.<ion|json>`), and no unlisted data object.
public struct ExportLayout: Sendable {
    public struct DataObject: Sendable {
        public var key: String
        public var first: Int
        public var last: Int
    }

    public var exportId: String
    public var strandId: String
    public var objects: [DataObject]
    /// The objects are JSON (`.json`): their revision hashes cannot be recomputed.
    public var isJSON: Bool

    public init(directory: String) throws {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else {
            throw ImportError(block: nil, "cannot read the export directory \(directory)")
        }
        let manifests = names.filter { $0.hasSuffix(".completed.manifest") }.sorted()
        guard manifests.count == 1, let manifest = manifests.first else {
            throw ImportError(block: nil, manifests.isEmpty
                ? "\(directory) has no <exportId>.<…>.completed.manifest: the export did not complete"
                : "\(directory) has \(manifests.count) completed manifests (\(manifests.joined(separator: ", "))): import one export at a time")
        }
        exportId = String(manifest.prefix { $0 != "." })
        let keys = try ExportLayout.keys(manifestPath: "\(directory)/\(manifest)")
        guard !keys.isEmpty else { throw ImportError(block: nil, "\(manifest) lists no data object") }
        var objects: [DataObject] = []
        var strand: String?
        for key in keys {
            guard let name = key.split(separator: "/").last.map(String.init),
                  let parsed = ExportLayout.parseName(name) else {
                throw ImportError(block: nil, "data object \(key) is not named <strandId>.<first>-<last>.ion|json")
            }
            if let strand, strand != parsed.strand {
                throw ImportError(block: nil, "data object \(key) is of strand \(parsed.strand), the export's is \(strand)")
            }
            strand = parsed.strand
            guard fm.fileExists(atPath: "\(directory)/\(key)") else {
                throw ImportError(block: parsed.first, "data object \(key) (blocks \(parsed.first)-\(parsed.last)) listed in \(manifest) is missing")
            }
            let expectedFirst = objects.last.map { $0.last + 1 } ?? 0
            guard parsed.first == expectedFirst, parsed.last >= parsed.first else {
                if let previous = objects.last {
                    throw ImportError(block: expectedFirst, "data objects out of order or missing: \(key) (blocks \(parsed.first)-\(parsed.last)) "
                        + "follows \(previous.key) (blocks \(previous.first)-\(previous.last)); block \(expectedFirst) was expected next")
                }
                throw ImportError(block: 0, "data objects out of order or missing: the first listed, \(key), starts at block "
                    + "\(parsed.first); an import needs the journal from block 0")
            }
            objects.append(DataObject(key: key, first: parsed.first, last: parsed.last))
        }
        strandId = strand!
        self.objects = objects
        let extensions = Set(keys.map { $0.hasSuffix(".json") })
        guard extensions.count == 1 else { throw ImportError(block: nil, "the export mixes JSON and Ion data objects") }
        isJSON = extensions.first!
        let listed = Set(keys)
        if let stray = ExportLayout.dataFiles(under: directory, strandId: strandId).first(where: { !listed.contains($0) }) {
            throw ImportError(block: nil, "data object \(stray) is not listed in \(manifest): the manifest and the objects disagree")
        }
    }

    static func keys(manifestPath: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw ImportError(block: nil, "cannot read \(manifestPath)")
        }
        let values: [IonValue]
        do { values = try Ion.read([UInt8](data)) } catch { throw ImportError(block: nil, "\(manifestPath) does not parse: \(error)") }
        guard values.count == 1, case .list(let list)? = values[0][field: "keys"]?.content else {
            throw ImportError(block: nil, "\(manifestPath) has no keys list")
        }
        return try list.map { value in
            guard case .string(let key) = value.content, !key.hasPrefix("/"), !key.split(separator: "/").contains("..") else {
                throw ImportError(block: nil, "\(manifestPath) lists a key that is not a relative path")
            }
            return key
        }
    }

    /// `<strandId>.<first>-<last>.<ext>` → its parts.
    static func parseName(_ name: String) -> (strand: String, first: Int, last: Int)? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, ["ion", "json"].contains(parts[2]) else { return nil }
        let range = parts[1].split(separator: "-")
        guard range.count == 2, let first = Int(range[0]), let last = Int(range[1]), first >= 0 else { return nil }
        return (String(parts[0]), first, last)
    }

    /// Relative paths of the files under `directory` named like the strand's data objects.
    static func dataFiles(under directory: String, strandId: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var out: [String] = []
        while let path = walker.nextObject() as? String {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            if name.hasPrefix(strandId + "."), parseName(name) != nil { out.append(path) }
        }
        return out.sorted()
    }
}

/// Why an import was refused: the block (when one is at fault) and what differed.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public var block: Int?
    public var message: String
    public init(block: Int?, _ message: String) {
        self.block = block
        self.message = message
    }
    public var description: String { block.map { "block \($0): \(message)" } ?? message }
}

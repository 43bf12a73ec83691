import Foundation
import Replica
import Ion
import Ledger
import Net

/// One ExportJournalToS3 run on the leader, off the event loop: blocks are
/// read on the loop one data file's worth (≤ `blocksPerFile`) per turn, and
/// encoding, directory creation and writing run on the loop's thread pool
/// (synchronously when there is no loop). The export directory is
/// `<root>/<bucket>/<prefix>`, opened component by component without
/// following symlinks (`ConfinedPath`).
final class ExportRun {
    let export: ExportInfo
    let root: String
    let loop: EventLoop?
    /// The ledger to read, nil once it is gone; called on the loop.
    let ledger: () -> Ledger?
    /// False once the run should stop silently (leadership lost).
    let shouldContinue: () -> Bool
    var blocksPerFile = 100
    var blocksPerTurn = 10
    private var keys: [String] = []
    private var next: Int
    private var completion: ((Error?) -> Void)?

    init(export: ExportInfo, root: String, loop: EventLoop?, ledger: @escaping () -> Ledger?,
         shouldContinue: @escaping () -> Bool) {
        self.export = export
        self.root = root
        self.loop = loop
        self.ledger = ledger
        self.shouldContinue = shouldContinue
        next = export.firstSequenceNo ?? 0
    }

    var spec: NodeCommand.ExportJournal { export.spec }
    var format: JournalExport.Format { JournalExport.Format(rawValue: spec.outputFormat) ?? .ionText }

    /// Path components of the export directory under the root, or nil if it could escape.
    static func directoryComponents(_ spec: NodeCommand.ExportJournal) -> [String]? {
        guard let prefix = ConfinedPath.components(spec.prefix), let bucket = ConfinedPath.components(spec.bucket),
              bucket.count == 1 else { return nil }
        return bucket + prefix
    }

    /// Runs the export; `completion` gets nil (written), `Stopped` (once
    /// `shouldContinue` turned false) or the error that ended it.
    func start(completion: @escaping (Error?) -> Void) {
        self.completion = completion
        guard let parts = ExportRun.directoryComponents(spec) else {
            return finish(ControlPlaneError.invalid("the export directory would leave the export root"))
        }
        let root = self.root
        offload({
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let fd = try ConfinedPath.openDirectory(root: root, relative: parts, create: true)
            close(fd)
        }) { [self] in writeNextFile(parts) }
    }

    /// Reads the next data file's blocks, `blocksPerTurn` per loop turn, then writes it off the loop.
    private func writeNextFile(_ parts: [String], _ partial: [Block] = []) {
        guard let last = export.lastSequenceNo, next <= last || !partial.isEmpty else { return writeManifests(parts) }
        guard let ledger = ledger() else { return finish(ControlPlaneError.ledgerNotFound(spec.ledgerName)) }
        var batch = partial
        var read = 0
        do {
            while next <= last {
                let block = try ledger.block(at: BlockAddress(strandId: ledger.strandId, sequenceNo: next))
                if JournalExport.startsNewFile(after: batch, block, blocksPerFile: blocksPerFile) { break }
                batch.append(block)
                next += 1
                read += 1
                if read == blocksPerTurn && next <= last, let loop {
                    loop.execute { [self] in
                        guard shouldContinue() else { return finish(Stopped()) }
                        writeNextFile(parts, batch)
                    }
                    return
                }
            }
        } catch {
            return finish(error)
        }
        let (root, strandId, format) = (self.root, export.strandId, self.format)
        offload({ () -> String in
            let file = JournalExport.dataFile(batch, strandId: strandId, format: format)
            let fd = try ConfinedPath.openDirectory(root: root, relative: parts + file.folder.split(separator: "/").map(String.init),
                                                    create: true)
            close(fd)
            try JournalExport.write(file.bytes, to: ([root] + parts + [file.key]).joined(separator: "/"))
            return file.key
        }) { [self] key in
            keys.append(key)
            writeNextFile(parts)
        }
    }

    private func writeManifests(_ parts: [String]) {
        let dir = ([root] + parts).joined(separator: "/")
        let completed: IonValue = .struct([("keys", .list(keys.map { .string($0) }))])
        let completedPath = "\(dir)/\(spec.exportId).\(export.strandId).completed.manifest"
        // QLDB's started manifest carries the requested range and the real bucket and prefix.
        var started = NodeRecordBuilder()
        started.add("ledgerName", spec.ledgerName)
        started.add("exportId", spec.exportId)
        started.add("inclusiveStartTime", IonValue(.timestamp(LedgerTime.timestamp(milliseconds: spec.inclusiveStartMs))))
        started.add("exclusiveEndTime", IonValue(.timestamp(LedgerTime.timestamp(milliseconds: spec.exclusiveEndMs))))
        started.add("bucket", spec.bucket)
        started.add("prefix", spec.prefix)
        started.add("objectEncryptionType", spec.objectEncryptionType)
        started.add("outputFormat", spec.outputFormat)
        let startedValue = started.value
        let startedPath = "\(dir)/\(spec.exportId).started.manifest"
        offload({
            try JournalExport.write(Array(Ion.writeText([completed]).utf8), to: completedPath)
            try JournalExport.write(Array(Ion.writeText([startedValue]).utf8), to: startedPath)
        }) { [self] in finish(nil) }
    }

    struct Stopped: Error {}

    private func finish(_ error: Error?) {
        let c = completion
        completion = nil
        c?(error)
    }

    /// Runs `work` on the pool (or here, without a loop), then `then` on the loop
    /// if it succeeded and the run should go on; a failure finishes the run.
    private func offload<T>(_ work: @escaping () throws -> T, then: @escaping (T) -> Void) {
        let body = { () -> Result<T, Error> in Result { try work() } }
        let resume: (Result<T, Error>) -> Void = { [self] result in
            guard shouldContinue() else { return finish(Stopped()) }
            switch result {
            case .success(let value): then(value)
            case .failure(let error): finish(error)
            }
        }
        if let loop { loop.offload(work: body, then: resume) } else { resume(body()) }
    }
}

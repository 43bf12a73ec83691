extension MetricsCommand {
    /// The metrics label of a control-plane request, and the ledger it names
    /// (nil for operations across ledgers).
    static func controlPlane(method: String, path: String) -> (command: MetricsCommand, ledger: String?)? {
        guard let route = try? ControlPlaneRoute(method: method, path: path) else { return nil }
        switch route {
        case .createLedger: return (.createLedger, nil)
        case .listLedgers: return (.listLedgers, nil)
        case .describeLedger(let l): return (.describeLedger, l)
        case .updateLedger(let l): return (.updateLedger, l)
        case .updatePermissionsMode(let l): return (.updateLedgerPermissionsMode, l)
        case .deleteLedger(let l): return (.deleteLedger, l)
        case .getDigest(let l): return (.getDigest, l)
        case .getBlock(let l): return (.getBlock, l)
        case .getRevision(let l): return (.getRevision, l)
        case .exportJournal(let l): return (.exportJournalToS3, l)
        case .describeExport(let l, _): return (.describeJournalS3Export, l)
        case .listExports: return (.listJournalS3Exports, nil)
        case .listExportsForLedger(let l): return (.listJournalS3ExportsForLedger, l)
        case .streamJournal(let l): return (.streamJournalToKinesis, l)
        case .describeStream(let l, _): return (.describeJournalKinesisStream, l)
        case .listStreams(let l): return (.listJournalKinesisStreamsForLedger, l)
        case .cancelStream(let l, _): return (.cancelJournalKinesisStream, l)
        case .tagResource: return (.tagResource, nil)
        case .untagResource: return (.untagResource, nil)
        case .listTags: return (.listTagsForResource, nil)
        case .startImport(let l), .importBlocks(let l), .finishImport(let l): return (.importLedger, l)
        }
    }
}

import Foundation
import QLDBWire

/// DescribeLedger / CreateLedger / UpdateLedger answers (PROTOCOL.md §2.2).
struct LedgerDescription {
    var name: String
    var arn: String?
    var state: String
    var creationDateTime: Double?
    var permissionsMode: String?
    var deletionProtection: Bool?
    var kmsKeyArn: String?

    init(json: JSONValue) {
        name = json["Name"]?.stringValue ?? ""
        arn = json["Arn"]?.stringValue
        state = json["State"]?.stringValue ?? "?"
        creationDateTime = json["CreationDateTime"]?.doubleValue
        permissionsMode = json["PermissionsMode"]?.stringValue
        deletionProtection = json["DeletionProtection"]?.boolValue
        kmsKeyArn = json["KmsKeyArn"]?.stringValue ?? json["EncryptionDescription"]?["KmsKeyArn"]?.stringValue
    }

    /// `Name: value` lines for `tally ledger describe`.
    var lines: [(String, String)] {
        var out: [(String, String)] = [("Name", name)]
        if let arn { out.append(("Arn", arn)) }
        out.append(("State", state))
        if let t = creationDateTime { out.append(("CreationDateTime", CLITime.iso(epochSeconds: t))) }
        if let p = permissionsMode { out.append(("PermissionsMode", p)) }
        if let d = deletionProtection { out.append(("DeletionProtection", String(d))) }
        if let k = kmsKeyArn { out.append(("KmsKeyArn", k)) }
        return out
    }
}

struct LedgerSummary {
    var name: String
    var state: String
    var creationDateTime: Double?
}

/// GetDigest: the digest and the address of the block it covers (Ion text).
struct LedgerDigest {
    var digest: [UInt8]
    var tipAddress: String
}

/// GetBlock / GetRevision: the value and its proof, both Ion text as sent.
struct ProvenValue {
    var ionText: String
    var proofIonText: String?
}

/// JournalS3ExportDescription.
struct ExportDescription {
    var exportId: String
    var ledgerName: String
    var status: String
    var bucket: String
    var prefix: String
    var inclusiveStartTime: Double?
    var exclusiveEndTime: Double?
    var outputFormat: String?

    init(json: JSONValue) {
        exportId = json["ExportId"]?.stringValue ?? ""
        ledgerName = json["LedgerName"]?.stringValue ?? ""
        status = json["Status"]?.stringValue ?? "?"
        bucket = json["S3ExportConfiguration"]?["Bucket"]?.stringValue ?? ""
        prefix = json["S3ExportConfiguration"]?["Prefix"]?.stringValue ?? ""
        inclusiveStartTime = json["InclusiveStartTime"]?.doubleValue
        exclusiveEndTime = json["ExclusiveEndTime"]?.doubleValue
        outputFormat = json["OutputFormat"]?.stringValue
    }
}

import Foundation
import Ion

/// Client-side verification of GetRevision / GetBlock answers against a
/// digest the client already holds (PROTOCOL.md §3.4, §3.5, §3.7). Every
/// hash is recomputed here from the returned values; the server's own hash
/// fields are only compared, never trusted.
enum ProofVerifier {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    struct Address: Equatable, CustomStringConvertible {
        var strandId: String
        var sequenceNo: Int
        var description: String { "{strandId:\"\(strandId)\",sequenceNo:\(sequenceNo)}" }

        init(strandId: String, sequenceNo: Int) {
            self.strandId = strandId
            self.sequenceNo = sequenceNo
        }

        init(ion value: IonValue, what: String) throws {
            guard case .string(let strand)? = value[field: "strandId"]?.content,
                  case .int(.small(let seq))? = value[field: "sequenceNo"]?.content, seq >= 0 else {
                throw Failure("\(what) is not {strandId: string, sequenceNo: int}: \(Ion.writeText([value]))")
            }
            strandId = strand
            sequenceNo = Int(seq)
        }

        init(text: String, what: String) throws {
            let values: [IonValue]
            do { values = try Ion.read(text) } catch { throw Failure("\(what) is not Ion text: \(error)") }
            guard values.count == 1 else { throw Failure("\(what) must be one Ion struct") }
            try self.init(ion: values[0], what: what)
        }
    }

    /// A verified value: the lines saying what was checked.
    struct Report {
        var checks: [String] = []
        mutating func ok(_ s: String) { checks.append("ok  " + s) }
    }

    static func parseOne(_ text: String, what: String) throws -> IonValue {
        let values: [IonValue]
        do { values = try Ion.read(text) } catch { throw Failure("\(what) is not Ion text: \(error)") }
        guard values.count == 1 else { throw Failure("\(what) holds \(values.count) Ion values, not 1") }
        return values[0]
    }

    /// The proof: an Ion list of 32-byte blobs.
    static func parseProof(_ text: String?) throws -> [[UInt8]] {
        guard let text else { throw Failure("the server sent no Proof") }
        return try proofHashes(parseOne(text, what: "Proof"))
    }

    static func proofHashes(_ value: IonValue) throws -> [[UInt8]] {
        guard case .list(let items) = value.content else { throw Failure("Proof is not an Ion list") }
        return try items.enumerated().map { i, item in
            guard case .blob(let b) = item.content, b.count == 32 else {
                throw Failure("Proof[\(i)] is not a 32-byte blob")
            }
            return b
        }
    }

    static func blob(_ value: IonValue, _ field: String, what: String) throws -> [UInt8] {
        guard case .blob(let b)? = value[field: field]?.content else { throw Failure("\(what) has no blob field \(field)") }
        return b
    }

    /// `dot(H(metadata), H(data))`; `dataHash` stands in for redacted data; a
    /// deleted document's last revision has metadata only.
    static func revisionHash(_ revision: IonValue) throws -> [UInt8] {
        guard let metadata = revision[field: "metadata"] else { throw Failure("the revision has no metadata") }
        if let data = revision[field: "data"] {
            return QLDBHash.dot(metadata.ionHash, data.ionHash)
        }
        if case .blob(let dataHash)? = revision[field: "dataHash"]?.content {
            return QLDBHash.dot(metadata.ionHash, dataHash)
        }
        return metadata.ionHash
    }

    /// Checks a GetRevision answer: the revision is the one asked for, its hash
    /// recomputes, and the proof folds from that hash to `digest`.
    static func verifyRevision(revisionText: String, proofText: String?, digest: [UInt8],
                               blockAddress: Address, documentId: String) throws -> Report {
        let revision = try parseOne(revisionText, what: "Revision")
        return try verifyRevision(revision, proof: parseProof(proofText), digest: digest,
                                  blockAddress: blockAddress, documentId: documentId)
    }

    /// The revision's hash recomputed from its metadata and data (and equal to
    /// its `hash` field, when it has one) folds through `proof` to `digest`.
    /// `blockAddress`/`documentId`, when given, must be the revision's.
    static func verifyRevision(_ revision: IonValue, proof: [[UInt8]], digest: [UInt8],
                               blockAddress: Address?, documentId: String?) throws -> Report {
        var report = Report()
        let address = try Address(ion: revision[field: "blockAddress"] ?? .null, what: "Revision.blockAddress")
        if let blockAddress, address != blockAddress {
            throw Failure("the server returned a revision at \(address), not \(blockAddress)")
        }
        guard case .string(let id)? = revision[field: "metadata"]?[field: "id"]?.content else {
            throw Failure("the revision has no metadata.id")
        }
        if let documentId, id != documentId {
            throw Failure("the server returned a revision of another document (metadata.id is not \(documentId))")
        }
        report.ok("revision is document \(id) at \(address)")
        let computed = try revisionHash(revision)
        if case .blob(let stated)? = revision[field: "hash"]?.content {
            guard computed == stated else {
                throw Failure("revision hash recomputed from metadata and data is \(Hex.encode(computed)); "
                    + "the revision's hash field says \(Hex.encode(stated))")
            }
        } else if revision[field: "hash"] != nil {
            throw Failure("the revision's hash field is not a blob")
        }
        report.ok("revision hash recomputed = dot(H(metadata), H(data)) = \(Hex.encode(computed))")
        try fold(computed, proof: proof, digest: digest, report: &report)
        return report
    }

    /// Checks a GetBlock answer: the block is the one asked for, every hash in
    /// it recomputes (revisions, entries Merkle root, block hash), and the
    /// proof folds from the recomputed block hash to `digest`.
    static func verifyBlock(blockText: String, proofText: String?, digest: [UInt8], blockAddress: Address) throws -> Report {
        let block = try parseOne(blockText, what: "Block")
        return try verifyBlock(block, proof: parseProof(proofText), digest: digest, blockAddress: blockAddress)
    }

    static func verifyBlock(_ block: IonValue, proof: [[UInt8]], digest: [UInt8], blockAddress: Address?) throws -> Report {
        var report = Report()
        let address = try Address(ion: block[field: "blockAddress"] ?? .null, what: "Block.blockAddress")
        if let blockAddress, address != blockAddress {
            throw Failure("the server returned block \(address), not \(blockAddress)")
        }
        report.ok("block is \(address)")
        let blockHash = try recomputeBlockHash(block, report: &report)
        try fold(blockHash, proof: proof, digest: digest, report: &report)
        return report
    }

    static func recomputeBlockHash(_ block: IonValue, report: inout Report) throws -> [UInt8] {
        guard case .list(let entries)? = block[field: "entriesHashList"]?.content else {
            throw Failure("the block has no entriesHashList")
        }
        let entriesHashList: [[UInt8]] = try entries.map {
            guard case .blob(let b) = $0.content else { throw Failure("entriesHashList holds a non-blob") }
            return b
        }
        if let info = block[field: "transactionInfo"] {
            guard entriesHashList.contains(info.ionHash) else {
                throw Failure("H(transactionInfo) is not in entriesHashList")
            }
            report.ok("H(transactionInfo) is in entriesHashList")
        }
        if let redaction = block[field: "redactionInfo"] {
            guard entriesHashList.contains(redaction.ionHash) else {
                throw Failure("H(redactionInfo) is not in entriesHashList")
            }
            report.ok("H(redactionInfo) is in entriesHashList")
        }
        var revisionHashes: [[UInt8]] = []
        var recomputed = 0
        if case .list(let revisions)? = block[field: "revisions"]?.content {
            for (i, revision) in revisions.enumerated() {
                let stated = try blob(revision, "hash", what: "revisions[\(i)]")
                if revision[field: "metadata"] != nil {
                    let computed = try revisionHash(revision)
                    guard computed == stated else {
                        throw Failure("revisions[\(i)]: hash recomputed from metadata and data is \(Hex.encode(computed)); "
                            + "the block says \(Hex.encode(stated))")
                    }
                    recomputed += 1
                }
                revisionHashes.append(stated)
            }
        }
        if !revisionHashes.isEmpty {
            // Tally's layout has the Merkle root of the revision hashes as one
            // entry; QLDB's has each revision hash as an entry of its own.
            if entriesHashList.contains(QLDBHash.merkleRoot(revisionHashes)) {
                report.ok("\(recomputed) of \(revisionHashes.count) revision hashes recomputed; their Merkle root is in entriesHashList")
            } else if revisionHashes.allSatisfy(entriesHashList.contains) {
                report.ok("\(recomputed) of \(revisionHashes.count) revision hashes recomputed; each is in entriesHashList")
            } else {
                throw Failure("neither the block's revision hashes nor their Merkle root are in entriesHashList")
            }
        }
        let entriesHash = QLDBHash.merkleRoot(entriesHashList)
        if case .blob(let stated)? = block[field: "entriesHash"]?.content, stated != entriesHash {
            throw Failure("entriesHash recomputed from entriesHashList is \(Hex.encode(entriesHash)); "
                + "the block says \(Hex.encode(stated))")
        }
        report.ok("entriesHash = MerkleRoot(entriesHashList) = \(Hex.encode(entriesHash))")
        var previous: [UInt8] = []
        if case .blob(let p)? = block[field: "previousBlockHash"]?.content { previous = p }
        let blockHash = QLDBHash.dot(entriesHash, previous)
        let stated = try blob(block, "blockHash", what: "Block")
        guard stated == blockHash else {
            throw Failure("block hash recomputed = dot(entriesHash, previousBlockHash) = \(Hex.encode(blockHash)); "
                + "the block says \(Hex.encode(stated))")
        }
        report.ok("block hash recomputed = dot(entriesHash, previousBlockHash) = \(Hex.encode(blockHash))")
        return blockHash
    }

    static func fold(_ start: [UInt8], proof: [[UInt8]], digest: [UInt8], report: inout Report) throws {
        let candidate = QLDBHash.fold(start, proof: proof)
        guard digest.count == 32, candidate == digest else {
            throw Failure("folding the \(proof.count)-hash proof gives \(Hex.encode(candidate)), "
                + "but the saved digest is \(Hex.encode(digest))")
        }
        report.ok("folding the \(proof.count)-hash proof with dot gives the saved digest \(Hex.encode(digest))")
    }
}

import Ion

/// A JSON journal export keeps the hashes (as base64 strings) but not the
/// Ion types the revision and transactionInfo hashes are computed over
/// (timestamps, decimals, symbols, blobs become strings or numbers), so it
/// cannot become a verifiable ledger. What it still proves is checked:
/// `entriesHash = MerkleRoot(entriesHashList)`, `blockHash = dot(entriesHash,
/// previousBlockHash)`, the chain from block 0 and the saved digest.
enum JSONExportCheck {
    /// Verifies what a JSON export allows; returns why it is still not
    /// imported, or throws the first mismatch.
    static func verify(directory: String, layout: ExportLayout, expected: JournalImport.ExpectedDigest?) throws -> String {
        var accumulator = MerkleAccumulator()
        var previousHash: [UInt8]?
        var digestChecked = false
        for object in layout.objects {
            let values: [IonValue]
            do { values = try Ion.read(JournalExport.read("\(directory)/\(object.key)")) } catch {
                throw ImportError(block: object.first, "data object \(object.key) does not parse as JSON: \(error)")
            }
            guard values.count == object.last - object.first + 1 else {
                throw ImportError(block: object.first, "data object \(object.key) holds \(values.count) blocks, its name says \(object.last - object.first + 1)")
            }
            for (offset, value) in values.enumerated() {
                let seq = object.first + offset
                func hash(_ v: IonValue?, _ name: String) throws -> [UInt8] {
                    guard case .string(let text)? = v?.content, let bytes = Base64.decode(text), bytes.count == SHA256.byteCount else {
                        throw ImportError(block: seq, "in \(object.key): \(name) is not a base64 SHA-256 hash")
                    }
                    return bytes
                }
                let address = value[field: "blockAddress"]
                guard case .string(let strand)? = address?[field: "strandId"]?.content, strand == layout.strandId,
                      case .int(.small(let n))? = address?[field: "sequenceNo"]?.content, n == seq else {
                    throw ImportError(block: seq, "in \(object.key): the object does not hold block \(seq) of strand \(layout.strandId) here")
                }
                guard case .list(let entries)? = value[field: "entriesHashList"]?.content else {
                    throw ImportError(block: seq, "in \(object.key): entriesHashList is missing")
                }
                let list = try entries.map { try hash($0, "an entriesHashList entry") }
                let entriesHash = try hash(value[field: "entriesHash"], "entriesHash")
                let previous = try hash(value[field: "previousBlockHash"], "previousBlockHash")
                let blockHash = try hash(value[field: "blockHash"], "blockHash")
                if let previousHash, previous != previousHash {
                    throw ImportError(block: seq, "in \(object.key): previousBlockHash is not the preceding block's hash")
                }
                if QLDBHash.merkleRoot(list) != entriesHash {
                    throw ImportError(block: seq, "in \(object.key): entriesHash is not the Merkle root of entriesHashList")
                }
                if QLDBHash.dot(entriesHash, previous) != blockHash {
                    throw ImportError(block: seq, "in \(object.key): blockHash is not dot(entriesHash, previousBlockHash)")
                }
                accumulator.append(blockHash)
                if let expected, expected.tip.sequenceNo == seq {
                    guard accumulator.root(size: accumulator.count) == expected.digest else {
                        throw ImportError(block: seq, "the digest recomputed at this block differs from the saved digest")
                    }
                    digestChecked = true
                }
                previousHash = blockHash
            }
        }
        return "\(directory) is a JSON export. Verified from its hashes: the chain of \(accumulator.count) blocks "
            + "(entriesHash, blockHash, previousBlockHash)"
            + (digestChecked ? " and the saved digest" : (expected == nil ? "" : "; the saved digest's tip is not in the export"))
            + ". Not verifiable: revision hashes and H(transactionInfo), because JSON loses the Ion types they are computed over; "
            + "so it is not imported. Import an ION_TEXT or ION_BINARY export of the same journal."
    }
}

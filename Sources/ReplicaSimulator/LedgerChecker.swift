import Ion
import Ledger
import Replica

/// The ledger's own invariants, beside Raft's: no two nodes ever hold a
/// different block at the same sequence number; at the end every node has the
/// same digest at the same tip; every acknowledged write is in the journal
/// exactly once and proves against the final digest; nothing refused appears.
final class LedgerChecker {
    private(set) var violations: [String] = []
    /// Block hash by sequence number, as the first node to apply it computed it.
    private var blockHashes: [Int: (node: UInt64, hash: [UInt8])] = [:]
    /// Leader by term, as sampled.
    private var leaders: [UInt64: UInt64] = [:]
    private(set) var blocksChecked = 0

    var failed: Bool { !violations.isEmpty }

    func fail(_ what: String) {
        if violations.count < 20 { violations.append(what) }
    }

    func applied(node: UInt64, ledger: String, block: Block) {
        guard ledger == SimClients.ledgerName else { return }
        let seq = block.address.sequenceNo
        blocksChecked += 1
        if let seen = blockHashes[seq] {
            if seen.hash != block.blockHash {
                fail("divergence: block \(seq) on node \(node) has hash \(hex(block.blockHash)), node \(seen.node) computed \(hex(seen.hash))")
            }
        } else {
            blockHashes[seq] = (node, block.blockHash)
        }
    }

    /// Election safety, sampled: at most one leader per term.
    func sample(_ nodes: [SimReplica]) {
        for n in nodes {
            guard let st = n.status, st.role == .leader else { continue }
            if let other = leaders[st.term], other != n.id {
                fail("two leaders in term \(st.term): nodes \(other) and \(n.id)")
            }
            leaders[st.term] = n.id
        }
    }

    /// The end state, once the cluster converged.
    func checkFinal(nodes: [SimReplica], clients: SimClients) {
        let up = nodes.filter(\.isUp)
        guard let reference = up.first, let ledger = reference.ledger else {
            if !clients.acknowledged.isEmpty { fail("acknowledged writes but no node serves the ledger at the end") }
            return
        }
        guard ledger.blockCount > 0 else {
            if !clients.acknowledged.isEmpty { fail("acknowledged writes but node \(reference.id)'s journal is empty") }
            for n in up where (n.ledger?.blockCount ?? 0) > 0 { fail("node \(n.id) has blocks, node \(reference.id) none") }
            return
        }
        let final: (digest: [UInt8], tip: BlockAddress)
        do {
            final = try ledger.digest()
        } catch {
            return fail("node \(reference.id) cannot compute its digest: \(error)")
        }
        for n in up.dropFirst() {
            guard let other = n.ledger else { fail("node \(n.id) is up without the ledger"); continue }
            let d = try? other.digest()
            if d?.tip != final.tip || d?.digest != final.digest {
                fail("node \(n.id) digest \(d.map { "\(hex($0.digest)) at \($0.tip.sequenceNo)" } ?? "none") != node \(reference.id) \(hex(final.digest)) at \(final.tip.sequenceNo)")
            }
        }
        // Every block, once: which op each revision carries.
        var seen: [Int: (seq: Int, documentId: String)] = [:]
        for seq in 0...final.tip.sequenceNo {
            let address = BlockAddress(strandId: final.tip.strandId, sequenceNo: seq)
            guard let block = try? ledger.block(at: address) else { fail("block \(seq) unreadable on node \(reference.id)"); continue }
            if let expected = blockHashes[seq], expected.hash != block.blockHash {
                fail("block \(seq) at the end differs from what node \(expected.node) applied")
            }
            for r in block.revisions {
                guard let data = r.data, let op = try? NodeRecordReader(data).int("op") else { continue }
                if let earlier = seen[op] {
                    fail("op \(op) appears twice: blocks \(earlier.seq) and \(seq)")
                }
                seen[op] = (seq, r.metadata.id)
            }
        }
        for (op, ack) in clients.acknowledged.sorted(by: { $0.key < $1.key }) {
            guard let found = seen[op] else {
                fail("acknowledged op \(op) (block \(ack.sequenceNo)) is lost")
                continue
            }
            if found.seq != ack.sequenceNo || found.documentId != ack.documentId {
                fail("acknowledged op \(op) was in block \(ack.sequenceNo) doc \(ack.documentId), now block \(found.seq) doc \(found.documentId)")
            }
            let address = BlockAddress(strandId: final.tip.strandId, sequenceNo: found.seq)
            do {
                let revision = try ledger.revision(at: address, documentId: found.documentId)
                let proof = try ledger.revisionProof(blockAddress: address, documentId: found.documentId, tip: final.tip)
                if revision.computedHash != revision.hash || !Ledger.verify(hash: revision.hash, proof: proof, digest: final.digest) {
                    fail("acknowledged op \(op): its revision does not prove against the final digest")
                }
            } catch {
                fail("acknowledged op \(op): no proof: \(error)")
            }
        }
        for op in clients.rejected.sorted() where seen[op] != nil {
            fail("op \(op) was refused but is in block \(seen[op]!.seq)")
        }
    }
}

func hex(_ b: [UInt8]) -> String { b.prefix(6).map { String(format: "%02x", $0) }.joined() }

"""Independent recomputation of Tally's journal hashes from an exported journal,
with the reference Ion implementations (amazon.ion 0.9.3, ionhash 1.2.1) and
QLDB's published verification rules (PROTOCOL.md §1.7.2, §3.2-§3.8) written
out here from scratch: not our code checking itself.

Needs the CLI hook `tally ledger-demo --blocks N --seed S --out DIR`, which
calls `Ledger.LedgerDemo.run(blocks:seed:directory:)`.
"""
import hashlib
import pathlib
import subprocess

import amazon.ion.simpleion as ion
import ionhash  # noqa: F401  (adds ion_hash to simpleion values)
import pytest


def H(value):
    return value.ion_hash("SHA256")


def dot(a, b):
    if not a:
        return b
    if not b:
        return a
    assert len(a) == len(b) == 32
    for i in range(31, -1, -1):
        x = a[i] - 256 if a[i] > 127 else a[i]
        y = b[i] - 256 if b[i] > 127 else b[i]
        if x != y:
            break
    return hashlib.sha256(a + b if x < y else b + a).digest()


def merkle_root(leaves):
    level = [bytes(x) for x in leaves]
    if not level:
        return b""
    while len(level) > 1:
        nxt = [dot(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def fold(start, proof):
    acc = bytes(start)
    for p in proof:
        acc = dot(acc, bytes(p))
    return acc


@pytest.fixture(scope="module")
def export_dir(tally_bin, tmp_path_factory):
    out = tmp_path_factory.mktemp("ledger-export")
    subprocess.run([tally_bin, "ledger-demo", "--blocks", "60", "--seed", "7", "--out", str(out)],
                   check=True, capture_output=True, text=True)
    return out


def load_blocks(directory: pathlib.Path):
    manifests = list(directory.glob("*.completed.manifest"))
    assert len(manifests) == 1, manifests
    keys = ion.loads(manifests[0].read_text())["keys"]
    assert len(keys) > 1, "the demo should span several data files"
    blocks = []
    for key in keys:
        blocks += ion.loads((directory / key).read_bytes(), single_value=False)
    return blocks


def revision_hash(revision):
    metadata_hash = H(revision["metadata"])
    if "data" in revision:
        return dot(metadata_hash, H(revision["data"]))
    if "dataHash" in revision:
        return dot(metadata_hash, bytes(revision["dataHash"]))
    return metadata_hash  # a delete's final revision: no data


def test_revision_block_hashes_and_chain(export_dir):
    blocks = load_blocks(export_dir)
    assert [b["blockAddress"]["sequenceNo"] for b in blocks] == list(range(len(blocks)))
    strand = blocks[0]["blockAddress"]["strandId"]
    previous = H(ion.loads('"%s"' % strand))  # genesis previousBlockHash = H(strandId as an Ion string)
    seen = {"revisions": 0, "deletes": 0, "redacted": 0, "redactionBlocks": 0}
    for block in blocks:
        revisions = block["revisions"]
        hashes = []
        for revision in revisions:
            assert bytes(revision["hash"]) == revision_hash(revision), revision
            assert revision["metadata"]["txId"] == block["transactionId"]
            assert revision["blockAddress"]["sequenceNo"] == block["blockAddress"]["sequenceNo"]
            hashes.append(bytes(revision["hash"]))
            seen["revisions"] += 1
            seen["deletes"] += "data" not in revision and "dataHash" not in revision
            seen["redacted"] += "dataHash" in revision
        expected = ([merkle_root(hashes)] if hashes else []) + [H(block["transactionInfo"])]
        if "redactionInfo" in block:
            expected.append(H(block["redactionInfo"]))
            seen["redactionBlocks"] += 1
        entries = [bytes(e) for e in block["entriesHashList"]]
        assert entries == expected
        assert all(len(e) == 32 for e in entries), "no empty hash in a block"
        assert bytes(block["entriesHash"]) == merkle_root(entries)
        assert bytes(block["previousBlockHash"]) == previous
        assert bytes(block["blockHash"]) == dot(bytes(block["entriesHash"]), previous)
        for i, statement in enumerate(block["transactionInfo"]["statements"]):
            assert len(bytes(statement["statementDigest"])) == 32
        previous = bytes(block["blockHash"])
    assert seen["revisions"] > 60 and seen["deletes"] > 0
    assert seen["redactionBlocks"] > 0 and seen["redacted"] > 0, seen


def test_digest_is_merkle_root_of_block_hashes(export_dir):
    blocks = load_blocks(export_dir)
    digest = ion.loads((export_dir / "digest.ion").read_text())
    assert digest["digestTipAddress"]["sequenceNo"] == len(blocks) - 1
    assert bytes(digest["digest"]) == merkle_root([bytes(b["blockHash"]) for b in blocks])


def test_proofs_fold_to_digests(export_dir):
    blocks = load_blocks(export_dir)
    by_seq = {b["blockAddress"]["sequenceNo"]: b for b in blocks}
    proofs = ion.loads((export_dir / "proofs.ion").read_bytes(), single_value=False)
    assert len(proofs) > 100
    for p in proofs:
        block = by_seq[p["blockAddress"]["sequenceNo"]]
        tip = p["tip"]["sequenceNo"]
        digest = merkle_root([bytes(by_seq[s]["blockHash"]) for s in range(tip + 1)])
        assert bytes(p["digest"]) == digest
        if p["kind"] == "block":
            assert bytes(p["hash"]) == bytes(block["blockHash"])
        else:
            revision = next(r for r in block["revisions"] if r["metadata"]["id"] == p["documentId"])
            assert bytes(p["hash"]) == revision_hash(revision)
        proof = [bytes(x) for x in p["proof"]]
        assert fold(p["hash"], proof) == digest
        # one flipped bit anywhere fails
        flipped = bytearray(p["hash"])
        flipped[len(flipped) // 2] ^= 0x10
        assert fold(bytes(flipped), proof) != digest
        if proof:
            bad = list(proof)
            bad[-1] = bytes([bad[-1][0] ^ 1]) + bad[-1][1:]
            assert fold(p["hash"], bad) != digest

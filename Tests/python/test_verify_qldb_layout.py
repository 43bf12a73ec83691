"""`tally verify` offline on receipts in QLDB's own block layout, built here independently with the reference
Ion Hash (ionhash 1.2.1) and PROTOCOL.md §3.2-§3.8: a real QLDB block's entriesHashList has entries Tally
never writes, with each revision hash a leaf of its own, and a revision's proof starts with its Merkle path
inside that list. Receipts are written in the JSON shape `aws qldb get-revision`/`get-block`/`get-digest` print."""
import base64
import hashlib
import json
import os
import subprocess

import amazon.ion.simpleion as ion
from amazon.ion.simple_types import IonPyDict

from test_ledger_export_crosscheck import H, dot, merkle_root

STRAND = "HbD9IggL584EPHmfwjmVz0"


def audit_path(leaves, index):
    """Sibling hashes from leaf `index` to the root of §3.5's tree (an odd last node is carried up: no sibling)."""
    level, path = [bytes(x) for x in leaves], []
    while len(level) > 1:
        if index % 2 == 1:
            path.append(level[index - 1])
        elif index + 1 < len(level):
            path.append(level[index + 1])
        level = [dot(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)] + ([level[-1]] if len(level) % 2 else [])
        index //= 2
    return path


def internal(tag):
    return hashlib.sha256(tag.encode()).digest()


def revision(seq, doc_id, version, data):
    metadata = ion.loads(f'{{id:"{doc_id}",version:{version},txTime:2019-12-11T07:20:51.261Z,txId:"0007KbqoyqAIch6XRbQ4iA"}}')
    value = ion.loads(f'{{blockAddress:{{strandId:"{STRAND}",sequenceNo:{seq}}}}}')
    value["hash"] = dot(H(metadata), H(data))
    value["data"] = data
    value["metadata"] = metadata
    return value


def qldb_block(seq, revisions, previous):
    """A block as QLDB wrote it: [internal, rev hashes…, internal, H(transactionInfo)] entries."""
    info = ion.loads('{statements:[{statement:"INSERT INTO Person ?",startTime:2019-12-11T07:20:51.261Z,'
                     'statementDigest:{{RNGQGcOKCGLCo5S+hs1eboanNrocIzRiqzzq1s99G/Q=}}}],'
                     'documents:{}}')
    entries = [internal(f"a{seq}")] + [r["hash"] for r in revisions] + [internal(f"b{seq}"), H(info)]
    block = ion.loads(f'{{blockAddress:{{strandId:"{STRAND}",sequenceNo:{seq}}},transactionId:"0007KbqoyqAIch6XRbQ4iA",'
                      f'blockTimestamp:2019-12-11T07:20:51.261Z}}')
    entries_hash = merkle_root(entries)
    block["blockHash"] = dot(entries_hash, previous)
    block["entriesHash"] = entries_hash
    block["previousBlockHash"] = previous
    block["entriesHashList"] = entries
    block["transactionInfo"] = info
    block["revisions"] = revisions
    return block, entries


def ion_text(value):
    return ion.dumps(value, binary=False).removeprefix("$ion_1_0 ")


def test_qldb_layout_receipts_verify_and_tampering_fails(tally_bin, tmp_path):
    # A five-block strand; block 3 holds two revisions, each its own entry (QLDB's layout).
    person = ion.loads('{FirstName:"Testing",LastName:"Person",DOB:1990-01-01T,Balance:12.50}')
    other = ion.loads('{FirstName:"Other",Tags:[a, "b", 3e0]}')
    revisions = [revision(3, "7ISCpASM1d3IQ8kMf2zDh1", 0, person), revision(3, "AbcdefGhijklMnopQrstUv", 2, other)]
    previous, hashes, target = b"", [], None
    for seq in range(5):
        block, entries = qldb_block(seq, revisions if seq == 3 else [], previous)
        if seq == 3:
            target = (block, entries)
        previous = bytes(block["blockHash"])
        hashes.append(previous)
    digest = merkle_root(hashes)
    block, entries = target
    ledger_path = audit_path(hashes, 3)

    (tmp_path / "digest.json").write_text(json.dumps({
        "Digest": base64.b64encode(digest).decode(),
        "DigestTipAddress": {"IonText": f'{{strandId:"{STRAND}",sequenceNo:4}}'}}))
    (tmp_path / "block.json").write_text(json.dumps({
        "Block": {"IonText": ion_text(block)}, "Proof": {"IonText": ion_text(ledger_path)}}))
    revision_proof = audit_path(entries, 2) + [bytes(block["previousBlockHash"])] + ledger_path
    assert len(audit_path(entries, 2)) == 3, "the second revision's path inside a 5-entry list"
    (tmp_path / "revision.json").write_text(json.dumps({
        "Revision": {"IonText": ion_text(revisions[1])}, "Proof": {"IonText": ion_text(revision_proof)}}))

    def verify(kind, path):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return subprocess.run([tally_bin, "verify", "--digest", str(tmp_path / "digest.json"), f"--{kind}", str(path)],
                              env=env, capture_output=True, text=True, timeout=60)

    ok = verify("block", tmp_path / "block.json")
    assert ok.returncode == 0 and "each is in entriesHashList" in ok.stdout, ok.stdout + ok.stderr
    ok = verify("revision", tmp_path / "revision.json")
    assert ok.returncode == 0 and "VERIFIED" in ok.stdout, ok.stdout + ok.stderr

    # One changed value in the block's revision data, or an internal entry: refused.
    changed = IonPyDict.from_value(block.ion_type, dict(block), block.ion_annotations)
    changed["revisions"] = [revisions[0], revision(3, "AbcdefGhijklMnopQrstUv", 2, ion.loads('{FirstName:"Other"}'))]
    changed["revisions"][1]["hash"] = revisions[1]["hash"]
    (tmp_path / "bad-block.json").write_text(json.dumps({
        "Block": {"IonText": ion_text(changed)}, "Proof": {"IonText": ion_text(ledger_path)}}))
    bad = verify("block", tmp_path / "bad-block.json")
    assert bad.returncode != 0 and "revisions[1]: hash recomputed" in bad.stdout, bad.stdout
    changed = IonPyDict.from_value(block.ion_type, dict(block), block.ion_annotations)
    changed["entriesHashList"] = [internal("forged")] + list(entries[1:])
    (tmp_path / "bad-entries.json").write_text(json.dumps({
        "Block": {"IonText": ion_text(changed)}, "Proof": {"IonText": ion_text(ledger_path)}}))
    bad = verify("block", tmp_path / "bad-entries.json")
    assert bad.returncode != 0 and "entriesHash recomputed" in bad.stdout, bad.stdout
    # The revision's proof without its path inside the entries list does not reach the digest.
    (tmp_path / "short.json").write_text(json.dumps({
        "Revision": {"IonText": ion_text(revisions[1])}, "Proof": {"IonText": ion_text(revision_proof[3:])}}))
    bad = verify("revision", tmp_path / "short.json")
    assert bad.returncode != 0 and "folding the" in bad.stdout, bad.stdout

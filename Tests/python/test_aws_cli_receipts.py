"""Receipts made by the real `aws qldb` command (PyPI awscli 1.36.40 on botocore 1.35.99) against a real node,
then checked by `tally verify` with no server: the JSON the CLI printed is accepted as it is, and any one
changed value or hash in the digest, the revision, the block or a proof is refused with what failed."""
import base64
import json
import os
import pathlib
import subprocess
import sys

import pytest
from amazon.ion import simpleion
from pyqldb.driver.qldb_driver import QldbDriver

from cluster_support import create_ledger
from conftest import environment, run_single_node

AWS = pathlib.Path(sys.executable).parent / "aws"
LEDGER = "receipts"


@pytest.fixture(scope="module")
def node(tally_bin, tmp_path_factory):
    yield from run_single_node(tally_bin, tmp_path_factory.mktemp("receipts"))


def aws(node, *args):
    """Runs `aws qldb …` against the node; returns (stdout text, parsed JSON)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({k: v for k, v in node.items() if k.startswith("AWS_")})
    p = subprocess.run([str(AWS), "--endpoint-url", node["AWS_ENDPOINT_URL_QLDB"], "--ca-bundle", node["AWS_CA_BUNDLE"],
                        "--output", "json", "qldb", *args], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout, json.loads(p.stdout)


@pytest.fixture(scope="module")
def receipts(node, tally_bin, tmp_path_factory):
    """Writes, saves the digest, writes more, then saves a revision and a block receipt against that digest."""
    out = tmp_path_factory.mktemp("saved")
    with environment(node):
        create_ledger(LEDGER)
        driver = QldbDriver(ledger_name=LEDGER)
        driver.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE Cars"))
        driver.execute_lambda(lambda tx: tx.execute_statement(
            "INSERT INTO Cars ?", {"VIN": "V1", "make": "Tesla", "year": 2021, "price": 45000}))
        driver.execute_lambda(lambda tx: [tx.execute_statement("INSERT INTO Cars ?", {"VIN": f"B{i}", "n": i})
                                          for i in range(3)])
        [row] = driver.execute_lambda(lambda tx: list(tx.execute_statement(
            "SELECT r.blockAddress, r.metadata.id FROM _ql_committed_Cars AS r WHERE r.data.VIN = 'V1'")))
        [multi] = driver.execute_lambda(lambda tx: list(tx.execute_statement(
            "SELECT r.blockAddress FROM _ql_committed_Cars AS r WHERE r.data.VIN = 'B1'")))
        text, digest = aws(node, "get-digest", "--name", LEDGER)
        (out / "digest.json").write_text(text)
        driver.execute_lambda(lambda tx: tx.execute_statement("UPDATE Cars SET make = 'Later' WHERE VIN = 'V1'"))
        driver.close()
    tip = digest["DigestTipAddress"]["IonText"]

    def address(a):  # the CLI's JSON parameter syntax (its shorthand cannot carry Ion's quotes)
        return json.dumps({"IonText": f'{{strandId:"{a["strandId"]}",sequenceNo:{a["sequenceNo"]}}}'})

    text, _ = aws(node, "get-revision", "--name", LEDGER, "--block-address", address(row["blockAddress"]),
                  "--document-id", row["id"], "--digest-tip-address", json.dumps({"IonText": tip}))
    (out / "revision.json").write_text(text)
    text, _ = aws(node, "get-block", "--name", LEDGER, "--block-address", address(multi["blockAddress"]),
                  "--digest-tip-address", json.dumps({"IonText": tip}))
    (out / "block.json").write_text(text)
    return out


def verify(tally_bin, *args):
    """`tally verify` with no endpoint or credentials in its environment: offline only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("TALLY_")}
    return subprocess.run([tally_bin, "verify", *args], env=env, capture_output=True, text=True, timeout=60)


def accepted(tally_bin, digest, kind, receipt, *extra):
    p = verify(tally_bin, "--digest", str(digest), f"--{kind}", str(receipt), *extra)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"VERIFIED: the {kind}" in p.stdout
    return p.stdout


def refused(tally_bin, digest, kind, receipt, reason):
    p = verify(tally_bin, "--digest", str(digest), f"--{kind}", str(receipt))
    assert p.returncode != 0, p.stdout
    assert "VERIFIED" not in p.stdout and "VERIFICATION FAILED" in p.stdout, p.stdout + p.stderr
    assert reason in p.stdout, p.stdout
    return p.stdout


def changed(path, tmp_path, field, mutate):
    """A copy of the CLI's JSON with `mutate` applied to the Ion value held in `field` (Revision/Block/Proof)."""
    doc = json.loads(path.read_text())
    value = simpleion.loads(doc[field]["IonText"])
    value = mutate(value) or value
    doc[field]["IonText"] = simpleion.dumps(value, binary=False).removeprefix("$ion_1_0 ")
    out = tmp_path / f"changed-{path.name}"
    out.write_text(json.dumps(doc, indent=2))
    return out


def flip(b, i=5):
    b = bytearray(b)
    b[i] ^= 0x01
    return bytes(b)


def test_cli_json_receipts_verify_offline(tally_bin, receipts):
    digest = receipts / "digest.json"
    assert set(json.loads(digest.read_text())) == {"Digest", "DigestTipAddress"}
    assert set(json.loads((receipts / "revision.json").read_text())) == {"Proof", "Revision"}
    assert set(json.loads((receipts / "block.json").read_text())) == {"Proof", "Block"}
    out = accepted(tally_bin, digest, "revision", receipts / "revision.json")
    assert "revision hash recomputed" in out and "offline" in out
    out = accepted(tally_bin, digest, "block", receipts / "block.json")
    assert "block hash recomputed" in out and "3 of 3 revision hashes recomputed" in out


def test_round_trip_through_the_harness_still_verifies(tally_bin, receipts, tmp_path):
    """The tamper harness itself changes nothing by re-encoding: the refusals below are the changes'."""
    for kind, field in (("revision", "Revision"), ("revision", "Proof"), ("block", "Block"), ("block", "Proof")):
        copy = changed(receipts / f"{kind}.json", tmp_path, field, lambda v: None)
        accepted(tally_bin, receipts / "digest.json", kind, copy)


def test_a_changed_digest_is_refused(tally_bin, receipts, tmp_path):
    doc = json.loads((receipts / "digest.json").read_text())
    doc["Digest"] = base64.b64encode(flip(base64.b64decode(doc["Digest"]), 17)).decode()
    tampered = tmp_path / "digest.json"
    tampered.write_text(json.dumps(doc))
    for kind in ("revision", "block"):
        refused(tally_bin, tampered, kind, receipts / f"{kind}.json", "saved digest")


def test_a_changed_revision_is_refused(tally_bin, receipts, tmp_path):
    digest, receipt = receipts / "digest.json", receipts / "revision.json"

    def data(v):
        v["data"]["price"] = 45001

    def metadata(v):
        v["metadata"]["version"] = 1

    def stated_hash(v):
        v["hash"] = flip(v["hash"])

    def proof(v):
        v[len(v) // 2] = flip(v[len(v) // 2])

    refused(tally_bin, digest, "revision", changed(receipt, tmp_path, "Revision", data), "revision hash recomputed")
    refused(tally_bin, digest, "revision", changed(receipt, tmp_path, "Revision", metadata), "revision hash recomputed")
    refused(tally_bin, digest, "revision", changed(receipt, tmp_path, "Revision", stated_hash), "hash field says")
    refused(tally_bin, digest, "revision", changed(receipt, tmp_path, "Proof", proof), "folding the")

    def stripped_and_changed(v):  # without the stated hash, the recomputed one still has to fold to the digest
        del v["hash"]
        v["data"]["VIN"] = "V2"
    refused(tally_bin, digest, "revision", changed(receipt, tmp_path, "Revision", stripped_and_changed), "folding the")


def test_a_changed_block_is_refused(tally_bin, receipts, tmp_path):
    digest, receipt = receipts / "digest.json", receipts / "block.json"
    cases = {
        "revisions[1]: hash recomputed": lambda v: v["revisions"][1]["data"].__setitem__("n", 7),
        "H(transactionInfo) is not in entriesHashList":
            lambda v: v["transactionInfo"]["statements"][0].__setitem__("statement", "INSERT INTO Cars ? -- x"),
        "nor their Merkle root are in entriesHashList":
            lambda v: v["entriesHashList"].__setitem__(0, flip(v["entriesHashList"][0])),
        "entriesHash recomputed": lambda v: v.__setitem__("entriesHash", flip(v["entriesHash"])),
        "block hash recomputed": lambda v: v.__setitem__("previousBlockHash", flip(v["previousBlockHash"])),
        "the block says": lambda v: v.__setitem__("blockHash", flip(v["blockHash"])),
    }
    for reason, mutate in cases.items():
        refused(tally_bin, digest, "block", changed(receipt, tmp_path, "Block", mutate), reason)
    refused(tally_bin, digest, "block", changed(receipt, tmp_path, "Proof", lambda v: v.__setitem__(0, flip(v[0]))),
            "folding the")


def test_ion_text_receipts_and_a_tally_digest_file(tally_bin, node, receipts, tmp_path):
    """The same receipt as Ion text (value then proof, or a separate --proof file), and `tally digest --save`'s file
    for the same tip."""
    doc = json.loads((receipts / "revision.json").read_text())
    both = tmp_path / "revision.ion"
    both.write_text(doc["Proof"]["IonText"] + "\n" + doc["Revision"]["IonText"] + "\n")
    accepted(tally_bin, receipts / "digest.json", "revision", both)
    alone, proof = tmp_path / "alone.ion", tmp_path / "proof.ion"
    alone.write_text(doc["Revision"]["IonText"])
    proof.write_text(doc["Proof"]["IonText"])
    accepted(tally_bin, receipts / "digest.json", "revision", alone, "--proof", str(proof))
    missing = verify(tally_bin, "--digest", str(receipts / "digest.json"), "--revision", str(alone))
    assert missing.returncode != 0 and "holds no proof" in missing.stdout, missing.stdout
    binary = tmp_path / "revision.10n"
    binary.write_bytes(simpleion.dumps([simpleion.loads(doc["Revision"]["IonText"]), simpleion.loads(doc["Proof"]["IonText"])],
                                       binary=True, sequence_as_stream=True))
    accepted(tally_bin, receipts / "digest.json", "revision", binary)
    swapped = verify(tally_bin, "--digest", str(receipts / "digest.json"), "--revision", str(receipts / "block.json"))
    assert swapped.returncode != 0 and "is a block receipt; give it with --block" in swapped.stdout, swapped.stdout

    aws_digest = json.loads((receipts / "digest.json").read_text())
    saved = tmp_path / "tally-digest.ion"
    saved.write_text(f'{{ledger: "{LEDGER}", digest: "{base64.b64decode(aws_digest["Digest"]).hex()}", '
                     f'digestTipAddress: {json.dumps(aws_digest["DigestTipAddress"]["IonText"])}, savedAt: "then"}}')
    accepted(tally_bin, saved, "block", receipts / "block.json")


def test_a_receipt_past_the_digest_tip_is_refused(tally_bin, node, receipts, tmp_path):
    doc = json.loads((receipts / "digest.json").read_text())
    tip = simpleion.loads(doc["DigestTipAddress"]["IonText"])
    doc["DigestTipAddress"]["IonText"] = f'{{strandId:"{tip["strandId"]}",sequenceNo:1}}'
    early = tmp_path / "early.json"
    early.write_text(json.dumps(doc))
    refused(tally_bin, early, "block", receipts / "block.json", "not covered by the saved digest")

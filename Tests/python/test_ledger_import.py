"""`tally ledger import` end to end with real processes: a ledger written with
pyqldb on one cluster is exported (ION_TEXT and ION_BINARY) and its digest
saved (as `aws qldb get-digest` prints it, and by `tally digest --save`); each export is imported as a new
ledger into another, three-node cluster. The imported ledger has the same
digest on every node, and every block's and revision's proof GetBlock and
GetRevision give on it verifies against the saved digest — recomputed here
in Python with ionhash (test_ledger_export_crosscheck's helpers), not by
Tally. It then takes new transactions on the same strand. A flipped bit, a
missing or a reordered data object makes the import fail, naming the block,
and leaves no ledger behind."""
import json
import os
import pathlib
import random
import shutil
import subprocess

import boto3
import pytest
from amazon.ion import simpleion
from conftest import environment

from cluster_support import LocalCluster, create_ledger, driver
from test_ledger_export_crosscheck import H, dot, fold, merkle_root, revision_hash

LEDGER = "imp-src"


def cli(tally_bin, cluster, *args, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({k: v for k, v in cluster.env().items() if k.startswith("AWS_")})
    p = subprocess.run([tally_bin, *args], env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert p.returncode == 0, f"tally {' '.join(args)} failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


@pytest.fixture(scope="module")
def source(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("import-source"), nodes=1)
    try:
        c.up()
        with environment(c.env()):
            create_ledger(LEDGER)
            d = driver(LEDGER)
            d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE Cars"))
            d.execute_lambda(lambda tx: tx.execute_statement("CREATE INDEX ON Cars (VIN)"))
            for i in range(110):
                d.execute_lambda(lambda tx, i=i: tx.execute_statement(
                    "INSERT INTO Cars ?", {"VIN": f"V{i}", "Price": simpleion.loads(f"{i}.25d0"), "Seen": simpleion.loads("2024-01-02T03:04:05.678Z")}))
            d.execute_lambda(lambda tx: tx.execute_statement("UPDATE Cars SET Owner = 'Ann' WHERE VIN = 'V3'"))
            d.execute_lambda(lambda tx: tx.execute_statement("DELETE FROM Cars WHERE VIN = 'V5'"))
            d.close()
            qldb = boto3.session.Session().client("qldb")
            digest = qldb.get_digest(Name=LEDGER)
        yield c, digest
    finally:
        c.down()


@pytest.fixture(scope="module")
def target(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("import-target"), nodes=3)
    try:
        c.up()
        yield c
    finally:
        c.down()


def export(tally_bin, cluster, fmt, tmp):
    prefix = f"{tmp.name}-{fmt.lower()}"
    cli(tally_bin, cluster, "export", "--ledger", LEDGER, "--start", "2020-01-01T00:00:00Z", "--end", "now",
        "--bucket", "import-bucket", "--prefix", prefix, "--output-format", fmt)
    [directory] = list(cluster.dir.glob(f"local/*/exports/import-bucket/{prefix}"))
    copy = tmp / prefix
    shutil.copytree(directory, copy)
    return copy


def saved_digest_file(digest, tmp):
    """The JSON `aws qldb get-digest` prints."""
    path = tmp / "digest.json"
    path.write_text(json.dumps({"Digest": __import__("base64").b64encode(digest["Digest"]).decode(),
                                "DigestTipAddress": {"IonText": digest["DigestTipAddress"]["IonText"]}}))
    return path


def blocks_of(directory):
    [manifest] = list(directory.glob("*.completed.manifest"))
    keys = simpleion.loads(manifest.read_text())["keys"]
    return keys, [b for k in keys for b in simpleion.loads((directory / k).read_bytes(), single_value=False)]


@pytest.mark.parametrize("fmt", ["ION_TEXT", "ION_BINARY"])
def test_round_trip_gives_the_same_digest_and_proofs(tally_bin, source, target, tmp_path, fmt):
    src, digest = source
    directory = export(tally_bin, src, fmt, tmp_path)
    if fmt == "ION_TEXT":
        saved = saved_digest_file(digest, tmp_path)  # as `aws qldb get-digest` prints it
    else:
        saved = tmp_path / "saved-digest.ion"  # as `tally digest --save` writes it
        cli(tally_bin, src, "digest", "--ledger", LEDGER, "--save", str(saved))
    name = f"imp-{fmt.lower().replace('_', '-')}"
    out = cli(tally_bin, target, "ledger", "import", name, str(directory), "--digest", str(saved), "--no-deletion-protection")
    assert "equal to the saved digest" in out.stderr, out.stderr
    target.wait_converged(name)
    want = bytes(digest["Digest"])
    tip = digest["DigestTipAddress"]
    with environment(target.env()):
        qldb = boto3.session.Session().client("qldb")
        got = qldb.get_digest(Name=name)
        assert bytes(got["Digest"]) == want and got["DigestTipAddress"] == tip
        _, blocks = blocks_of(directory)
        revisions = 0
        for exported in blocks:
            address = {"IonText": simpleion.dumps(exported["blockAddress"], binary=False).replace("$ion_1_0 ", "")}
            r = qldb.get_block(Name=name, BlockAddress=address, DigestTipAddress=tip)
            block = simpleion.loads(r["Block"]["IonText"])
            entries = [bytes(e) for e in block["entriesHashList"]]
            assert entries == [bytes(e) for e in exported["entriesHashList"]]
            assert merkle_root(entries) == bytes(block["entriesHash"])
            block_hash = dot(bytes(block["entriesHash"]), bytes(block["previousBlockHash"]))
            assert block_hash == bytes(block["blockHash"])
            assert fold(block_hash, simpleion.loads(r["Proof"]["IonText"])) == want
            assert H(block["transactionInfo"]) in entries
            for rev in block["revisions"]:
                if "metadata" not in rev:
                    continue
                table = block["transactionInfo"]["documents"][rev["metadata"]["id"]]["tableName"]
                if table == "information_schema.user_tables":
                    continue  # DDL revisions: Tally's GetRevision serves user documents only, as QLDB
                rr = qldb.get_revision(Name=name, BlockAddress=address, DocumentId=rev["metadata"]["id"], DigestTipAddress=tip)
                revision = simpleion.loads(rr["Revision"]["IonText"])
                h = revision_hash(revision)
                assert h == bytes(revision["hash"]) == bytes(rev["hash"])
                assert fold(h, simpleion.loads(rr["Proof"]["IonText"])) == want
                revisions += 1
        assert revisions >= 112
        # An ordinary ledger now: queries, history, the index, new transactions on the same strand.
        d = driver(name)
        rows = d.execute_lambda(lambda tx: list(tx.execute_statement("SELECT VIN, Owner FROM Cars WHERE VIN = 'V3'")))
        assert [(r["VIN"], r["Owner"]) for r in rows] == [("V3", "Ann")]
        assert d.execute_lambda(lambda tx: len(list(tx.execute_statement("SELECT * FROM Cars")))) == 109
        history = d.execute_lambda(lambda tx: list(tx.execute_statement(
            "SELECT h.metadata.version AS v FROM history(Cars) AS h WHERE h.data.VIN = 'V3'")))
        assert sorted(r["v"] for r in history) == [0, 1]
        d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO Cars ?", {"VIN": "AFTER"}))
        d.close()
        after = qldb.get_digest(Name=name)
        new_tip = simpleion.loads(after["DigestTipAddress"]["IonText"])
        old_tip = simpleion.loads(tip["IonText"])
        assert new_tip["strandId"] == old_tip["strandId"] and new_tip["sequenceNo"] == old_tip["sequenceNo"] + 1
    target.wait_converged(name)


def refused(tally_bin, target, directory, name, expect):
    p = cli(tally_bin, target, "ledger", "import", name, str(directory), check=False)
    assert p.returncode != 0, p.stdout
    assert expect in p.stderr, p.stderr
    with environment(target.env()):
        qldb = boto3.session.Session().client("qldb")
        assert name not in [l["Name"] for l in qldb.list_ledgers()["Ledgers"]]
    return p.stderr


def test_a_flipped_bit_fails_the_import_and_names_the_block(tally_bin, source, target, tmp_path):
    src, _ = source
    directory = export(tally_bin, src, "ION_TEXT", tmp_path)
    keys, _ = blocks_of(directory)
    path = directory / keys[-1]
    pristine = path.read_bytes()
    rng = random.Random(12)
    text = pristine.decode()
    # Bytes of a revision's data, a hash and a statement: each flip must be caught.
    for needle in ["VIN:\"V", "blockHash:{{", "statement:\""]:
        at = text.index(needle) + len(needle) + rng.randrange(2)
        damaged = bytearray(pristine)
        damaged[at] ^= 0x01
        path.write_bytes(bytes(damaged))
        err = refused(tally_bin, target, directory, "imp-flipped", "block ")
        assert "import refused" in err
    path.write_bytes(pristine)


def test_missing_or_reordered_data_objects_are_refused(tally_bin, source, target, tmp_path):
    src, _ = source
    directory = export(tally_bin, src, "ION_BINARY", tmp_path)
    keys, _ = blocks_of(directory)
    if len(keys) < 2:
        pytest.skip("the export fits in one data object")
    [manifest] = list(directory.glob("*.completed.manifest"))
    original = manifest.read_text()
    manifest.write_text(simpleion.dumps({"keys": [keys[1], keys[0], *keys[2:]]}, binary=False))
    refused(tally_bin, target, directory, "imp-reordered", "out of order")
    manifest.write_text(original)
    (directory / keys[0]).rename(tmp_path / "moved")
    refused(tally_bin, target, directory, "imp-missing", "is missing")

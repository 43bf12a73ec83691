"""Hot backup and restore with real processes: `tally backup` of a follower
while pyqldb writes, `tally restore` into a fresh three-node cluster (same
digest, same documents), then an incremental backup after more writes
restored into a fresh single node (the later digest)."""
import threading
import time

import pytest
from amazon.ion import simpleion
from conftest import environment

from cluster_support import LocalCluster, create_ledger, driver


@pytest.fixture(scope="module")
def source(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("source"))
    try:
        c.up()
        yield c
    finally:
        c.down()


def backup(cluster, node, to, incremental=False):
    args = ["backup", "--config", str(cluster.dir / f"{node}.toml"), "--to", str(to)]
    return cluster.tally(*args, *(["--incremental"] if incremental else []), timeout=120).stdout


def manifest_ledger(directory, name):
    m = simpleion.loads((directory / "backup.ion").read_text())
    ledger = next(l for l in m["ledgers"] if l["name"] == name)
    return m, int(ledger["blocks"]), str(ledger["digest"])


def committed_ids(ledger):
    """(document id, block sequenceNo) of every committed insert, through the current environment."""
    d = driver(ledger)
    rows = d.execute_lambda(lambda tx: [(r["id"], r["seq"]) for r in tx.execute_statement(
        "SELECT r.data.id AS id, r.blockAddress.sequenceNo AS seq FROM _ql_committed_Docs AS r")])
    d.close()
    return rows


def current_ids(ledger):
    d = driver(ledger)
    ids = d.execute_lambda(lambda tx: [r["id"] for r in tx.execute_statement("SELECT id FROM Docs")])
    d.close()
    return ids


def restore(tally_bin, directory, backup_dir, nodes):
    """A fresh cluster (new ports, certificates, credentials) restored from `backup_dir`, then started."""
    c = LocalCluster(tally_bin, directory, nodes=nodes)
    configs = [a for n in c.names for a in ("--config", str(c.dir / f"{n}.toml"))]
    out = c.tally("restore", "--from", str(backup_dir), *configs, timeout=300).stdout
    return c, out


class Writer:
    def __init__(self, ledger):
        self.ledger = ledger
        self.acked = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        d = driver(self.ledger)
        deadline = time.monotonic() + 120
        k = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            k += 1
            doc = f"d{k:06d}"
            try:
                d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO Docs ?", {"id": doc, "k": k}))
                self.acked.append(doc)
            except Exception:
                pass
        d.close()


def test_backup_during_load_then_incremental_restore_to_the_same_digests_and_documents(source, tally_bin, tmp_path):
    leader = source.wait(source.leader, what="a leader")
    follower = next(n for n in source.names if n != leader)
    full = tmp_path / "backup"
    with environment(source.env(follower)):
        create_ledger("bk")
        d = driver("bk")
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE Docs"))
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE INDEX ON Docs (id)"))
        d.close()
        w = Writer("bk")
        w.thread.start()
        try:
            source.wait(lambda: len(w.acked) >= 40, 60, "40 inserts before the backup")
            out = backup(source, follower, full)
            at_backup = len(w.acked)
            source.wait(lambda: len(w.acked) >= at_backup + 40, 60, "40 inserts after the backup")
        finally:
            w.stop.set()
            w.thread.join(timeout=60)
        print(out)
        committed = committed_ids("bk")
    _, blocks, digest = manifest_ledger(full, "bk")
    expected = sorted(i for i, seq in committed if seq < blocks)
    assert 0 < len(expected) < len(committed), "the backup was not taken while writes were going on"
    assert digest in out

    # Restore into a fresh three-node cluster: every node verifies, same digest, same documents.
    restored, out = restore(tally_bin, tmp_path / "restored", full, nodes=3)
    print(out)
    try:
        assert out.count(digest) == 3, out
        restored.up()
        tips = restored.wait_converged("bk", timeout=60)
        assert set(tips.values()) == {(blocks - 1, digest)}
        with environment(restored.env()):
            assert sorted(current_ids("bk")) == expected
            # The restored cluster is a working cluster: it commits and replicates.
            d = driver("bk")
            d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO Docs ?", {"id": "after-restore"}))
            d.close()
        restored.wait_converged("bk", timeout=60)
    finally:
        restored.down()

    # More writes, an incremental backup into the same directory: only the new blocks are copied.
    with environment(source.env(leader)):
        d = driver("bk")
        for i in range(25):
            d.execute_lambda(lambda tx, i=i: tx.execute_statement("INSERT INTO Docs ?", {"id": f"later{i:03d}"}))
        d.close()
        everything = sorted(current_ids("bk"))
    source_tip = source.wait_converged("bk")
    out = backup(source, follower, full, incremental=True)
    print(out)
    manifest, blocks2, digest2 = manifest_ledger(full, "bk")
    assert (blocks2 - 1, digest2) == next(iter(source_tip.values()))
    assert [bool(r["incremental"]) for r in manifest["runs"]] == [False, True]
    assert int(manifest["runs"][1]["blocksCopied"]) == blocks2 - blocks

    # ... restored into a fresh single node: the later digest, every document.
    single, out = restore(tally_bin, tmp_path / "single", full, nodes=1)
    print(out)
    try:
        assert digest2 in out
        single.up()
        assert single.wait_converged("bk", timeout=60) == {"node1": (blocks2 - 1, digest2)}
        with environment(single.env()):
            assert sorted(current_ids("bk")) == everything
    finally:
        single.down()


def test_backup_refuses_a_non_empty_directory_without_incremental(source, tmp_path):
    leader = source.wait(source.leader, what="a leader")
    (tmp_path / "x").write_text("something")
    r = source.tally("backup", "--config", str(source.dir / f"{leader}.toml"), "--to", str(tmp_path), check=False)
    assert r.returncode != 0 and "not empty" in r.stderr + r.stdout


def test_restore_refuses_a_data_directory_that_holds_a_node(source, tmp_path):
    out = backup(source, "node1", tmp_path / "b")
    assert "full backup" in out
    r = source.tally("restore", "--from", str(tmp_path / "b"), "--config", str(source.dir / "node1.toml"), check=False)
    assert r.returncode != 0 and "already holds node state" in r.stderr + r.stdout


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_restore_recomputes_every_hash_and_refuses_a_tampered_backup(source, tally_bin, tmp_path):
    """A document value changed in the backup's journal, with a valid record CRC:
    only recomputing the revision and block hashes can notice, and restore does."""
    import struct
    leader = source.wait(source.leader, what="a leader")
    with environment(source.env(leader)):
        create_ledger("tamper")
        d = driver("tamper")
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))
        for i in range(5):
            d.execute_lambda(lambda tx, i=i: tx.execute_statement("INSERT INTO T ?", {"owner": f"owner-{i}"}))
        d.close()
    b = tmp_path / "b"
    backup(source, leader, b)
    m = simpleion.loads((b / "backup.ion").read_text())
    ledger_id = next(str(l["ledgerId"]) for l in m["ledgers"] if l["name"] == "tamper")
    segment = next((b / "ledgers" / ledger_id / "journal").glob("journal-*.seg"))
    data = bytearray(segment.read_bytes())
    at, tampered = 24, False
    while at < len(data):
        length, crc = struct.unpack_from("<II", data, at)
        payload = bytes(data[at + 8:at + 8 + length])
        assert crc32c(payload) == crc
        if b"owner-3" in payload:
            changed = payload.replace(b"owner-3", b"owner-9")
            data[at + 8:at + 8 + length] = changed
            struct.pack_into("<I", data, at + 4, crc32c(changed))
            tampered = True
        at += 8 + length
    assert tampered
    segment.write_bytes(bytes(data))
    target = LocalCluster(tally_bin, tmp_path / "t", nodes=1)
    r = target.tally("restore", "--from", str(b), "--config", str(target.dir / "node1.toml"), check=False)
    assert r.returncode != 0
    print(r.stderr.strip())
    assert "ledger tamper: block" in r.stderr and "does not verify" in r.stderr, r.stderr

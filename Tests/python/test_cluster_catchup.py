"""Catch-up by journal streaming with real node processes: a follower that was
away while the leader compacted its Raft log past it (compaction_threshold =
20), and a follower whose data directory was wiped, rebuild the ledger from
the leader's journal, re-verifying every hash, and agree on the digest."""
import os
import signal
import shutil
import time

import pytest
from conftest import environment

from cluster_support import LocalCluster, create_ledger, driver

RAFT = """
[raft]
tick_ms = 100
election_ticks = 10
heartbeat_ticks = 1
compaction_threshold = 20
"""


@pytest.fixture(scope="module")
def cluster(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("catchup"), extra_config=RAFT)
    try:
        c.up()
        yield c
    finally:
        c.down()


def followers(cluster):
    leader = cluster.wait(cluster.leader, what="a leader")
    return [n for n in cluster.names if n != leader], leader


def write(cluster, node, ledger, count, tag):
    with environment(cluster.env(node)):
        d = driver(ledger)
        for i in range(count):
            d.execute_lambda(lambda tx, i=i: tx.execute_statement("INSERT INTO T ?", {"k": f"{tag}-{i}", "n": i}))
        d.close()


def stop(cluster, node, sig=signal.SIGTERM):
    pid = cluster.pid(node)
    os.kill(pid, sig)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise TimeoutError(f"{node} (pid {pid}) did not exit")


def snapshot_file(cluster, node):
    return cluster.dir / f"local/{node}/raft/snapshot"


def test_killed_follower_catches_up_by_streaming(cluster):
    (lagger, other), leader = followers(cluster)
    with environment(cluster.env(other)):
        create_ledger("catchup")
        d = driver("catchup")
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE INDEX ON T (k)"))
        d.close()
    cluster.wait_converged("catchup")
    cluster.kill9(lagger)
    assert not snapshot_file(cluster, lagger).exists()
    write(cluster, other, "catchup", 100, "away")
    # The leader compacted its log past everything the killed node has.
    cluster.wait(lambda: snapshot_file(cluster, cluster.leader() or leader).exists(), 30, "leader compaction")
    out = cluster.up().stdout
    assert f"{lagger}: started" in out
    digests = cluster.wait_converged("catchup", timeout=60)
    tip, digest = next(iter(digests.values()))
    assert tip == 101 and digest  # CREATE TABLE, CREATE INDEX, 100 inserts: blocks 0..101
    # It installed the leader's snapshot (the journal stream), and diverged nowhere.
    assert snapshot_file(cluster, lagger).exists()
    assert not any(l["divergent"] for l in cluster.status(lagger)["ledgers"])
    # It keeps replicating afterwards.
    write(cluster, lagger, "catchup", 5, "after")
    cluster.wait_converged("catchup", timeout=30)


def test_wiped_follower_rebuilds_from_nothing(cluster):
    (wiped, other), _ = followers(cluster)
    stop(cluster, wiped)
    shutil.rmtree(cluster.dir / f"local/{wiped}")
    write(cluster, other, "catchup", 40, "while-wiped")
    out = cluster.up().stdout
    assert f"{wiped}: started" in out
    digests = cluster.wait_converged("catchup", timeout=60)
    tip, _ = next(iter(digests.values()))
    assert tip == 146
    assert snapshot_file(cluster, wiped).exists()
    assert not any(l["divergent"] for l in cluster.status(wiped)["ledgers"])
    # The rebuilt node serves reads of the whole history.
    with environment(cluster.env(wiped)):
        d = driver("catchup")
        count = d.execute_lambda(lambda tx: next(iter(tx.execute_statement("SELECT COUNT(*) FROM T")))["_1"])
        d.close()
    assert count == 145

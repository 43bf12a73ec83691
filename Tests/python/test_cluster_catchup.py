"""Catch-up by journal streaming with real node processes: a follower that was
away while the leader compacted its Raft log past it (compaction_threshold =
20), and a follower whose data directory was wiped, rebuild the ledger from
the leader's journal, re-verifying every hash, and agree on the digest; a
wiped follower does so even when no write follows its restart."""
import os
import re
import signal
import shutil
import threading
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


def running(tally_bin, directory, config):
    c = LocalCluster(tally_bin, directory, extra_config=config)
    try:
        c.up()
        yield c
    finally:
        c.down()


@pytest.fixture(scope="module")
def cluster(tally_bin, tmp_path_factory):
    yield from running(tally_bin, tmp_path_factory.mktemp("catchup"), RAFT)


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


IDLE_RAFT = RAFT.replace("compaction_threshold = 20", "compaction_threshold = 50")


@pytest.fixture()
def idle_cluster(tally_bin, tmp_path_factory):
    yield from running(tally_bin, tmp_path_factory.mktemp("idle-catchup"), IDLE_RAFT)


def peer_lag(cluster, leader, node):
    """The leader's tally_raft_peer_lag_entries for `node`, or None if not exported."""
    try:
        text = cluster.get(leader, "/metrics").decode()
    except OSError:
        return None
    peer = node.removeprefix("node")
    m = re.search(rf'^tally_raft_peer_lag_entries\{{peer="{peer}"\}} (\S+)$', text, re.M)
    return float(m.group(1)) if m else None


class LagSampler(threading.Thread):
    """Samples the leader's lag metric for one peer every 20 ms, for at most `limit` seconds."""

    def __init__(self, cluster, leader, node, limit=60.0):
        super().__init__(daemon=True)
        self.args_ = (cluster, leader, node)
        self.deadline = time.monotonic() + limit
        self.samples = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set() and time.monotonic() < self.deadline:
            lag = peer_lag(*self.args_)
            if lag is not None:
                self.samples.append(lag)
            time.sleep(0.02)


def test_wiped_follower_catches_up_in_an_idle_cluster(idle_cluster):
    """The issue: with no write after the restart, a wiped follower stayed at
    appliedIndex 0 while the leader reported it 0 entries behind."""
    c = idle_cluster
    (wiped, other), leader = followers(c)
    with environment(c.env(other)):
        create_ledger("idle")
        d = driver("idle")
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))
        d.close()
    write(c, other, "idle", 300, "before")
    c.wait(lambda: all(snapshot_file(c, n).exists() for n in c.names), 30, "compaction on every node")
    c.wait_converged("idle")
    applied = c.status(leader)["appliedIndex"]

    stop(c, wiped)
    shutil.rmtree(c.dir / f"local/{wiped}")
    sampler = LagSampler(c, leader, wiped)
    sampler.start()
    started = time.monotonic()
    try:
        assert f"{wiped}: started" in c.up().stdout
        # No write from here on.
        c.wait(lambda: (c.status(wiped) or {}).get("appliedIndex") == applied, 30, f"{wiped} at appliedIndex {applied}")
        elapsed = time.monotonic() - started
        digests = c.wait_converged("idle", timeout=10)
    finally:
        sampler.halt.set()
        sampler.join(5)
    assert c.status(leader)["role"] == "leader" and c.status(leader)["appliedIndex"] == applied, "a write happened"
    assert len(set(digests.values())) == 1 and digests[wiped][1]
    assert max(sampler.samples, default=0) > 0, f"leader never reported {wiped} behind: {sampler.samples[:20]}"
    c.wait(lambda: peer_lag(c, leader, wiped) == 0, 10, "lag back to 0")
    assert snapshot_file(c, wiped).exists()
    assert not any(l["divergent"] for l in c.status(wiped)["ledgers"])
    behind = sum(1 for s in sampler.samples if s > 0)
    print(f"wiped node caught up {applied} entries in {elapsed:.2f} s; lag > 0 in {behind}/{len(sampler.samples)} samples, max {max(sampler.samples)}")

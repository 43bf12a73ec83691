"""Real node processes on loopback: replication with per-node hashing,
failover by kill -9 and by leadership transfer, catch-up after restart,
nothing acknowledged lost."""
import os
import threading
import time
import uuid

import boto3
import pytest
from conftest import environment
from pyqldb.config.retry_config import RetryConfig
from pyqldb.driver.qldb_driver import QldbDriver

from cluster_support import LocalCluster


@pytest.fixture(scope="module")
def cluster(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("cluster"))
    try:
        c.up()
        yield c
    finally:
        c.down()



def driver(ledger):
    # Failover takes an election (~1-2 s): retry longer than pyqldb's default.
    return QldbDriver(ledger, retry_config=RetryConfig(retry_limit=12, base=100))


def create_ledger(name):
    qldb = boto3.session.Session().client("qldb")
    qldb.create_ledger(Name=name, PermissionsMode="STANDARD", DeletionProtection=False)
    deadline = time.monotonic() + 30
    while qldb.describe_ledger(Name=name)["State"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.2)


def follower(cluster):
    leader = cluster.wait(cluster.leader, what="a leader")
    return next(n for n in cluster.names if n != leader), leader


def test_writes_through_a_follower_replicate_and_every_node_agrees(cluster):
    node, _ = follower(cluster)
    with environment(cluster.env(node)):
        create_ledger("agree")
        d = driver("agree")
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE INDEX ON T (k)"))
        for i in range(30):
            d.execute_lambda(lambda tx, i=i: tx.execute_statement("INSERT INTO T ?", {"k": i}))
        assert d.execute_lambda(lambda tx: next(iter(tx.execute_statement("SELECT COUNT(*) FROM T")))["_1"]) == 30
        d.close()
    digests = cluster.wait_converged("agree")
    tip, digest = next(iter(digests.values()))
    assert tip == 31 and digest  # CREATE TABLE, CREATE INDEX, 30 inserts: blocks 0..31


def test_kill_leader_mid_load_loses_nothing_acknowledged(cluster):
    node, leader = follower(cluster)
    acknowledged = []
    errors = []
    stop = threading.Event()
    with environment(cluster.env(node)):
        create_ledger("durable")
        d = driver("durable")
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE Orders"))
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE INDEX ON Orders (orderId)"))

        def writer():
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline and len(acknowledged) < 400:
                order = str(uuid.uuid4())
                try:
                    d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO Orders ?", {"orderId": order}))
                    acknowledged.append(order)
                except Exception as e:  # not acknowledged: may or may not have committed
                    errors.append(repr(e))

        t = threading.Thread(target=writer)
        t.start()
        cluster.wait(lambda: len(acknowledged) >= 50, 30, "50 acknowledged writes")
        cluster.kill9(leader)
        before_kill = len(acknowledged)
        new_leader = cluster.wait(lambda: (l := cluster.leader()) and l != leader and l, 30, "a new leader")
        cluster.wait(lambda: len(acknowledged) >= before_kill + 50, 60, "writes after failover")
        stop.set()
        t.join(timeout=90)
        assert not t.is_alive()

        rows = d.execute_lambda(lambda tx: [r["orderId"] for r in tx.execute_statement("SELECT orderId FROM Orders")])
        print(f"kill -9 {leader} after {before_kill} acknowledged writes; new leader {new_leader}; "
              f"{len(acknowledged)} acknowledged, {len(rows)} stored, {len(errors)} unacknowledged attempts")
        missing = set(acknowledged) - set(rows)
        assert missing == set(), f"{len(missing)} acknowledged writes lost"
        assert len(rows) == len(set(rows))
        d.close()
    assert new_leader != leader
    # The killed node comes back (cluster up restarts only what is down), catches up and agrees.
    out = cluster.up().stdout
    assert f"{leader}: started" in out
    cluster.wait_converged("durable", timeout=60)


def test_planned_failover_hands_leadership_on(cluster):
    _, leader = follower(cluster)
    target = next(n for n in cluster.names if n != leader)
    out = cluster.tally("cluster", "failover", "--dir", str(cluster.dir), "--to", target[len("node"):]).stdout
    assert f"leader is now {target}" in out
    assert cluster.leader() == target
    node = next(n for n in cluster.names if n != target)
    with environment(cluster.env(node)):
        d = driver("agree")
        d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO T ?", {"k": "after-transfer"}))
        d.close()
    cluster.wait_converged("agree")


def test_cluster_status_table(cluster):
    out = cluster.tally("cluster", "status", "--dir", str(cluster.dir)).stdout
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["NODE", "ROLE", "TERM"]
    assert sum(" leader " in l for l in lines) == 1
    assert all(" ok" in l for l in lines[1:])

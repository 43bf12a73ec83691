"""Membership changes with real node processes, through `tally cluster` as an
operator would: a dead node (its data directory deleted) is replaced by a new
one under load (`tally cluster replace`: learner, catch-up, promotion, then
removal of the dead one); the cluster then survives the loss of any other
single node, nothing acknowledged is lost, and all digests agree. A five-node
cluster keeps committing with two nodes down, and its leader can be removed."""
import contextlib
import shutil
import time

import pytest
from conftest import environment

from cluster_support import WRITERS, Load, LocalCluster, create_ledger, driver

RAFT = """
[raft]
tick_ms = 100
election_ticks = 10
heartbeat_ticks = 1
compaction_threshold = 50
"""


def members(cluster):
    out = cluster.tally("cluster", "members", "--dir", str(cluster.dir)).stdout
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    return sorted(lines["voters"].split()), sorted(lines["learners"].split())


def make_tables(ledger):
    create_ledger(ledger)
    d = driver(ledger)
    for n in range(WRITERS):
        d.execute_lambda(lambda tx, n=n: tx.execute_statement(f"CREATE TABLE Docs{n}"))
        d.execute_lambda(lambda tx, n=n: tx.execute_statement(f"CREATE INDEX ON Docs{n} (id)"))
    return d


def stored_ids(d):
    return [i for n in range(WRITERS) for i in
            d.execute_lambda(lambda tx, n=n: [r["id"] for r in tx.execute_statement(f"SELECT id FROM Docs{n}")])]


def commits_continue(cluster, load, what, count=30, timeout=60):
    before = load.count()
    cluster.wait(lambda: load.count() >= before + count, timeout, f"{count} commits {what}")


@contextlib.contextmanager
def running_load(ledger):
    """WRITERS pyqldb writers on `ledger` (through the current environment) for the block."""
    load = Load(ledger)
    for t in load.threads:
        t.start()
    try:
        yield load
    finally:
        load.stop.set()
        for t in load.threads:
            t.join(timeout=120)
    assert not any(t.is_alive() for t in load.threads)


def check_nothing_lost(d, load):
    stored = stored_ids(d)
    acknowledged = [i for _, i in load.acks]
    missing = set(acknowledged) - set(stored)
    print(f"{len(acknowledged)} acknowledged, {len(stored)} stored, {len(load.errors)} unacknowledged attempts")
    assert missing == set(), f"{len(missing)} acknowledged inserts lost"
    assert len(stored) == len(set(stored))


@pytest.fixture()
def replaceable(tally_bin, tmp_path):
    c = LocalCluster(tally_bin, tmp_path, extra_config=RAFT, load_balancer=True, spares=1)
    try:
        c.up()
        yield c
    finally:
        c.down()


def test_dead_node_is_replaced_under_load_then_any_other_node_may_fail(replaceable):
    cluster = replaceable
    assert members(cluster) == (["node1", "node2", "node3"], [])
    assert cluster.status("node4")["leaderId"] is None, "a joining node waits to be added"
    with environment(cluster.lb_env()):
        d = make_tables("members")
        with running_load("members") as load:
            commits_continue(cluster, load, "before the failure")
            # node3 dies for good: killed, its data directory deleted.
            cluster.kill9("node3")
            shutil.rmtree(cluster.dir / "local/node3")
            commits_continue(cluster, load, "with node3 dead")
            started = time.monotonic()
            out = cluster.tally("cluster", "replace", "node3", "node4", "--dir", str(cluster.dir), timeout=330).stdout
            print(out.strip())
            print(f"replace took {time.monotonic() - started:.1f} s under load")
            assert "node4 added as a learner, caught up, promoted to voter" in out
            assert "node3 removed" in out
            assert (cluster.dir / "node3.toml.removed").exists() and not (cluster.dir / "node3.toml").exists()
            assert members(cluster) == (["node1", "node2", "node4"], [])
            cluster.names = ["node1", "node2", "node4"]
            commits_continue(cluster, load, "after the replacement")
            # Now any one of the three may fail.
            for victim in ["node1", "node2", "node4"]:
                cluster.kill9(victim)
                commits_continue(cluster, load, f"with {victim} down")
                assert f"{victim}: started" in cluster.up().stdout
                cluster.wait(lambda: all((cluster.status(n) or {}).get("leaderId") for n in cluster.names), 30,
                             "every node following a leader")
                time.sleep(2)  # HAProxy: two good checks bring the restarted node back
        check_nothing_lost(d, load)
        d.close()
    digests = cluster.wait_converged("members", timeout=60)
    print("digests:", digests)
    # The new node keeps the membership across a restart (from its log, not its configuration file).
    cluster.kill9("node4")
    cluster.up()
    cluster.wait(lambda: (cluster.status("node4") or {}).get("leaderId"), 30, "node4 following a leader")
    assert members(cluster) == (["node1", "node2", "node4"], [])


@pytest.fixture()
def five(tally_bin, tmp_path):
    c = LocalCluster(tally_bin, tmp_path, nodes=5, extra_config=RAFT, load_balancer=True)
    try:
        c.up()
        yield c
    finally:
        c.down()


def test_five_nodes_survive_two_failures_and_the_leader_can_be_removed(five):
    cluster = five
    assert members(cluster) == ([f"node{i}" for i in range(1, 6)], [])
    with environment(cluster.lb_env()):
        d = make_tables("five")
        with running_load("five") as load:
            commits_continue(cluster, load, "with five nodes")
            leader = cluster.wait(cluster.leader, what="a leader")
            follower = next(n for n in cluster.names if n != leader)
            cluster.kill9(follower)
            cluster.kill9(leader)
            commits_continue(cluster, load, f"with {leader} (the leader) and {follower} down")
            cluster.up()
            cluster.wait(lambda: all((cluster.status(n) or {}).get("leaderId") for n in cluster.names), 30,
                         "every node following a leader")
            leader = cluster.wait(cluster.leader, what="a leader")
            out = cluster.tally("cluster", "remove", leader, "--dir", str(cluster.dir)).stdout
            assert f"{leader} removed" in out, out
            cluster.names = [n for n in cluster.names if n != leader]
            new_leader = cluster.wait(cluster.leader, 10, "a new leader after the leader removed itself")
            assert new_leader != leader
            commits_continue(cluster, load, "with four voters")
        check_nothing_lost(d, load)
        d.close()
    assert members(cluster) == (sorted(cluster.names), [])
    print("digests:", cluster.wait_converged("five", timeout=60))

"""Real node processes on loopback: replication with per-node hashing,
failover by kill -9 and by leadership transfer, catch-up after restart,
nothing acknowledged lost."""
import threading
import time
import uuid

import pytest
from conftest import environment

from cluster_support import LocalCluster, create_ledger, driver


@pytest.fixture(scope="module")
def cluster(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("cluster"))
    try:
        c.up()
        yield c
    finally:
        c.down()


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


def test_kill_leader_under_continuous_transfers_loses_nothing_acknowledged(cluster):
    """Transfers between accounts run through a follower while the leader is
    killed with SIGKILL: every acknowledged transfer is in the journal, the
    money total is unchanged, and the restarted node agrees on the digest."""
    import random
    node, leader = follower(cluster)
    acknowledged = []
    errors = []
    stop = threading.Event()
    accounts = [f"A{i}" for i in range(8)]
    with environment(cluster.env(node)):
        create_ledger("durable")
        d = driver("durable")
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE Accounts"))
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE Transfers"))
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE INDEX ON Accounts (id)"))
        d.execute_lambda(lambda tx: [tx.execute_statement("INSERT INTO Accounts ?", {"id": a, "balance": 1000})
                                     for a in accounts])
        rng = random.Random(7)

        def transfer(tx, src, dst, amount, tid):
            # Idempotent, as QLDB asks of a transaction the driver may retry: a commit whose
            # answer was lost when the leader died may have committed, and the retry must see it.
            if list(tx.execute_statement("SELECT tid FROM Transfers WHERE tid = ?", tid)):
                return
            balances = {r["id"]: r["balance"] for r in
                        tx.execute_statement("SELECT id, balance FROM Accounts WHERE id IN (?, ?)", src, dst)}
            tx.execute_statement("UPDATE Accounts SET balance = ? WHERE id = ?", balances[src] - amount, src)
            tx.execute_statement("UPDATE Accounts SET balance = ? WHERE id = ?", balances[dst] + amount, dst)
            tx.execute_statement("INSERT INTO Transfers ?", {"tid": tid, "from": src, "to": dst, "amount": amount})

        def writer():
            deadline = time.monotonic() + 90
            while not stop.is_set() and time.monotonic() < deadline and len(acknowledged) < 400:
                src, dst = rng.sample(accounts, 2)
                tid = str(uuid.uuid4())
                try:
                    d.execute_lambda(lambda tx: transfer(tx, src, dst, rng.randint(1, 50), tid))
                    acknowledged.append(tid)
                except Exception as e:  # not acknowledged: may or may not have committed
                    errors.append(repr(e))

        t = threading.Thread(target=writer)
        t.start()
        cluster.wait(lambda: len(acknowledged) >= 40, 60, "40 acknowledged transfers")
        cluster.kill9(leader)
        before_kill = len(acknowledged)
        new_leader = cluster.wait(lambda: (l := cluster.leader()) and l != leader and l, 30, "a new leader")
        cluster.wait(lambda: len(acknowledged) >= before_kill + 40, 60, "transfers after failover")
        stop.set()
        t.join(timeout=120)
        assert not t.is_alive()

        stored = d.execute_lambda(lambda tx: [r["tid"] for r in tx.execute_statement("SELECT tid FROM Transfers")])
        total = d.execute_lambda(lambda tx: sum(r["balance"] for r in tx.execute_statement("SELECT balance FROM Accounts")))
        print(f"kill -9 {leader} after {before_kill} acknowledged transfers; new leader {new_leader}; "
              f"{len(acknowledged)} acknowledged, {len(stored)} stored, {len(errors)} unacknowledged attempts")
        missing = set(acknowledged) - set(stored)
        assert missing == set(), f"{len(missing)} acknowledged transfers lost"
        assert len(stored) == len(set(stored))
        assert total == 1000 * len(accounts)
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

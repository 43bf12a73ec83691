"""One client endpoint: HAProxy (cluster/haproxy.cfg, started by `tally cluster up`)
in front of three real nodes. pyqldb keeps committing through it while the
leader, then a follower, is killed with SIGKILL; nothing acknowledged is lost.
The longest pause between two acknowledged commits is printed for each kill."""
import time

import pytest
from conftest import environment

from cluster_support import WRITERS, Load, LocalCluster, create_ledger, driver


@pytest.fixture(scope="module")
def cluster(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("lb"), load_balancer=True)
    try:
        out = c.up().stdout
        assert "haproxy: started" in out, out
        yield c
    finally:
        c.down()


def kill_and_measure(cluster, load, victim, what):
    before = load.count()
    killed_at = time.monotonic()
    cluster.kill9(victim)
    cluster.wait(lambda: load.count() >= before + 60, 60, f"60 commits after killing {what}")
    gap = load.longest_gap(killed_at, time.monotonic())
    print(f"kill -9 {what} ({victim}): longest gap between acknowledged commits {gap:.3f} s, "
          f"{load.count() - before} commits since")
    return gap


def close_ignoring_cut_connections(d):
    """Closing a driver ends its pooled sessions; one whose node was killed ends on a cut link."""
    from botocore.exceptions import ConnectionError as BotocoreConnectionError
    try:
        d.close()
    except BotocoreConnectionError as e:
        print("  a pooled session ended on a cut connection:", str(e)[:200])


def read_all_ids():
    """Every stored id, read on fresh connections. A kept-alive connection whose node was
    killed is cut by HAProxy (`on-marked-down shutdown-sessions`), and pyqldb does not retry
    the TLS EOF a client then sees on it: a client reconnects, as here."""
    from botocore.exceptions import ConnectionError as BotocoreConnectionError
    from pyqldb.errors import ExecuteError
    for attempt in range(5):
        d = driver("lb")
        try:
            return [i for n in range(WRITERS) for i in
                    d.execute_lambda(lambda tx: [r["id"] for r in tx.execute_statement(f"SELECT id FROM Docs{n}")])]
        except (BotocoreConnectionError, ExecuteError) as e:
            if attempt == 4:
                raise
            print("  final read retried after:", str(e)[:200])
            time.sleep(1)
        finally:
            close_ignoring_cut_connections(d)


def test_clients_keep_committing_through_the_load_balancer_while_nodes_are_killed(cluster):
    with environment(cluster.lb_env()):
        create_ledger("lb")
        d = driver("lb")
        for n in range(WRITERS):
            d.execute_lambda(lambda tx: tx.execute_statement(f"CREATE TABLE Docs{n}"))
            d.execute_lambda(lambda tx: tx.execute_statement(f"CREATE INDEX ON Docs{n} (id)"))
        load = Load("lb")
        for t in load.threads:
            t.start()
        try:
            cluster.wait(lambda: load.count() >= 60, 60, "60 commits before any kill")
            leader = cluster.wait(cluster.leader, what="a leader")
            leader_gap = kill_and_measure(cluster, load, leader, "the leader")
            assert f"{leader}: started" in cluster.up().stdout
            cluster.wait(lambda: all((cluster.status(n) or {}).get("leaderId") for n in cluster.names), 30,
                         "every node following a leader")
            time.sleep(2)  # HAProxy: two good checks bring the restarted node back
            leader = cluster.wait(cluster.leader, what="a leader")
            follower = next(n for n in cluster.names if n != leader)
            follower_gap = kill_and_measure(cluster, load, follower, "a follower")
        finally:
            load.stop.set()
            for t in load.threads:
                t.join(timeout=120)
        assert not any(t.is_alive() for t in load.threads)
        close_ignoring_cut_connections(d)
        stored = read_all_ids()
    acknowledged = [i for _, i in load.acks]
    missing = set(acknowledged) - set(stored)
    print(f"{len(acknowledged)} acknowledged, {len(stored)} stored, {len(load.errors)} unacknowledged attempts; "
          f"longest gap: leader kill {leader_gap:.3f} s, follower kill {follower_gap:.3f} s")
    for e in sorted(set(load.errors)):
        print("  unacknowledged:", e[:300])
    assert missing == set(), f"{len(missing)} acknowledged inserts lost"
    assert len(stored) == len(set(stored))
    assert leader_gap < 15 and follower_gap < 15
    assert cluster.up().stdout  # bring the follower back
    cluster.wait_converged("lb", timeout=60)


def test_followers_record_the_latency_of_what_they_forward(cluster):
    """The load balancer sent connections to followers; they export the latency their clients saw."""
    import re
    counts = {}
    for n in cluster.names:
        text = cluster.get(n, "/metrics").decode()
        m = re.search(r'tally_forwarded_command_latency_seconds_count\{ledger="lb",command="CommitTransaction"\} (\d+)', text)
        counts[n] = int(m.group(1)) if m else 0
    print("forwarded CommitTransaction per node:", counts)
    assert sum(counts.values()) > 0


def test_node_logs_tell_the_story_of_the_kills(cluster):
    """Elections with terms, leader changes and peer links, as logfmt lines; nothing per request."""
    logs = {n: (cluster.dir / f"local/{n}.log").read_text() for n in cluster.names}
    everything = "\n".join(logs.values())
    for event in ['msg="elected leader"', 'msg="leader changed"', 'msg="election started"',
                  'msg="peer connected"', 'msg="peer disconnected"', 'msg=configuration']:
        assert event in everything, event
    elected = [l for l in everything.splitlines() if 'msg="elected leader"' in l]
    assert all(" term=" in l for l in elected) and any(" term=1" not in l for l in elected), elected
    # Hundreds of commits went through: at info level, none of them was logged.
    assert len(everything.splitlines()) < 150, len(everything.splitlines())


def test_cluster_status_and_down_include_the_load_balancer(cluster):
    out = cluster.tally("cluster", "status", "--dir", str(cluster.dir)).stdout
    assert f"load balancer 127.0.0.1:{cluster.lb_port}: running" in out, out

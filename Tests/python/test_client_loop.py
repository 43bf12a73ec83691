"""The client port on loops of its own (`[http] client_loop`, the default; two
of them, `client_loops`), with some connections served on the node's loop
(`node_loop_connections`, default 8; a node alone keeps them however many
connect), and everything on the node's loop (`client_loop = false`): the same
answers either way — concurrent sessions on connections of every loop, a
streamed multi-page scan, a refused signature — so every setting stays usable."""
import json
import os
import re
import subprocess
import threading
import time
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError
from pyqldb.driver.qldb_driver import QldbDriver

from conftest import environment, run_single_node
from test_hostile_queries import create_ledger

DRIVERS = 3


def gauge(env, name):
    with urllib.request.urlopen(env["TALLY_METRICS_URL"] + "/metrics", timeout=10) as r:
        text = r.read().decode()
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    assert m, f"{name} is exported"
    return float(m.group(1))


def node_loop_connections(env):
    return gauge(env, "tally_http_node_loop_connections")


def other_client_loop_connections(env):
    return gauge(env, "tally_http_other_client_loop_connections")


def spread(connections, loops):
    """How many of `connections` on the listening client loop end up on the other
    `loops - 1`: each idle one moves to the emptiest other loop while that has at
    least two fewer than the listener."""
    listener, others = connections, [0] * (loops - 1)
    while others and min(others) < listener - 1:
        others[others.index(min(others))] += 1
        listener -= 1
    return sum(others)


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize("client_loop,node_loop,client_loops", [
    ("true", None, None), ("true", 0, None), ("true", 1, None), ("true", 3, None),
    ("true", 0, 1), ("true", 0, 3), ("true", 1, 3), ("false", None, None)])
def test_sessions_work_on_either_loop(tally_bin, tmp_path, client_loop, node_loop, client_loops):
    config = f"[http]\nclient_loop = {client_loop}\nidle_timeout_seconds = 2\n"
    if node_loop is not None:
        config += f"node_loop_connections = {node_loop}\n"
    if client_loops is not None:
        config += f"client_loops = {client_loops}\n"
    # The default (8) has room for every driver's connection.
    placed = 0 if client_loop == "false" else (DRIVERS if node_loop is None else node_loop)
    # The rest are spread over the client loops (two by default).
    moved = 0 if client_loop == "false" else spread(DRIVERS - placed, client_loops or 2)
    for env in run_single_node(tally_bin, tmp_path, config):
        create_ledger(env, "loops", rows=450)  # more than two 200-value pages
        # The set-up's connections close when idle for 2 s: the drivers' are the first placed after.
        assert wait_for(lambda: node_loop_connections(env) == 0 and other_client_loop_connections(env) == 0)
        with environment(env):
            drivers = [QldbDriver("loops") for _ in range(DRIVERS)]
            errors = []
            together = threading.Barrier(DRIVERS, timeout=60)

            def work(i, d):
                try:
                    for n in range(15):
                        d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO Big ?", {"n": 1000 * (i + 1) + n}))
                    got = d.execute_lambda(lambda tx: [r["n"] for r in tx.execute_statement(
                        "SELECT n FROM Big WHERE n >= ? AND n < ?", 1000 * (i + 1), 1000 * (i + 2))])
                    assert sorted(got) == [1000 * (i + 1) + n for n in range(15)]
                    together.wait()  # one more request each just before the gauge is read: none is idle
                    d.execute_lambda(lambda tx: tx.execute_statement("SELECT n FROM Big WHERE n = 0"))
                except Exception as e:  # reported below, on the test's thread
                    errors.append(e)

            threads = [threading.Thread(target=work, args=(i, d)) for i, d in enumerate(drivers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert not errors, errors
            # Every driver holds its connection: the node's loop has taken as many as it may.
            assert node_loop_connections(env) == placed
            assert other_client_loop_connections(env) == moved
            rows = drivers[0].execute_lambda(lambda tx: [r["n"] for r in tx.execute_statement("SELECT n FROM Big")])
            assert sorted(rows) == list(range(450)) + sorted(1000 * (i + 1) + n for i in range(DRIVERS) for n in range(15))
            for d in drivers:
                d.close()
            # Idle connections close after 2 s, and their places on the node's loop are free again.
            assert wait_for(lambda: node_loop_connections(env) == 0 and other_client_loop_connections(env) == 0)
            # The endpoint and CA bundle come from the environment set above.
            bad = boto3.session.Session().client("qldb-session", aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                                 aws_secret_access_key="wrong-secret")
            with pytest.raises(ClientError) as refused:
                bad.send_command(StartSession={"LedgerName": "loops"})
            assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_a_place_freed_on_the_node_loop_goes_to_a_busy_connection(tally_bin, tmp_path):
    """One place: an idle control-plane connection takes it first, so
    the driver's connection starts on the client loop; once the idle one has closed,
    the driver's moves to the node's loop between two requests and keeps working."""
    for env in run_single_node(tally_bin, tmp_path, "[http]\nidle_timeout_seconds = 2\nnode_loop_connections = 1\n"):
        create_ledger(env, "moves", rows=10)
        assert wait_for(lambda: node_loop_connections(env) == 0)
        with environment(env):
            holder = boto3.client("qldb")
            holder.list_ledgers()  # accepted first: takes the place, then idles
            assert node_loop_connections(env) == 1
            d = QldbDriver("moves")
            inserted = 0
            start = time.monotonic()
            while time.monotonic() - start < 4.0 and inserted < 2000:
                d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO Big ?", {"n": 100 + inserted}))
                inserted += 1
            # The holder closed after 2 s idle; the one place is the driver's now.
            assert node_loop_connections(env) == 1
            count = d.execute_lambda(lambda tx: list(tx.execute_statement("SELECT COUNT(*) AS c FROM Big")))[0]["c"]
            assert count == 10 + inserted
            d.close()
            assert wait_for(lambda: node_loop_connections(env) == 0)


def test_a_signed_load_over_three_client_loops(tally_bin, tmp_path):
    """Sixteen clients of `tally bench load` (signed HTTPS, three requests a
    transaction) against three client loops and two places on the node's loop:
    connections are spread while they work, every insert commits and every
    select finds its document. Under `scripts/sanitize node` this is the test
    that runs the loops' requests at the same time (the drivers above take turns)."""
    # (The first line goes into `run_single_node`'s own [session] table.)
    config = "rate_limit_per_second = 0\n[http]\nclient_loops = 3\nnode_loop_connections = 2\n"
    for env in run_single_node(tally_bin, tmp_path, config):
        for workload in ("insert", "select"):
            out = tmp_path / f"{workload}.json"
            load = subprocess.Popen(
                [tally_bin, "bench", "load", "--clients", "16", "--runs", "1", "--duration", "3", "--warmup", "0.5",
                 "--workload", workload, "--keys", "50", "--ledger", "loads", "--json", str(out)],
                env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            try:
                # 16 connections: 2 on the node's loop, the other 14 spread over the three client loops.
                assert wait_for(lambda: other_client_loop_connections(env) == spread(14, 3), timeout=60), \
                    other_client_loop_connections(env)
                assert node_loop_connections(env) == 2
                output, _ = load.communicate(timeout=180)
            finally:
                load.kill()
            assert load.returncode == 0, output
            run = json.loads(out.read_text())["runs"][0]
            assert run["committed"] > 0, output
            assert run["errors"] == {} and run["anomalies"] == {}, output

"""Statements a hostile (but authenticated) client can send, against a real node:
each is answered with a clear error in bounded time while /health stays fast,
and SIGTERM still stops a node that is busy with one."""
import os
import signal
import subprocess
import threading
import time
import urllib.request
from decimal import Decimal

import boto3
import pytest
from botocore.exceptions import ClientError
from pyqldb.config.retry_config import RetryConfig
from pyqldb.driver.qldb_driver import QldbDriver

from conftest import ROOT, environment, free_port, read_env_file, wait_for_port

ROWS = 3000


def start_node(tally_bin, work, extra="", transaction_timeout=3):
    subprocess.run([str(ROOT / "scripts/gen-certs"), "--dir", str(work), "1"], check=True, capture_output=True)
    client, peer, metrics = free_port(), free_port(), free_port()
    (work / "node.toml").write_text(f"""
node_id = "node1"
data_dir = "data"
[listen]
client = "127.0.0.1:{client}"
peer = "127.0.0.1:{peer}"
metrics = "127.0.0.1:{metrics}"
[tls]
cert = "certs/node1.pem"
key = "certs/node1.key"
ca = "certs/ca.pem"
[auth]
credentials_file = "credentials"
[session]
transaction_timeout_seconds = {transaction_timeout}
{extra}
""")
    log = open(work / "node.log", "w")
    proc = subprocess.Popen([tally_bin, "node", "--config", str(work / "node.toml"), "--env-file", str(work / "env")],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(client, proc)
        wait_for_port(metrics, proc)
        env = read_env_file(work / "env")
    except BaseException:
        proc.kill()  # a node that did not come up must not outlive the test
        proc.wait()
        log.close()
        raise
    env["TALLY_METRICS_URL"] = f"http://127.0.0.1:{metrics}"
    return proc, log, env


def create_ledger(env, name, tables=("Big",), rows=ROWS):
    with environment(env):
        qldb = boto3.client("qldb")
        qldb.create_ledger(Name=name, PermissionsMode="STANDARD", DeletionProtection=False)
        deadline = time.monotonic() + 30
        while qldb.describe_ledger(Name=name)["State"] != "ACTIVE":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        d = QldbDriver(name)
        for t in tables:
            d.execute_lambda(lambda tx, t=t: tx.execute_statement(f"CREATE TABLE {t}"))
        pad = "x" * 400
        for start in range(0, rows, 40):
            d.execute_lambda(lambda tx, s=start: [tx.execute_statement("INSERT INTO Big ?", {"n": n, "pad": pad})
                                                  for n in range(s, min(s + 40, rows))])
        d.close()


def add_small_table(env, ledger, table, rows=ROWS):
    """`table` with `rows` documents {n} of a few bytes: a join source well inside a 1 MiB budget."""
    with environment(env):
        d = QldbDriver(ledger)
        d.execute_lambda(lambda tx: tx.execute_statement(f"CREATE TABLE {table}"))
        for start in range(0, rows, 40):
            d.execute_lambda(lambda tx, s=start: [tx.execute_statement(f"INSERT INTO {table} ?", {"n": n})
                                                  for n in range(s, min(s + 40, rows))])
        d.close()


@pytest.fixture(scope="module")
def node(tally_bin, tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    # The row budget is out of the way: the join below must end at the transaction timeout,
    # which a release build would otherwise outrun by reaching 2 M binding rows first.
    proc, log, env = start_node(tally_bin, work, "[statements]\nmax_result_mib = 1\nmax_rows = 1000000000\n")
    try:
        create_ledger(env, "hostile")
        add_small_table(env, "hostile", "Mid")
        yield env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class HealthProbe:
    """Polls /health every 20 ms from its own thread; keeps the slowest answer."""

    def __init__(self, env):
        self.url = env["TALLY_METRICS_URL"] + "/health"
        self.worst = 0.0
        self.count = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            with urllib.request.urlopen(self.url, timeout=10) as r:
                r.read()
            self.worst = max(self.worst, time.monotonic() - started)
            self.count += 1
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=15)


def run_statement(env, statement, *params):
    with environment(env):
        d = QldbDriver("hostile", retry_config=RetryConfig(retry_limit=0))
        try:
            return d.execute_lambda(lambda tx: list(tx.execute_statement(statement, *params)))
        finally:
            d.close()


def test_long_join_is_cancelled_at_the_transaction_timeout_while_health_stays_fast(node):
    started = time.monotonic()
    with HealthProbe(node) as probe:
        with pytest.raises(ClientError) as failure:
            # Mid is read whole (3,000 documents, 336 bytes each in memory by the budget's estimate:
            # 0.96 MiB, inside the 1 MiB budget); its 9 M pairs take far longer than 3 s.
            run_statement(node, "SELECT COUNT(*) FROM Mid a, Mid b WHERE a.n + b.n = -1")
    elapsed = time.monotonic() - started
    assert "transaction timeout" in str(failure.value)
    assert elapsed < 10, f"a 9 M-row join should end at the 3 s transaction timeout, took {elapsed:.1f} s"
    print(f"join cancelled after {elapsed:.2f} s; /health worst {probe.worst * 1000:.1f} ms over {probe.count} probes")
    assert probe.count > 10
    assert probe.worst < 0.1, f"/health took {probe.worst * 1000:.0f} ms while the join ran"


def test_result_over_the_memory_budget_is_a_clear_error(node):
    with HealthProbe(node) as probe:
        with pytest.raises(ClientError) as failure:
            run_statement(node, "SELECT * FROM Big ORDER BY n")  # ORDER BY holds the whole result
    assert "memory budget" in str(failure.value)
    assert probe.worst < 0.1, f"/health took {probe.worst * 1000:.0f} ms"
    # A narrower statement over the same table still works.
    assert run_statement(node, "SELECT VALUE n FROM Big WHERE n = 5") == [5]


def test_a_scan_larger_than_the_memory_budget_is_read_page_by_page(node):
    """3,000 documents of 400 bytes against a 1 MiB result budget: a plain scan
    streams, each page within the budget, and pyqldb reads every row."""
    with HealthProbe(node) as probe:
        rows = run_statement(node, "SELECT * FROM Big")
    assert sorted(r["n"] for r in rows) == list(range(ROWS))
    assert [r["n"] for r in rows] == list(range(ROWS)), "a scan returns documents in insertion order"
    # Each page holds the loop for at most one 10 ms slice (plus encoding); 0.25 s leaves room for a busy machine.
    assert probe.worst < 0.25, f"/health took {probe.worst * 1000:.0f} ms"


def test_a_table_changed_between_pages_fails_the_readers_commit(node):
    """Later pages read the state of their time; the scan's read makes a
    commit after a concurrent write fail with an OCC conflict, never pass."""
    with environment(node):
        client = boto3.client("qldb-session")
        token = client.send_command(StartSession={"LedgerName": "hostile"})["StartSession"]["SessionToken"]
        txn = client.send_command(SessionToken=token, StartTransaction={})["StartTransaction"]["TransactionId"]
        statement = "SELECT VALUE n FROM Mid"
        first = client.send_command(SessionToken=token, ExecuteStatement={
            "TransactionId": txn, "Statement": statement})["ExecuteStatement"]["FirstPage"]
        assert 0 < len(first["Values"]) <= 200 and first.get("NextPageToken")
        with pytest.raises(ClientError) as bad:
            client.send_command(SessionToken=token, FetchPage={"TransactionId": txn, "NextPageToken": "bm90LWEtdG9rZW4="})
        assert bad.value.response["Error"]["Code"] == "BadRequestException"
        run_statement(node, "INSERT INTO Mid ?", {"n": -7})  # another transaction commits
        pages, next_token = 1, first["NextPageToken"]
        while next_token:
            page = client.send_command(SessionToken=token, FetchPage={
                "TransactionId": txn, "NextPageToken": next_token})["FetchPage"]["Page"]
            pages, next_token = pages + 1, page.get("NextPageToken")
            assert pages < 1000
        assert pages >= ROWS // 200
        digest = commit_digest(txn, [statement])
        with pytest.raises(ClientError) as conflict:
            client.send_command(SessionToken=token, CommitTransaction={"TransactionId": txn, "CommitDigest": digest})
        assert conflict.value.response["Error"]["Code"] == "OccConflictException", conflict.value.response
        client.send_command(SessionToken=token, EndSession={})
    run_statement(node, "DELETE FROM Mid WHERE n = -7")


def commit_digest(txn, statements):
    """QLDB's commit digest: H(txn id) dotted with each statement's hash (pyqldb's QldbHash)."""
    from pyqldb.util.qldb_hash import QldbHash
    digest = QldbHash.to_qldb_hash(txn)
    for statement in statements:
        digest = digest.dot(QldbHash.to_qldb_hash(statement))
    return digest.get_qldb_hash()


def test_sigterm_stops_a_node_that_is_running_a_long_statement(tally_bin, tmp_path):
    proc, log, env = start_node(tally_bin, tmp_path, transaction_timeout=30)
    try:
        create_ledger(env, "hostile", rows=2000)
        worker = threading.Thread(target=lambda: pytest.raises(Exception, run_statement, env,
                                                               "SELECT COUNT(*) FROM Big a, Big b, Big c"),
                                  daemon=True)
        worker.start()
        time.sleep(1.0)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        print(f"stopped {time.monotonic() - started:.2f} s after SIGTERM, exit code {proc.returncode}")
        assert time.monotonic() - started < 15
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()


def test_decimal_with_a_huge_exponent_costs_its_digits_not_its_exponent(node):
    started = time.monotonic()
    with HealthProbe(node) as probe:
        result = run_statement(node, "SELECT VALUE ? + 1 FROM Big WHERE n = 1", Decimal("1E+200000"))
        ordered = run_statement(node, "SELECT VALUE n FROM Big WHERE n < ? AND n < 3", Decimal("1E+200000"))
    elapsed = time.monotonic() - started
    assert len(result) == 1 and result[0] == Decimal("1E+200000"), result
    assert sorted(ordered) == [0, 1, 2]
    assert elapsed < 10, f"took {elapsed:.1f} s"
    assert probe.worst < 0.1, f"/health took {probe.worst * 1000:.0f} ms"


def test_a_million_digit_integer_parameter_is_refused_at_once(node):
    """The probe of the issue: IonText with a 1 M-digit int (the node parsed it in quadratic time)."""
    digits = "1" + "7" * 999_999
    with environment(node):
        client = boto3.client("qldb-session")
        token = client.send_command(StartSession={"LedgerName": "hostile"})["StartSession"]["SessionToken"]
        txn = client.send_command(SessionToken=token, StartTransaction={})["StartTransaction"]["TransactionId"]
        with HealthProbe(node) as probe:
            started = time.monotonic()
            with pytest.raises(ClientError) as failure:
                client.send_command(SessionToken=token, ExecuteStatement={
                    "TransactionId": txn, "Statement": "SELECT VALUE ? FROM Big WHERE n = 1",
                    "Parameters": [{"IonText": digits}]})
            elapsed = time.monotonic() - started
        error = failure.value.response["Error"]
        assert error["Code"] == "BadRequestException", error
        assert "1000000 digits; the limit is 4000" in error["Message"], error["Message"][:300]
        client.send_command(SessionToken=token, AbortTransaction={})
    assert run_statement(node, "SELECT VALUE n FROM Big WHERE n = 1") == [1]
    assert elapsed < 5, f"the refusal took {elapsed:.1f} s"
    assert probe.worst < 0.1, f"/health took {probe.worst * 1000:.0f} ms"


"""The monitoring kit against a real three-node cluster: the real Prometheus
server (Debian package) scrapes every node; promtool accepts every node's
output; OCC conflicts, command latency and journal storage show up."""
import json
import pathlib
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest
from pyqldb.config.retry_config import RetryConfig
from pyqldb.driver.qldb_driver import QldbDriver

from cluster_support import LocalCluster
from conftest import ROOT, free_port
from conftest import environment
from cluster_support import create_ledger


@pytest.fixture(scope="module")
def cluster(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("monitored"))
    try:
        c.up()
        yield c
    finally:
        c.down()


def promtool_check(text):
    return subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)


def test_promtool_accepts_every_nodes_metrics(cluster):
    for n in cluster.names:
        text = cluster.get(n, "/metrics").decode()
        assert "tally_raft_term" in text
        result = promtool_check(text)
        assert result.returncode == 0, f"{n}: {result.stdout}{result.stderr}"


def occ_transfers(cluster, ledger):
    """Two writers updating the same account: OCC conflicts are certain."""
    node = next(n for n in cluster.names if n != cluster.leader())
    with environment(cluster.env(node)):
        create_ledger(ledger)
        d = QldbDriver(ledger)
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE Accounts"))
        d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO Accounts ?", {"id": "A", "balance": 1000}))

        def transfer(tx):
            b = next(iter(tx.execute_statement("SELECT balance FROM Accounts WHERE id = 'A'")))["balance"]
            time.sleep(0.01)  # widen the window between read and commit
            tx.execute_statement("UPDATE Accounts SET balance = ? WHERE id = 'A'", b - 1)

        def worker():
            w = QldbDriver(ledger, retry_config=RetryConfig(retry_limit=60, base=5))
            for _ in range(15):
                w.execute_lambda(transfer)
            w.close()

        threads = [threading.Thread(target=worker) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        final = d.execute_lambda(lambda tx: next(iter(tx.execute_statement("SELECT balance FROM Accounts")))["balance"])
        d.close()
    assert final == 1000 - 45  # every transfer applied exactly once despite the conflicts


def test_prometheus_scrapes_the_cluster(cluster, tmp_path):
    occ_transfers(cluster, "monitored")
    kit = (ROOT / "cluster/monitoring/prometheus.yml").read_text()
    for i, n in enumerate(cluster.names, start=1):
        kit = kit.replace(f"127.0.0.1:{9463 + i}", f"127.0.0.1:{cluster.ports[n]['metrics']}")
    kit = kit.replace("scrape_interval: 5s", "scrape_interval: 1s").replace("scrape_timeout: 4s", "scrape_timeout: 1s")
    (tmp_path / "prometheus.yml").write_text(kit)
    shutil.copy(ROOT / "cluster/monitoring/alerts.yml", tmp_path / "alerts.yml")
    port = free_port()
    prom = subprocess.Popen(["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
                             f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def query(q):
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return json.loads(r.read())["data"]["result"]
        except OSError:
            return None

    try:
        up = cluster.wait(lambda: (r := query("up")) and len(r) == 3 and all(x["value"][1] == "1" for x in r) and r,
                          timeout=45, what="all three targets up")
        assert len(up) == 3
        occ = cluster.wait(lambda: (r := query('sum(tally_occ_conflict_exceptions_total{ledger="monitored"})'))
                           and float(r[0]["value"][1]) > 0 and r, timeout=30, what="OCC conflicts counted")
        assert float(occ[0]["value"][1]) > 0
        latency = query('sum(tally_command_latency_seconds_count{ledger="monitored",command="CommitTransaction"})')
        assert latency and float(latency[0]["value"][1]) >= 45
        storage = cluster.wait(lambda: (r := query('tally_journal_storage_bytes{ledger="monitored"}')) and len(r) == 3
                               and len({x["value"][1] for x in r}) == 1 and r, timeout=30,
                               what="journal storage equal on all nodes")
        assert float(storage[0]["value"][1]) > 0
        indexed = query('tally_indexed_storage_bytes{ledger="monitored"}')
        assert indexed and all(float(x["value"][1]) > 0 for x in indexed)
        reads = query('sum(tally_read_ios_total{ledger="monitored"})')
        writes = query('sum(tally_write_ios_total{ledger="monitored"})')
        assert float(reads[0]["value"][1]) >= 45 and float(writes[0]["value"][1]) >= 45
    finally:
        prom.terminate()
        try:
            prom.wait(timeout=10)
        except subprocess.TimeoutExpired:
            prom.kill()

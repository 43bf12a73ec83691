"""The storage failpoints (Sources/Ledger/Failpoints) on a real node: an
injected fsync error stops the node from acknowledging anything, nothing it
acknowledged before is lost across a restart, and the failpoints cannot be
armed on a node whose configuration does not say [testing] failpoints = true."""
import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import ROOT, environment, free_port, read_env_file, running_node
from cluster_support import create_ledger

NODE = """
[tls]
cert = "certs/node1.pem"
key = "certs/node1.key"
ca = "certs/ca.pem"
[auth]
mode = "sigv4"
credentials_file = "credentials"
"""
TESTING = "[testing]\nfailpoints = true\n"


def admin(work, metrics, spec):
    token = (work / "data/admin.token").read_text().strip()
    req = urllib.request.Request(f"http://127.0.0.1:{metrics}/admin/failpoints?" + urllib.parse.urlencode({"set": spec}),
                                 method="POST", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def get(metrics, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics}{path}", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def no_retry_driver(ledger):
    from pyqldb.config.retry_config import RetryConfig
    from pyqldb.driver.qldb_driver import QldbDriver
    return QldbDriver(ledger, retry_config=RetryConfig(retry_limit=0))


def insert(d, k):
    d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO T ?", {"k": k}))


def keys(d):
    return sorted(str(r["k"]) for r in d.execute_lambda(lambda tx: list(tx.execute_statement("SELECT k FROM T"))))


def test_an_fsync_error_stops_acknowledgements_and_loses_nothing_acknowledged(tally_bin, tmp_path):
    subprocess.run([str(ROOT / "scripts/gen-certs"), "--dir", str(tmp_path), "1"], check=True, capture_output=True)
    with running_node(tally_bin, tmp_path, NODE + TESTING) as (_, metrics):
        with environment(read_env_file(tmp_path / "env")):
            create_ledger("fp")
            d = no_retry_driver("fp")
            d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))
            insert(d, "acked-1")
            insert(d, "acked-2")
            assert admin(tmp_path, metrics, "fsync=error")[0] == 200
            with pytest.raises(Exception):
                insert(d, "during-fault")
            status = json.loads(get(metrics, "/status")[1])
            assert status["storageError"] and "fsync" in status["storageError"], status
            assert get(metrics, "/health")[0] == 503
            assert admin(tmp_path, metrics, "off")[0] == 200
            # A node whose fsync failed does not trust its files again until it restarts.
            with pytest.raises(Exception):
                insert(d, "after-fault")
            d.close()
    with running_node(tally_bin, tmp_path, NODE + TESTING):
        with environment(read_env_file(tmp_path / "env")):
            d = no_retry_driver("fp")
            got = keys(d)
            # The failed fsync came after a real one: the ambiguous write may have survived, once at most.
            assert got in (["acked-1", "acked-2"], ["acked-1", "acked-2", "during-fault"]), got
            insert(d, "after-restart")
            assert "after-restart" in keys(d)
            d.close()


def test_failpoints_are_refused_without_the_testing_switch(tally_bin, tmp_path):
    subprocess.run([str(ROOT / "scripts/gen-certs"), "--dir", str(tmp_path), "1"], check=True, capture_output=True)
    with running_node(tally_bin, tmp_path, NODE) as (_, metrics):
        code, text = admin(tmp_path, metrics, "fsync=error")
        assert code == 404 and "failpoints are off" in text
    cfg = (tmp_path / "node.toml").read_text()
    r = subprocess.run([tally_bin, "node", "--config", str(tmp_path / "node.toml")], capture_output=True, text=True,
                       timeout=30, env={"TALLY_FAILPOINTS": "fsync=error", "PATH": "/usr/bin:/bin"})
    assert r.returncode != 0 and "refusing to start" in r.stdout + r.stderr, (r.returncode, r.stdout[-500:], r.stderr[-500:])
    assert "failpoints" not in cfg

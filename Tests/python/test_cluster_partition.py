"""A follower cut off from the cluster and healed rejoins without disrupting
the leader (pre-vote); a node with a certificate from another CA cannot join.
Real node processes; the cut is a test-only TCP proxy on loopback that every
link to and from node3 goes through."""
import select
import socket
import subprocess
import threading
import time

import pytest
from pyqldb.driver.qldb_driver import QldbDriver

from cluster_support import LocalCluster
from conftest import ROOT, environment, free_port
from cluster_support import create_ledger


class CuttableProxy:
    """Forwards TCP from a local port to a target port until `cut()`, which
    drops every connection and refuses new ones until `heal()`."""

    def __init__(self, target_port):
        self.target = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.conns = []
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a, b):
        socks = [a, b]
        try:
            while self.open and not self.stopped:
                ready, _, _ = select.select(socks, [], [], 0.2)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except OSError:
            pass
        finally:
            a.close()
            b.close()

    def cut(self):
        self.open = False
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.conns = []

    def heal(self):
        self.open = True

    def stop(self):
        self.stopped = True
        self.cut()
        self.listener.close()


@pytest.fixture(scope="module")
def partitioned(tally_bin, tmp_path_factory):
    proxies = {}

    def route(n, m, port):
        if "node3" in (n, m):  # every link to or from node3 goes through a proxy
            proxies[(n, m)] = proxies.get((n, m)) or CuttableProxy(port)
            return f"127.0.0.1:{proxies[(n, m)].port}"
        return f"127.0.0.1:{port}"

    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("partition"), peer_address=route)
    try:
        c.up()
        yield c, list(proxies.values())
    finally:
        c.down()
        for p in proxies.values():
            p.stop()


def test_cut_off_follower_rejoins_without_disrupting_the_leader(partitioned):
    cluster, proxies = partitioned
    if cluster.wait(cluster.leader, what="a leader") == "node3":
        cluster.tally("cluster", "failover", "--dir", str(cluster.dir), "--to", "1")
    leader = cluster.wait(lambda: (l := cluster.leader()) != "node3" and l, what="a leader other than node3")
    term = cluster.status(leader)["term"]

    for p in proxies:
        p.cut()
    with environment(cluster.env(leader)):
        create_ledger("island")
        d = QldbDriver("island")
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))
        for i in range(20):
            d.execute_lambda(lambda tx, i=i: tx.execute_statement("INSERT INTO T ?", {"i": i}))
        time.sleep(4)  # several election timeouts for the cut-off node
        isolated = cluster.status("node3")
        assert isolated["role"] != "leader"
        assert isolated["term"] == term, "pre-vote: an isolated node does not raise its term"
        assert cluster.status(leader)["role"] == "leader"

        for p in proxies:
            p.heal()
        cluster.wait_converged("island", timeout=60)
        assert cluster.leader() == leader
        assert cluster.status(leader)["term"] == term, "the healed follower did not force an election"
        d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO T ?", {"i": "after"}))
        d.close()
    cluster.wait_converged("island")


def test_a_node_with_another_cas_certificate_cannot_join(partitioned, tmp_path):
    cluster, _ = partitioned
    leader = cluster.wait(cluster.leader, what="a leader")
    term = cluster.status(leader)["term"]
    rogue = tmp_path / "rogue"
    subprocess.run([str(ROOT / "scripts/gen-certs"), "--dir", str(rogue / "local"), "3"], check=True, capture_output=True)
    metrics = free_port()
    peers = "".join(f'\n[[peers]]\nid = "{m}"\naddress = "127.0.0.1:{cluster.ports[m]["peer"]}"\n'
                    for m in ["node1", "node2"])
    # It claims to be node3, with a certificate for node3 — signed by another CA.
    (rogue / "node3.toml").write_text(f'''node_id = "node3"
data_dir = "local/node3"
[listen]
client = "127.0.0.1:{free_port()}"
peer = "127.0.0.1:{free_port()}"
metrics = "127.0.0.1:{metrics}"
{peers}
[tls]
cert = "local/certs/node3.pem"
key = "local/certs/node3.key"
ca = "local/certs/ca.pem"
[auth]
credentials_file = "local/credentials"
''')
    log = open(tmp_path / "rogue.log", "w")
    proc = subprocess.Popen([cluster.bin, "node", "--config", str(rogue / "node3.toml")], stdout=log, stderr=subprocess.STDOUT)
    try:
        time.sleep(5)
        import json
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics}/status", timeout=5) as r:
            status = json.loads(r.read())
        assert status["leaderId"] is None and status["role"] != "leader"
        assert status["commitIndex"] == 0, "the impostor received no log entries"
        assert cluster.leader() == leader and cluster.status(leader)["term"] == term
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()

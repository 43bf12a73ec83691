"""A real three-node Tally cluster on loopback for tests: configs with free
ports in a temporary directory, certificates from scripts/gen-certs, nodes
started and stopped with `tally cluster` exactly as a user would."""
import json
import os
import pathlib
import signal
import subprocess
import threading
import time
import uuid
import urllib.request

from conftest import ROOT, free_port, read_env_file


class LocalCluster:
    def __init__(self, tally_bin, directory, nodes=3, extra_config="", peer_address=None, load_balancer=False,
                 spares=0):
        """`extra_config`: TOML text appended to every node's config (e.g. a `[raft]` section).
        `peer_address(n, m, port)`: the address node n dials to reach peer m (default: m's own
        peer port), so a test can route links through a proxy it controls.
        `load_balancer`: also write haproxy.cfg (the shipped cluster/haproxy.cfg with this
        cluster's ports), which `tally cluster up` then starts.
        `spares`: extra nodes (node{nodes+1}…) configured with `join = true`, which the others
        do not list: they run idle until `tally cluster add` / `replace` adds them."""
        self.bin = tally_bin
        self.dir = pathlib.Path(directory)
        self.names = [f"node{i}" for i in range(1, nodes + 1)]
        self.spares = [f"node{i}" for i in range(nodes + 1, nodes + spares + 1)]
        self.ports = {n: {"client": free_port(), "peer": free_port(), "metrics": free_port()}
                      for n in self.names + self.spares}
        self.lb_port = None
        if load_balancer:
            self.lb_port = free_port()
            (self.dir / "haproxy.cfg").write_text(haproxy_config(self.lb_port, [self.ports[n] for n in self.names]))
        subprocess.run([str(ROOT / "scripts/gen-certs"), "--dir", str(self.dir / "local"), str(nodes + spares)],
                       check=True, capture_output=True)
        for n in self.names + self.spares:
            p = self.ports[n]
            route = peer_address or (lambda _n, _m, port: f"127.0.0.1:{port}")
            peers = "".join(f'\n[[peers]]\nid = "{m}"\naddress = "{route(n, m, self.ports[m]["peer"])}"\n'
                            for m in self.names if m != n)
            join = "join = true\n" if n in self.spares else ""
            (self.dir / f"{n}.toml").write_text(f'''node_id = "{n}"
{join}
data_dir = "local/{n}"
[listen]
client = "127.0.0.1:{p["client"]}"
peer = "127.0.0.1:{p["peer"]}"
metrics = "127.0.0.1:{p["metrics"]}"
{peers}
[tls]
cert = "local/certs/{n}.pem"
key = "local/certs/{n}.key"
ca = "local/certs/ca.pem"
[auth]
mode = "sigv4"
credentials_file = "local/credentials"
{extra_config}
''')

    def tally(self, *args, timeout=90, check=True):
        return subprocess.run([self.bin, *args], capture_output=True, text=True, timeout=timeout, check=check)

    def up(self):
        return self.tally("cluster", "up", "--dir", str(self.dir))

    def down(self):
        try:
            self.tally("cluster", "down", "--dir", str(self.dir), check=False)
        finally:
            # Whatever `cluster down` could not stop (it failed, timed out): nodes and haproxy.
            for pidfile in (self.dir / "local").glob("*.pid"):
                try:
                    os.kill(int(pidfile.read_text()), signal.SIGKILL)
                except (OSError, ValueError):
                    pass

    def lb_env(self):
        """The client environment through the load balancer (what `cluster/local/env` holds)."""
        env = read_env_file(self.dir / "local/env")
        assert env["AWS_ENDPOINT_URL_QLDB"] == f"https://127.0.0.1:{self.lb_port}", env
        return env

    def env(self, node=None):
        env = read_env_file(self.dir / "local/env")
        if node:
            url = f"https://127.0.0.1:{self.ports[node]['client']}"
            env["AWS_ENDPOINT_URL_QLDB"] = env["AWS_ENDPOINT_URL_QLDB_SESSION"] = url
        return env

    def pid(self, node):
        return int((self.dir / f"local/{node}.pid").read_text())

    def kill9(self, node):
        os.kill(self.pid(node), signal.SIGKILL)

    def get(self, node, path):
        url = f"http://127.0.0.1:{self.ports[node]['metrics']}{path}"
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read()

    def status(self, node):
        try:
            return json.loads(self.get(node, "/status"))
        except OSError:
            return None

    def leader(self):
        for n in self.names:
            s = self.status(n)
            if s and s["role"] == "leader":
                return n
        return None

    def wait(self, predicate, timeout=30.0, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"{what} not reached within {timeout} s")

    def digests(self, ledger):
        out = {}
        for n in self.names:
            s = self.status(n)
            if s is None:
                continue
            for l in s["ledgers"]:
                if l["name"] == ledger:
                    out[n] = (l["tipAddress"]["sequenceNo"] if l.get("tipAddress") else None, l.get("digest"))
        return out

    def wait_converged(self, ledger, timeout=30.0):
        """All nodes at the same tip with the same digest."""
        def converged():
            d = self.digests(ledger)
            return d if len(d) == len(self.names) and len(set(d.values())) == 1 else None
        return self.wait(converged, timeout, f"all nodes agreeing on {ledger}")


def haproxy_config(lb_port, node_ports):
    """cluster/haproxy.cfg with the local cluster's ports (8442; 8443+i client, 9464+i metrics) replaced."""
    text = (ROOT / "cluster/haproxy.cfg").read_text()
    text = text.replace("127.0.0.1:8442", f"127.0.0.1:{lb_port}")
    for i, p in enumerate(node_ports):
        text = text.replace(f"127.0.0.1:{8443 + i} check port {9464 + i}",
                            f"127.0.0.1:{p['client']} check port {p['metrics']}")
    assert "8442" not in text and "9464" not in text, "cluster/haproxy.cfg no longer has the expected server lines"
    return text


def driver(ledger):
    """A pyqldb driver that retries longer than the default: a failover takes an election (1-2 s)."""
    from pyqldb.config.retry_config import RetryConfig
    from pyqldb.driver.qldb_driver import QldbDriver
    return QldbDriver(ledger, retry_config=RetryConfig(retry_limit=12, base=100))


def create_ledger(name):
    """Creates a ledger through the control plane (current AWS_* environment) and waits for ACTIVE."""
    import boto3
    qldb = boto3.session.Session().client("qldb")
    qldb.create_ledger(Name=name, PermissionsMode="STANDARD", DeletionProtection=False)
    deadline = time.monotonic() + 30
    while qldb.describe_ledger(Name=name)["State"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.2)


WRITERS = 3


def insert_once(tx, doc_id, writer):
    """Idempotent, as QLDB asks of a transaction a driver may retry: a commit whose
    answer was lost (its node died) may have committed, and the retry must see it.
    One table per writer, so that writers do not conflict with each other."""
    if not list(tx.execute_statement(f"SELECT id FROM Docs{writer} WHERE id = ?", doc_id)):
        tx.execute_statement(f"INSERT INTO Docs{writer} ?", {"id": doc_id})


class Load:
    """WRITERS threads inserting unique documents through one endpoint; every
    acknowledgement is timestamped."""

    def __init__(self, ledger):
        self.ledger = ledger
        self.acks = []          # (monotonic time, id)
        self.errors = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(WRITERS)]

    def run(self, n):
        # pyqldb's default retry policy (4 retries, 10 ms base): the nodes hold requests
        # through an election ([http] leader_wait_seconds), so the defaults suffice.
        from pyqldb.driver.qldb_driver import QldbDriver
        d = QldbDriver(self.ledger)
        deadline = time.monotonic() + 240
        while not self.stop.is_set() and time.monotonic() < deadline:
            doc_id = str(uuid.uuid4())
            try:
                d.execute_lambda(lambda tx: insert_once(tx, doc_id, n))
                with self.lock:
                    self.acks.append((time.monotonic(), doc_id))
            except Exception as e:  # not acknowledged: may or may not have committed
                self.errors.append(repr(e))
        d.close()

    def count(self):
        with self.lock:
            return len(self.acks)

    def longest_gap(self, start, end):
        """Longest time without an acknowledgement between monotonic times start and end."""
        with self.lock:
            times = [start] + sorted(t for t, _ in self.acks if start <= t <= end) + [end]
        return max(b - a for a, b in zip(times, times[1:]))

"""A real Tally cluster for a campaign: Tests/python's LocalCluster (configs,
certificates, `tally cluster up/down`) with every peer link routed through the
cuttable relay (nemesis/proxy.py), and node processes the nemeses can kill,
restart, stop and continue by pid."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests/python"))
from cluster_support import LocalCluster  # noqa: E402
from conftest import free_port  # noqa: E402
from .nemesis.disk import SmallDisk  # noqa: E402

RAFT = "[raft]\ntick_ms = 100\nelection_ticks = 10\nheartbeat_ticks = 1\n"
# Failpoints (fsync errors and delays, a clock offset) are armed per node through /admin/failpoints.
TESTING = "[testing]\nfailpoints = true\n"
DISK_MB = 256  # the size-limited filesystem under one node's data dir (the disk-full nemesis)
CRASH_MARKERS = ("Swift runtime failure", "Fatal error:", "*** Signal ", "ERROR: AddressSanitizer", "WARNING: ThreadSanitizer")
ELECTION_TIMEOUT_MAX = 2.0  # seconds: election_ticks in [10, 20) ticks of 100 ms


class ChaosCluster:
    def __init__(self, tally_bin, directory, nodes, small_disk=False):
        self.links = []
        listen = {}

        def route(n, m, port):
            listen[(n, m)] = listen.get((n, m)) or free_port()
            self.links.append([n, m, listen[(n, m)], port])
            return f"127.0.0.1:{listen[(n, m)]}"

        self.c = LocalCluster(tally_bin, directory, nodes=nodes, extra_config=RAFT + TESTING, peer_address=route)
        self.names = self.c.names
        self.dir = self.c.dir
        # The last node's data dir on a small tmpfs (disk.py), if `small_disk` and mounting is allowed here.
        self.disk = SmallDisk.mount(self.data_dir(self.names[-1]), DISK_MB) if small_disk else None
        self.relay = subprocess.Popen([sys.executable, "-m", "chaos.nemesis.proxy", json.dumps(self.links)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      cwd=str(ROOT / "Tests"), env={**os.environ, "PYTHONPATH": str(ROOT / "Tests")})
        self.procs = {}
        self.stopped = set()

    def data_dir(self, node):
        return self.dir / "local" / node

    # failpoints (Sources/Ledger/Failpoints)

    def failpoints(self, node, spec):
        """Arms `spec` on a running node (`off` disarms); False if the node did not answer."""
        token = (self.data_dir(node) / "admin.token").read_text().strip()
        url = (f"http://127.0.0.1:{self.c.ports[node]['metrics']}/admin/failpoints?"
               + urllib.parse.urlencode({"set": spec}))
        req = urllib.request.Request(url, method="POST", headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def storage_failed(self, node):
        s = self.status(node)
        return s is None or bool(s.get("storageError"))

    def restart(self, node):
        """kill -9 and start again: how a node whose storage failed comes back."""
        self.kill9(node)
        self.c.wait(lambda: not self.alive(node), 10, f"{node} gone")
        self.start(node)

    # relay

    def relay_command(self, line):
        self.relay.stdin.write(line + "\n")
        self.relay.stdin.flush()
        assert self.relay.stdout.readline().strip() == "ok", "relay did not answer"

    def cut(self, a, b):
        self.relay_command(f"cut {a} {b}")

    def slow(self, a, b, delay_ms, jitter_ms, loss_pct):
        self.relay_command(f"slow {a} {b} {delay_ms} {jitter_ms} {loss_pct}")

    def heal_network(self):
        self.relay_command("heal")

    # processes

    def up(self):
        self.c.up()

    def pid(self, node):
        try:
            return self.c.pid(node)
        except (OSError, ValueError):
            return None

    def alive(self, node):
        pid = self.pid(node)
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        p = self.procs.get(node)
        return not (p and p.poll() is not None)

    def _signal(self, node, sig):
        pid = self.pid(node)
        if pid:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def kill9(self, node):
        self._signal(node, signal.SIGKILL)
        self.stopped.discard(node)

    def start(self, node):
        """Restarts a node the way `tally cluster up` does (own session, log appended, pid file)."""
        log = open(self.dir / f"local/{node}.log", "a")
        p = subprocess.Popen([self.c.bin, "node", "--config", str(self.dir / f"{node}.toml")], cwd=str(self.dir),
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs[node] = p
        (self.dir / f"local/{node}.pid").write_text(f"{p.pid}\n")

    def pause(self, node):
        """SIGSTOP; a node that is not running (it crashed: see `crashes`) is left as it is."""
        self._signal(node, signal.SIGSTOP)
        if self.alive(node):
            self.stopped.add(node)

    def resume(self, node):
        self._signal(node, signal.SIGCONT)
        self.stopped.discard(node)

    def ensure_up(self):
        for n in self.names:
            self.resume(n)
            if not self.alive(n):
                self.start(n)

    # observation

    def status(self, node):
        return self.c.status(node)

    def leader(self):
        return self.c.leader()

    def digests(self, ledger):
        return self.c.digests(ledger)

    def wait_converged(self, ledger, timeout):
        return self.c.wait_converged(ledger, timeout)

    def endpoint(self, node):
        return f"https://127.0.0.1:{self.c.ports[node]['client']}"

    def env(self):
        return self.c.env()

    def log_sizes(self):
        return {n: p.stat().st_size if p.exists() else 0 for n, p in self.logs().items()}

    def crashes(self, since):
        """Crash reports (a Swift runtime failure, a fatal error, a sanitizer report) that
        each node wrote to its log after the offsets in `since`: a node must never die on its own."""
        found = {}
        for n, path in self.logs().items():
            if not path.exists():
                continue
            with open(path, "rb") as f:
                f.seek(since.get(n, 0))
                text = f.read().decode("utf-8", "replace")
            lines = text.splitlines()
            for i, line in enumerate(lines):
                if any(m in line for m in CRASH_MARKERS):
                    found[n] = "\n".join(lines[i:i + 40])[:4000]
                    break
        return found

    def logs(self):
        return {n: self.dir / f"local/{n}.log" for n in self.names}

    def close(self):
        """Always safe: continue paused nodes, stop every node, reap, stop the relay."""
        for n in self.names:
            self.resume(n)
        try:
            self.c.down()
        except Exception:
            pass
        for n in self.names:
            if self.alive(n):
                self._signal(n, signal.SIGKILL)
        for p in self.procs.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.disk:
            self.disk.unmount()
        if self.relay.poll() is None:
            try:
                self.relay_command("quit")
            except Exception:
                pass
            try:
                self.relay.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.relay.kill()
                self.relay.wait(timeout=5)

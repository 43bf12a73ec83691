"""A deliberately broken reader, to show the checkers catch what a paused old
leader serving reads from its own state would answer. It is fabricated in the
client, not in the server: just before each SIGSTOP the reader takes a real
snapshot of the registers (a committed read), and while the node is paused it
reports reads that return that snapshot, as a node frozen at that moment would.
Used only by `scripts/chaos --broken stale-reads` (register workload)."""
import threading
import time

from .workloads.client import attempt, make_driver
from .workloads.register import KEYS

PROCESS = 500
# A paused node's stale answers are only visible once a newer write has completed; writes stall
# while the leader is paused, so the reader keeps answering from its snapshot this long after the
# resume too (a node that was paused keeps its stale state until it catches up).
LINGER_SECONDS = 1.5


class StaleReader:
    def __init__(self, ledger, endpoints):
        self.ledger, self.endpoints = ledger, endpoints
        self.snapshot = None
        self.clear_at = None
        self.lock = threading.Lock()
        self.errors = []

    def before_fault(self, fault):
        if fault["kind"] != "pause":
            return
        for i in range(30):  # a read of every register conflicts with concurrent writes: retry
            ep = self.endpoints[i % len(self.endpoints)]
            kind, values = attempt(make_driver(self.ledger, ep), lambda tx: {
                k: int(next(iter(tx.execute_statement("SELECT v FROM Registers WHERE k = ?", k)))["v"]) for k in KEYS})
            if kind == "ok":
                with self.lock:
                    self.snapshot, self.clear_at = values, None
                return
            self.errors.append(values)

    def after_fault(self, fault):
        with self.lock:
            if self.snapshot is not None:
                self.clear_at = time.monotonic() + LINGER_SECONDS

    def run(self, history, deadline):
        i = 0
        while time.monotonic() < deadline:
            time.sleep(0.3)
            with self.lock:
                if self.clear_at is not None and time.monotonic() >= self.clear_at:
                    self.snapshot, self.clear_at = None, None
                snap = self.snapshot
            if snap is None:
                continue
            k = KEYS[i % len(KEYS)]
            i += 1
            history.invoke(PROCESS, "read", {"k": k, "v": None})
            time.sleep(0.01)
            history.complete(PROCESS, "ok", "read", {"k": k, "v": snap[k]})

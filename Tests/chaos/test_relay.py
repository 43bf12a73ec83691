"""The peer-link relay (nemesis/proxy.py) as a process: bytes pass, a slowed
link delivers them late and in order, a cut link black-holes them."""
import json
import os
import pathlib
import socket
import subprocess
import sys
import threading
import time

import pytest

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "python"))
from conftest import free_port  # noqa: E402  (outside the ephemeral range: see there)


class Sink:
    """A TCP server that records (arrival time, bytes) of everything it receives."""
    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.server.accept()
        while True:
            data = conn.recv(65536)
            if not data:
                return
            self.received.append((time.monotonic(), data))

    def data(self):
        return b"".join(d for _, d in self.received)


class Relay:
    def __init__(self, target):
        self.listen = free_port()
        links = [["a", "b", self.listen, target]]
        self.p = subprocess.Popen([sys.executable, "-m", "chaos.nemesis.proxy", json.dumps(links)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(TESTS),
                                  env={**os.environ, "PYTHONPATH": str(TESTS)})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.conn = socket.create_connection(("127.0.0.1", self.listen), timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("relay did not listen")

    def command(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        assert self.p.stdout.readline().strip() == "ok"

    def close(self):
        self.conn.close()
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        self.p.wait(5)


def wait_for(predicate, seconds=5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.01)
    return predicate()


@pytest.fixture
def link():
    """A sink behind a relay, with one connection through it that has already carried b"first"."""
    sink = Sink()
    relay = Relay(sink.port)
    try:
        relay.conn.sendall(b"first")
        assert wait_for(lambda: sink.data() == b"first")
        yield sink, relay
    finally:
        relay.close()


def test_slow_link_delays_bytes_and_keeps_their_order(link):
    sink, relay = link
    relay.command("slow a b 300 0 50")
    sent = time.monotonic()
    chunks = [b"%03d;" % i for i in range(40)]
    for c in chunks:
        relay.conn.sendall(c)
        time.sleep(0.005)
    assert wait_for(lambda: sink.data() == b"first" + b"".join(chunks), 10)
    late = [t for t, d in sink.received[1:]]
    assert min(late) - sent >= 0.29, "a slowed chunk arrived before its delay"
    relay.command("heal")
    t = time.monotonic()
    relay.conn.sendall(b"again")
    assert wait_for(lambda: sink.data().endswith(b"again"))
    assert sink.received[-1][0] - t < 0.25, "healing did not restore the link's speed"


def test_cut_link_black_holes_bytes_and_heal_closes_the_connection(link):
    sink, relay = link
    relay.command("cut a b")
    relay.conn.sendall(b"lost")
    time.sleep(0.3)
    assert sink.data() == b"first"
    relay.command("heal")
    relay.conn.settimeout(5)
    assert relay.conn.recv(10) == b"", "a connection that lost bytes must be closed on heal"

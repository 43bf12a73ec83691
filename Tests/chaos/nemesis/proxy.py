"""A cuttable TCP relay for peer links, run as its own process so the clients'
Python does not slow it down. Each link is one directed peer connection
(node a dials node b) with its own listen port. Commands on stdin:
  cut a b     packets on a<->b vanish: existing and new connections are kept
              open but their bytes dropped (a black hole, not a reset)
  slow a b D J L
              bytes on a<->b arrive D ms late, plus up to J ms of jitter; with
              probability L percent a chunk is "lost" and arrives only after a
              retransmission timeout (200-600 ms), holding back what follows it,
              as TCP does (a byte stream cannot drop bytes without a reset)
  heal        every link forwards again at full speed; black-holed connections
              are closed (their TLS streams lost bytes) so the nodes redial
  quit
Usage: python -m chaos.nemesis.proxy '[["node1","node2",listen,target], …]'"""
import json
import random
import selectors
import socket
import sys
import time

RTO = (0.2, 0.6)  # seconds: Linux's minimum retransmission timeout, and a few backoffs


class Relay:
    def __init__(self, links):
        self.sel = selectors.DefaultSelector()
        self.cut = set()            # frozenset({a, b})
        self.slow = {}              # frozenset({a, b}) -> (delay s, jitter s, loss probability)
        self.queued = {}            # destination socket -> [(due, data)] in arrival order
        self.rng = random.Random(0)
        self.conns = {}             # socket -> (peer socket or None, link key)
        for a, b, listen, target in links:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", listen))
            s.listen(64)
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, ("listen", frozenset((a, b)), target))
        self.sel.register(sys.stdin, selectors.EVENT_READ, ("stdin",))

    def _close(self, s):
        peer, _ = self.conns.pop(s, (None, None))
        for x in (s, peer):
            if x is None:
                continue
            try:
                self.sel.unregister(x)
            except (KeyError, ValueError):
                pass
            x.close()
            self.conns.pop(x, None)
            self.queued.pop(x, None)

    def _accept(self, listener, link, target):
        try:
            client, _ = listener.accept()
        except OSError:
            return
        upstream = None
        if link not in self.cut:
            try:
                upstream = socket.create_connection(("127.0.0.1", target), timeout=1)
            except OSError:
                client.close()
                return
            upstream.setblocking(False)
            self.conns[upstream] = (client, link)
            self.sel.register(upstream, selectors.EVENT_READ, ("conn",))
        client.setblocking(False)
        self.conns[client] = (upstream, link)
        self.sel.register(client, selectors.EVENT_READ, ("conn",))

    def _forward(self, s):
        peer, link = self.conns.get(s, (None, None))
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._close(s)
            return
        if link in self.cut or peer is None:
            return  # black hole
        if link in self.slow or peer in self.queued:
            self._delay(peer, link, data)
            return
        self._send(s, peer, data)

    def _delay(self, peer, link, data):
        delay, jitter, loss = self.slow.get(link, (0.0, 0.0, 0.0))
        due = time.monotonic() + delay + self.rng.uniform(0, jitter)
        if self.rng.random() < loss:
            due += self.rng.uniform(*RTO)
        queue = self.queued.setdefault(peer, [])
        if queue:  # a stream keeps its order: nothing overtakes a late chunk
            due = max(due, queue[-1][0])
        queue.append((due, data))

    def _flush_due(self):
        now = time.monotonic()
        for peer in list(self.queued):
            queue = self.queued[peer]
            while queue and queue[0][0] <= now:
                _, data = queue.pop(0)
                if peer not in self.conns or not self._send(peer, peer, data):
                    queue.clear()
            if not queue:
                self.queued.pop(peer, None)

    def _next_due(self):
        dues = [q[0][0] for q in self.queued.values() if q]
        return max(0.0, min(dues) - time.monotonic()) if dues else 1.0

    def _send(self, source, peer, data):
        try:
            peer.setblocking(True)
            peer.settimeout(2)
            peer.sendall(data)
            peer.setblocking(False)
            return True
        except OSError:
            self._close(source)
            return False

    def _command(self):
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            return False
        words = line.split()
        if words and words[0] == "cut":
            link = frozenset(words[1:3])
            self.cut.add(link)
            self.tainted |= {s for s, (_, l) in self.conns.items() if l == link}
        elif words and words[0] == "slow":
            delay, jitter, loss = (float(w) for w in words[3:6])
            self.slow[frozenset(words[1:3])] = (delay / 1000, jitter / 1000, loss / 100)
        elif words and words[0] == "heal":
            self.cut.clear()
            self.slow.clear()
            for s in list(self.conns):
                if s in self.conns and (s in self.tainted or self.conns[s][0] is None):
                    self._close(s)
            self.tainted = set()
        sys.stdout.write("ok\n")
        sys.stdout.flush()
        return True

    def run(self):
        self.tainted = set()
        while True:
            for key, _ in self.sel.select(timeout=min(1.0, self._next_due())):
                kind = key.data[0]
                if kind == "stdin":
                    if not self._command():
                        return
                elif kind == "listen":
                    self._accept(key.fileobj, key.data[1], key.data[2])
                else:
                    self._forward(key.fileobj)
            self._flush_due()


if __name__ == "__main__":
    Relay(json.loads(sys.argv[1])).run()

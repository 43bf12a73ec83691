"""A cuttable TCP relay for peer links, run as its own process so the clients'
Python does not slow it down. Each link is one directed peer connection
(node a dials node b) with its own listen port. Commands on stdin:
  cut a b     packets on a<->b vanish: existing and new connections are kept
              open but their bytes dropped (a black hole, not a reset)
  heal        every link forwards again; black-holed connections are closed
              (their TLS streams lost bytes) so the nodes redial
  quit
Usage: python -m chaos.nemesis.proxy '[["node1","node2",listen,target], …]'"""
import json
import selectors
import socket
import sys


class Relay:
    def __init__(self, links):
        self.sel = selectors.DefaultSelector()
        self.cut = set()            # frozenset({a, b})
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
        try:
            peer.setblocking(True)
            peer.settimeout(2)
            peer.sendall(data)
            peer.setblocking(False)
        except OSError:
            self._close(s)

    def _command(self):
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            return False
        words = line.split()
        if words and words[0] == "cut":
            link = frozenset(words[1:3])
            self.cut.add(link)
            self.tainted |= {s for s, (_, l) in self.conns.items() if l == link}
        elif words and words[0] == "heal":
            self.cut.clear()
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
            for key, _ in self.sel.select(timeout=1):
                kind = key.data[0]
                if kind == "stdin":
                    if not self._command():
                        return
                elif kind == "listen":
                    self._accept(key.fileobj, key.data[1], key.data[2])
                else:
                    self._forward(key.fileobj)


if __name__ == "__main__":
    Relay(json.loads(sys.argv[1])).run()

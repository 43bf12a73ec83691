"""The test harness's loopback ports (`conftest.free_port`): outside the
kernel's ephemeral range, so no outgoing connection can take one between the
moment it is chosen and the moment a node listens on it (a cluster once lost a
node to EADDRINUSE so), never handed out twice in a run, and free."""
import socket

from conftest import ephemeral_port_range, free_port


def test_ports_are_outside_the_ephemeral_range_distinct_and_free():
    low, high = ephemeral_port_range()
    ports = [free_port() for _ in range(300)]
    assert all(not low <= p <= high for p in ports), [p for p in ports if low <= p <= high]
    assert len(set(ports)) == len(ports)
    for p in ports[:20]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", p))


def test_a_port_someone_listens_on_is_skipped(monkeypatch):
    import random
    low, _ = ephemeral_port_range()
    busy = None
    for port in range(low - 1, 10000, -1):  # a listener of our own inside the range free_port draws from
        try:
            busy = socket.create_server(("127.0.0.1", port))
            break
        except OSError:
            continue
    try:
        drawn = iter([busy.getsockname()[1], busy.getsockname()[1] - 1, busy.getsockname()[1] - 2])
        monkeypatch.setattr(random, "randint", lambda a, b: next(drawn))
        port = free_port()
        assert port != busy.getsockname()[1]
        assert port in (busy.getsockname()[1] - 1, busy.getsockname()[1] - 2)
    finally:
        busy.close()


def test_without_room_outside_the_ephemeral_range_the_kernel_gives_one(monkeypatch):
    import conftest
    monkeypatch.setattr(conftest, "ephemeral_port_range", lambda: (1024, 65535))
    port = conftest.free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))

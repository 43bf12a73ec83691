import contextlib
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The conformance data the tests read ships with the repository.
FIXTURES = ROOT / "Tests/Fixtures"


@pytest.fixture(scope="session")
def tally_bin():
    path = os.environ.get("TALLY_BIN")
    if not path:
        path = subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip() + "/tally"
    assert os.path.exists(path), f"tally binary not built at {path}"
    return path


@pytest.fixture(scope="session")
def fixtures_dir():
    return FIXTURES


_ports_handed_out = set()


def ephemeral_port_range():
    """The ports the kernel hands out for `bind(0)` and for the local end of outgoing connections."""
    try:
        low, high = map(int, pathlib.Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """A loopback port free now, never handed out before in this run, and outside
    the kernel's ephemeral range. A port from `bind(0)` is one the kernel may also
    give, a moment later, to the local end of an outgoing connection (a peer link,
    a proxy's) before the node listens on it: a cluster once lost a node to
    EADDRINUSE that way. And the kernel may give back a port it just gave (a
    cluster once got the same peer port for two of its nodes)."""
    import random
    import socket
    low, high = ephemeral_port_range()
    if low > 11000:
        first, last = 10000, low - 1
    elif high < 64535:
        first, last = high + 1, 65535
    else:  # no room outside the ephemeral range: a port the kernel gives, as before
        return kernel_port()
    for _ in range(1000):
        port = random.randint(first, last)
        if port in _ports_handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue  # someone listens there
        _ports_handed_out.add(port)
        return port
    raise RuntimeError("no fresh loopback port after 1000 tries")


def kernel_port():
    """A loopback port from `bind(0)`: free now, but inside the ephemeral range."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=30.0):
    import socket
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"node exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"port {port} did not open within {timeout} s")


def read_env_file(path, timeout=15.0):
    """The client environment a node writes (atomically) just after its ports open: waits for it."""
    import time
    path = pathlib.Path(path)
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} was not written within {timeout} s")
        time.sleep(0.05)
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            env[key] = value.strip().strip('"').strip("'")
    return env


@contextlib.contextmanager
def running_node(tally_bin, work, config):
    """A real single node in `work`: `config` is the TOML after [listen] (auth, tls, session …), relative to
    `work`. Yields (client port, metrics port) once both listen; the node logs to work/node.log and
    its pid is in work/node.pid."""
    client, peer, metrics = free_port(), free_port(), free_port()
    (work / "node.toml").write_text(f"""
node_id = "node1"
data_dir = "data"
[listen]
client = "127.0.0.1:{client}"
peer = "127.0.0.1:{peer}"
metrics = "127.0.0.1:{metrics}"
""" + config)
    log = open(work / "node.log", "w")
    proc = subprocess.Popen([tally_bin, "node", "--config", str(work / "node.toml"), "--env-file", str(work / "env")],
                            stdout=log, stderr=subprocess.STDOUT)
    (work / "node.pid").write_text(str(proc.pid))
    try:
        wait_for_port(client, proc)
        wait_for_port(metrics, proc)
        yield client, metrics
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def single_node(tally_bin, tmp_path_factory):
    """A real single-node Tally (TLS + SigV4) on loopback; yields the client environment."""
    yield from run_single_node(tally_bin, tmp_path_factory.mktemp("node"))


def run_single_node(tally_bin, work, extra_config=""):
    """Starts one node in `work` (`extra_config` is appended to its TOML); yields the client environment."""
    subprocess.run([str(ROOT / "scripts/gen-certs"), "--dir", str(work), "1"], check=True, capture_output=True)
    with running_node(tally_bin, work, """
[tls]
cert = "certs/node1.pem"
key = "certs/node1.key"
ca = "certs/ca.pem"
[auth]
mode = "sigv4"
credentials_file = "credentials"
[session]
transaction_timeout_seconds = 3
""" + extra_config) as (_, metrics):
        env = read_env_file(work / "env")
        env["TALLY_METRICS_URL"] = f"http://127.0.0.1:{metrics}"
        env["TALLY_WORK"] = str(work)
        yield env


@contextlib.contextmanager
def environment(env):
    """Points the AWS SDK at `env` for the block. boto3's default session
    caches credentials, so it is dropped on the way in and out: each test
    module talks to its own node or cluster with its own keys."""
    import boto3
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    boto3.DEFAULT_SESSION = None
    try:
        yield
    finally:
        boto3.DEFAULT_SESSION = None
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

"""kill -9 of a single node under load, then the loss of everything its
journals had not fsynced (what a power cut could take: the journal is synced
every 200 ms, acknowledgements rest on the Raft log's fsync). The node
restarts, re-verifies its journal, replays what its Raft log holds beyond the
journal's last sync, and every acknowledged commit is there, once."""
import signal
import subprocess
import threading
import time
import uuid

from conftest import ROOT, environment, free_port, read_env_file, wait_for_port
from cluster_support import create_ledger, driver


def drop_unsynced_journal_records(data_dir):
    """Truncates every journal after the record count its `synced` file vouches for
    (Docs/storage-format.md: 24-byte segment header, frames of u32 length, u32 CRC, payload).
    Returns how many records were dropped."""
    dropped = 0
    for journal in data_dir.glob("ledgers/ledgers/*/journal"):
        synced_file = journal / "synced"
        keep = int.from_bytes(synced_file.read_bytes()[8:16], "little") if synced_file.exists() else 0
        seen = 0
        for segment in sorted(journal.glob("journal-*.seg")):
            data = segment.read_bytes()
            at, cut = 24, None
            while at + 8 <= len(data):
                if seen == keep and cut is None:
                    cut = at
                if cut is not None:
                    dropped += 1
                at += 8 + int.from_bytes(data[at:at + 4], "little")
                seen += 1
            if cut is not None:
                segment.write_bytes(data[:cut])
    return dropped


def start(tally_bin, work, log_name):
    log = open(work / log_name, "w")
    proc = subprocess.Popen([tally_bin, "node", "--config", str(work / "node.toml"), "--env-file", str(work / "env")],
                            stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def test_kill_9_of_a_single_node_loses_nothing_acknowledged(tally_bin, tmp_path):
    subprocess.run([str(ROOT / "scripts/gen-certs"), "--dir", str(tmp_path), "1"], check=True, capture_output=True)
    client = free_port()
    (tmp_path / "node.toml").write_text(f"""
node_id = "node1"
data_dir = "data"
[listen]
client = "127.0.0.1:{client}"
peer = "127.0.0.1:{free_port()}"
metrics = "127.0.0.1:{free_port()}"
[tls]
cert = "certs/node1.pem"
key = "certs/node1.key"
ca = "certs/ca.pem"
[auth]
credentials_file = "credentials"
""")
    proc, log = start(tally_bin, tmp_path, "node.log")
    acknowledged = []
    stop = threading.Event()
    try:
        wait_for_port(client, proc)
        env = read_env_file(tmp_path / "env")
        with environment(env):
            create_ledger("crash")
            d = driver("crash")
            d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))

            def writer():
                deadline = time.monotonic() + 30
                while not stop.is_set() and time.monotonic() < deadline:
                    key = str(uuid.uuid4())
                    try:
                        d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO T ?", {"key": key}))
                        acknowledged.append(key)
                    except Exception:
                        return  # the node is gone: stop writing

            t = threading.Thread(target=writer)
            t.start()
            deadline = time.monotonic() + 30
            while len(acknowledged) < 150 and time.monotonic() < deadline:
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)  # mid-load, with the journal's last sync up to 200 ms old
            proc.wait(timeout=10)
            stop.set()
            t.join(timeout=60)
            try:
                d.close()  # EndSession to a dead node fails; nothing to keep
            except Exception:
                pass
        assert len(acknowledged) >= 150
        dropped = drop_unsynced_journal_records(tmp_path / "data")

        proc, log2 = start(tally_bin, tmp_path, "node2.log")
        wait_for_port(client, proc, timeout=60)
        with environment(env):
            d = driver("crash")
            stored = d.execute_lambda(lambda tx: [r["key"] for r in tx.execute_statement("SELECT key FROM T")])
            d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO T ?", {"key": "after-restart"}))
            d.close()
        print(f"{len(acknowledged)} acknowledged before kill -9; {dropped} unsynced journal records dropped; "
              f"{len(stored)} stored after restart")
        missing = set(acknowledged) - set(stored)
        assert missing == set(), f"{len(missing)} of {len(acknowledged)} acknowledged commits lost"
        assert len(stored) == len(set(stored)), "a replayed commit was applied twice"
    finally:
        stop.set()
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)

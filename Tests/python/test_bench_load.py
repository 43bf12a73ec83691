"""`tally bench load` (scripts/bench-cluster's load generator) against a real node: both
workloads commit, the responses parse (a select that did not find its one document, or a
commit whose digest did not come back, would be counted), and CPU time per transaction is
reported for the server named by --server-pid and for the generator itself."""
import json
import os
import pathlib
import subprocess


def bench(tally_bin, env, out, workload, server_pid):
    result = subprocess.run(
        [tally_bin, "bench", "load", "--clients", "2", "--runs", "1", "--duration", "1", "--warmup", "0.2",
         "--workload", workload, "--keys", "20", "--ledger", "bench-test", "--server-pid", str(server_pid),
         "--json", str(out)],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, json.loads(out.read_text())["runs"][0]


def test_both_workloads_commit_and_report_cpu_per_transaction(tally_bin, single_node, tmp_path):
    pid = int((pathlib.Path(single_node["TALLY_WORK"]) / "node.pid").read_text())
    for workload in ("insert", "select"):
        stdout, run = bench(tally_bin, single_node, tmp_path / f"{workload}.json", workload, pid)
        assert run["committed"] > 0, stdout
        assert run["errors"] == {} and run["anomalies"] == {}, stdout
        assert run["serverCPUMicrosPerTx"] > 0 and run["clientCPUMicrosPerTx"] > 0, run
        assert "CPU per transaction: servers" in stdout


def test_a_server_that_cannot_be_read_gives_no_server_figure(tally_bin, single_node, tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    stdout, run = bench(tally_bin, single_node, tmp_path / "gone.json", "insert", gone.pid)
    assert run["committed"] > 0, stdout
    assert "serverCPUMicrosPerTx" not in run and run["clientCPUMicrosPerTx"] > 0, run
    assert "CPU per transaction: load generator" in stdout

"""One round: a fresh ledger, the workload from several client threads, the
seeded fault schedule, heal, convergence, final reads, then the checkers.
A round with anomalies keeps its history, fault log and node logs."""
import json
import random
import shutil
import threading
import time

from .audit import audit
from .broken import StaleReader
from .history import History, counts, error_kinds, operations
from .nemesis import faults as nemesis
from .nemesis import schedule
from .workloads import WORKLOADS
from .workloads import client
from .workloads.client import attempt, make_driver


class RoundStuck(Exception):
    pass


def populate_once(workload):
    """The initial documents as a transaction the driver may safely re-run: its retries re-run a
    lambda whose commit answer was lost (an election, a slow fsync), and a second INSERT of every
    document doubled the bank's accounts in a long run (Docs/reliability.md, Findings)."""
    def populate(tx):
        if not list(tx.execute_statement(f"SELECT * FROM {workload.tables[0]}")):
            workload.populate(tx)
    return populate


KEEP_LEDGERS = 4  # earlier rounds' ledgers kept; older ones are deleted (a node holds at most 20)


def _retire_old_ledgers(qldb, ledger):
    """Deletes all but the newest few earlier rounds' ledgers, so a campaign can run any number
    of rounds. Best effort: a delete refused during a fault is retried next round."""
    try:
        names = [d["Name"] for d in qldb.list_ledgers()["Ledgers"] if d["Name"].startswith("chaos")]
    except Exception:
        return
    names = sorted((n for n in names if n != ledger and n[5:].isdigit()), key=lambda n: int(n[5:]))
    for name in names[:-KEEP_LEDGERS] if len(names) > KEEP_LEDGERS else []:
        try:
            qldb.delete_ledger(Name=name)
        except Exception:
            pass


def _setup_ledger(cluster, ledger, workload, endpoint):
    import boto3
    qldb = boto3.session.Session().client("qldb", endpoint_url=endpoint)
    _retire_old_ledgers(qldb, ledger)
    try:
        qldb.create_ledger(Name=ledger, PermissionsMode="STANDARD", DeletionProtection=False)
    except qldb.exceptions.ResourceAlreadyExistsException:
        pass  # botocore retried a CreateLedger whose answer was lost; this round's own ledger exists
    deadline = time.monotonic() + 30
    while qldb.describe_ledger(Name=ledger)["State"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"ledger {ledger} not ACTIVE")
        time.sleep(0.2)
    from pyqldb.config.retry_config import RetryConfig
    from pyqldb.driver.qldb_driver import QldbDriver
    d = QldbDriver(ledger, endpoint_url=endpoint, retry_config=RetryConfig(retry_limit=8, base=100))
    try:
        d.execute_lambda(workload.setup)
    except Exception:
        # A re-run after a lost commit answer finds the table made: fine if it is there.
        d.execute_lambda(lambda tx: list(tx.execute_statement(f"SELECT * FROM {workload.tables[0]}")))
    d.execute_lambda(populate_once(workload))
    d.close()


def _run_faults(cluster, plan, start, stop_at, log, hooks=None):
    """Runs the schedule; every fault is healed before returning, whatever happens."""
    for fault in plan:
        wait = start + fault["at"] - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        if time.monotonic() + fault["hold"] > stop_at:
            break
        if hooks:
            hooks.before_fault(fault)
        t0 = time.monotonic() - start
        leader = cluster.leader()
        desc, heal = nemesis.inject(cluster, fault)
        entry = {"kind": fault["kind"], "what": desc, "start": round(t0, 2), "leader_before": leader}
        log.append(entry)
        try:
            time.sleep(fault["hold"])
        finally:
            heal()
            entry["end"] = round(time.monotonic() - start, 2)
            if hooks:
                hooks.after_fault(fault)


def _final_reads(workload, ledger, endpoints, history, deadline):
    """Final reads by a fresh client, retried (each attempt recorded) until each succeeds.
    Returns an anomaly if one never succeeds: the healed cluster did not serve the ledger."""
    for f, value in workload.final_ops():
        node, last = 0, None
        while True:
            if time.monotonic() >= deadline:
                return {"type": "unavailable-after-heal", "f": f, "last_error": last}
            d = make_driver(ledger, endpoints[node % len(endpoints)])
            history.invoke(999, f, value)
            kind, result = attempt(d, lambda tx: workload.execute(tx, f, value))
            history.complete(999, kind, f, result if kind == "ok" else None, error=None if kind == "ok" else result)
            if kind == "ok":
                break
            last = result
            node += 1
            time.sleep(0.5)
    return None


def run_round(cluster, number, seed, workload_name, kinds, seconds, clients, max_ops, max_proofs, out, keep_all,
              election_timeout_max, broken=None):
    workload = WORKLOADS[workload_name]()
    ledger = f"chaos{number}"
    plan = schedule.plan(seed, kinds, len(cluster.names), seconds, election_timeout_max)
    result = {"round": number, "seed": seed, "workload": workload_name, "plan": plan, "faults": [],
              "anomalies": [], "ops": {"ok": 0, "fail": 0, "info": 0}}
    endpoints = [cluster.endpoint(n) for n in cluster.names]
    history = History()
    fault_log = []
    result["wall_start"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    hooks = None
    log_start = cluster.log_sizes()
    try:
        cluster.ensure_up()
        leader = cluster.c.wait(cluster.leader, 60, "a leader")
        _setup_ledger(cluster, ledger, workload, cluster.endpoint(leader))
        cluster.wait_converged(ledger, 60)

        start = time.monotonic()
        deadline = start + seconds
        threads = [threading.Thread(target=client.run, daemon=True,
                                    args=(p, workload, ledger, endpoints, history, random.Random(seed * 31 + p),
                                          deadline, max_ops, p))
                   for p in range(clients)]
        hooks = None
        if broken == "stale-reads" and workload_name == "register":
            hooks = StaleReader(ledger, endpoints)
            threads.append(threading.Thread(target=hooks.run, args=(history, deadline), daemon=True))
        for t in threads:
            t.start()
        try:
            _run_faults(cluster, plan, start, deadline, fault_log, hooks)
        finally:
            cluster.heal_network()
            cluster.ensure_up()
        for t in threads:
            t.join(timeout=max(1.0, deadline - time.monotonic()) + 30)
        result["ops"] = counts(history.events)
        result["errors"] = error_kinds(history.events)
        try:
            cluster.wait_converged(ledger, 90)
        except TimeoutError:
            result["anomalies"].append({"type": "no-convergence", "digests": {n: list(v) for n, v in
                                                                              cluster.digests(ledger).items()}})
        stuck = _final_reads(workload, ledger, endpoints, history, time.monotonic() + 60)
        events = list(history.events)
        check = workload.check(events)  # the safety check runs on what was recorded, final read or not
        result["anomalies"] += check["anomalies"]
        result["checker"] = {k: v for k, v in check.items() if k not in ("anomalies", "valid")}
        if stuck:
            result["anomalies"].append(stuck)
            raise RoundStuck(stuck["last_error"])  # the audit needs a ledger that answers
        cluster.wait_converged(ledger, 60)
        led = audit(cluster, ledger, workload, operations(events), cluster.endpoint(cluster.leader() or leader),
                    max_proofs, seed)
        result["anomalies"] += led["anomalies"]
        result["proved"] = led["proved"]
        result["ledger"] = {k: v for k, v in led.items() if k not in ("anomalies", "valid")}
    except RoundStuck:
        pass  # already reported; the checkers cannot run without a final state
    except Exception as e:  # noqa: BLE001 - an infrastructure failure fails the round, visibly
        result["anomalies"].append({"type": "round-error", "error": f"{type(e).__name__}: {e}"[:500]})
    for node, report in cluster.crashes(log_start).items():
        result["anomalies"].append({"type": "node-crashed", "node": node, "report": report})
    if hooks is not None and hooks.errors:
        result["broken_reader_errors"] = hooks.errors[:5]
    result["faults"] = fault_log
    result["faults_by_kind"] = {}
    for f in fault_log:
        result["faults_by_kind"][f["kind"]] = result["faults_by_kind"].get(f["kind"], 0) + 1
    if result["anomalies"] or keep_all:
        keep = out / f"round-{number:03d}"
        keep.mkdir(parents=True, exist_ok=True)
        history.dump(keep / "history.jsonl")
        (keep / "round.json").write_text(json.dumps(result, indent=1, default=str))
        if result["anomalies"]:
            for n, path in cluster.logs().items():
                if path.exists():
                    shutil.copy(path, keep / f"{n}.log")
        result["kept"] = str(keep)
    return result

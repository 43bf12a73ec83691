"""One client thread: a pyqldb QldbDriver on one node (clients may talk to any
node; followers forward), invoking the workload's operations and recording
each as invoke + ok/fail/info.

Each operation is one transaction attempt: the driver's own retries are off,
because a lambda re-run after an ambiguous commit error could apply a write
twice behind the history's back. Outcome rules: an error raised before the
lambda returned means the commit was never sent (fail); an OCC conflict on
the only commit means it was refused (fail); any other error after the lambda
returned leaves the commit unknown (info)."""
import time


def make_driver(ledger, endpoint):
    from botocore.config import Config
    from pyqldb.config.retry_config import RetryConfig
    from pyqldb.driver.qldb_driver import QldbDriver
    return QldbDriver(ledger, endpoint_url=endpoint, retry_config=RetryConfig(retry_limit=0),
                      config=Config(connect_timeout=2, read_timeout=8, retries={"max_attempts": 1}))


class Ambiguous(Exception):
    """The driver wanted to run the lambda again after an earlier attempt sent its commit."""


def attempt(driver, body):
    """Runs `body(tx)` in one transaction: ("ok", result) | ("fail"|"info", error text)."""
    from pyqldb.errors import is_occ_conflict_exception
    state = {"returned": False, "calls": 0}

    def fn(tx):
        if state["returned"]:
            raise Ambiguous()
        state["calls"] += 1
        result = body(tx)
        state["returned"] = True
        return result

    try:
        return "ok", driver.execute_lambda(fn)
    except Exception as e:  # noqa: BLE001 - every error is classified, none is lost
        text = f"{type(e).__name__}: {e}"[:300]
        if not state["returned"]:
            return "fail", text
        if not isinstance(e, Ambiguous) and is_occ_conflict_exception(e):
            return "fail", text  # the one commit sent (a re-run never reaches commit) was refused
        return "info", text


def run(process, workload, ledger, endpoints, history, rng, deadline, max_ops, first=0):
    node = first
    driver = make_driver(ledger, endpoints[node % len(endpoints)])
    failures = 0
    for _ in range(max_ops):
        if time.monotonic() >= deadline:
            break
        f, value = workload.generate(rng, process)
        history.invoke(process, f, value)
        kind, result = attempt(driver, lambda tx: workload.execute(tx, f, value))
        if kind == "ok":
            history.complete(process, "ok", f, result)
            failures = 0
        else:
            history.complete(process, kind, f, None, error=result)
            failures += 1
            time.sleep(0.1)
            if failures >= 2:  # this node may be cut off, paused or dead: try the next one
                node += 1
                driver = make_driver(ledger, endpoints[node % len(endpoints)])
                failures = 0

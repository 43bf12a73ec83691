"""An operation history in Jepsen's shape: every client operation is an
`invoke` event followed by exactly one completion, `ok` (it happened), `fail`
(it certainly did not happen) or `info` (unknown: it may have happened).
Events carry the client (process) id and a monotonic timestamp."""
import json
import threading
import time


class History:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()
        self.t0 = time.monotonic_ns()

    def _add(self, process, type_, f, value, error=None):
        with self.lock:
            e = {"index": len(self.events), "process": process, "type": type_, "f": f, "value": value,
                 "time": time.monotonic_ns() - self.t0}
            if error is not None:
                e["error"] = error
            self.events.append(e)
            return e

    def invoke(self, process, f, value):
        return self._add(process, "invoke", f, value)

    def complete(self, process, type_, f, value, error=None):
        assert type_ in ("ok", "fail", "info")
        return self._add(process, type_, f, value, error)

    def dump(self, path):
        with open(path, "w") as out:
            for e in self.events:
                out.write(json.dumps(e, default=str) + "\n")

    @staticmethod
    def load(path):
        h = History()
        with open(path) as f:
            h.events = [json.loads(line) for line in f if line.strip()]
        return h


def operations(events):
    """Pairs invocations with completions: one dict per operation with `call` and
    `ret` times (ret None for info: it may take effect at any later time), the
    completion type and the completion's value (the invocation's if none)."""
    pending, ops = {}, []
    for e in sorted(events, key=lambda e: (e["time"], e["index"])):
        if e["type"] == "invoke":
            assert e["process"] not in pending, f"process {e['process']} invoked twice without completing"
            pending[e["process"]] = e
            continue
        inv = pending.pop(e["process"])
        ops.append({"process": e["process"], "f": inv["f"], "type": e["type"], "call": inv["time"],
                    "ret": None if e["type"] == "info" else e["time"],
                    "value": e["value"] if e["value"] is not None else inv["value"],
                    "invoke_value": inv["value"], "index": inv["index"]})
    for inv in pending.values():  # never completed: as good as info
        ops.append({"process": inv["process"], "f": inv["f"], "type": "info", "call": inv["time"], "ret": None,
                    "value": inv["value"], "invoke_value": inv["value"], "index": inv["index"]})
    return sorted(ops, key=lambda o: o["index"])


def counts(events):
    c = {"ok": 0, "fail": 0, "info": 0}
    for e in events:
        if e["type"] in c:
            c[e["type"]] += 1
    return c


def error_kinds(events):
    """(completion type, exception class) -> count, for the fail and info completions."""
    c = {}
    for e in events:
        if e["type"] in ("fail", "info"):
            key = f'{e["type"]}:{(e.get("error") or "?").split(":")[0]}'
            c[key] = c.get(key, 0) + 1
    return dict(sorted(c.items(), key=lambda kv: -kv[1]))

"""Single-document registers checked for linearizability: the Wing–Gong
search with Lowe's memoization (the method of Knossos and Porcupine), one key
at a time (linearizability is compositional). Operations: write v, read -> v.
A write whose outcome is unknown (info) may take effect at any point after
its invocation, or never: its return is placed after every other event, where
it can always be linearized harmlessly last. Reads that did not complete
observed nothing and are dropped; failed writes certainly did not happen."""
from ..history import operations

INFINITY = float("inf")


class _Entry:
    __slots__ = ("op", "is_call", "match", "prev", "next")

    def __init__(self, op, is_call):
        self.op, self.is_call, self.match, self.prev, self.next = op, is_call, None, None, None


def _step(state, op):
    if op["f"] == "write":
        return True, op["arg"]
    return op["arg"] == state, state


def check_key(ops, initial, max_steps=2_000_000):
    """`ops`: [{"f", "arg", "call", "ret"}]; returns (True|False|None, detail); None = gave up."""
    events = []
    for i, op in enumerate(ops):
        op["id"] = i
        call, ret = _Entry(op, True), _Entry(op, False)
        call.match = ret
        events.append((op["call"], 0, call))
        events.append((INFINITY if op["ret"] is None else op["ret"], 1, ret))
    events.sort(key=lambda e: (e[0], e[1]))
    head = _Entry(None, False)
    prev = head
    for _, _, e in events:
        prev.next, e.prev = e, prev
        prev = e

    def lift(e):
        e.prev.next = e.next
        if e.next:
            e.next.prev = e.prev
        m = e.match
        m.prev.next = m.next
        if m.next:
            m.next.prev = m.prev

    def unlift(e):
        m = e.match
        m.prev.next = m
        if m.next:
            m.next.prev = m
        e.prev.next = e
        if e.next:
            e.next.prev = e

    state, linearized, stack, cache = initial, 0, [], set()
    entry, steps, best, stuck = head.next, 0, 0, None
    while head.next is not None:
        steps += 1
        if steps > max_steps:
            return None, {"reason": f"search exceeded {max_steps} steps", "ops": len(ops)}
        if entry.is_call:
            ok, new_state = _step(state, entry.op)
            if ok:
                new_lin = linearized | (1 << entry.op["id"])
                key = (new_lin, new_state)
                if key not in cache:
                    cache.add(key)
                    stack.append((entry, state))
                    state, linearized = new_state, new_lin
                    lift(entry)
                    entry = head.next
                    continue
            entry = entry.next
        else:
            if len(stack) >= best:
                best, stuck = len(stack), (entry.op, state, [s[0].op for s in stack[-5:]])
            if not stack:
                op, st, last = stuck
                return False, {"cannot_linearize": _public(op), "state_then": st,
                               "linearized_before": [_public(o) for o in last], "deepest_prefix": best}
            entry, state = stack.pop()
            linearized &= ~(1 << entry.op["id"])
            unlift(entry)
            entry = entry.next
    return True, {}


def _public(op):
    return {k: op[k] for k in ("f", "arg", "call", "ret", "process", "type") if k in op}


def check(events, initial, max_ops_per_key=2000):
    per_key = {}
    for op in operations(events):
        if op["f"] not in ("read", "write") or op["type"] == "fail":
            continue
        if op["f"] == "read" and op["type"] != "ok":
            continue
        k = op["invoke_value"]["k"]
        arg = op["invoke_value"]["v"] if op["f"] == "write" else op["value"]["v"]
        per_key.setdefault(k, []).append({"f": op["f"], "arg": arg, "call": op["call"], "ret": op["ret"],
                                          "process": op["process"], "type": op["type"]})
    anomalies, unknown = [], []
    for k, ops in sorted(per_key.items()):
        if len(ops) > max_ops_per_key:
            unknown.append({"key": k, "reason": f"{len(ops)} operations > {max_ops_per_key}"})
            continue
        ok, detail = check_key(ops, initial)
        if ok is False:
            anomalies.append({"type": "nonlinearizable", "key": k, **detail})
        elif ok is None:
            unknown.append({"key": k, **detail})
    return {"valid": not anomalies, "anomalies": anomalies, "unknown": unknown,
            "keys": len(per_key), "ops": sum(len(v) for v in per_key.values())}

"""List-append checked for strict serializability, Elle's method simplified.

Transactions are lists of micro-ops ["append", k, v] and ["r", k, list]; each
appended value is unique per key. Because a read returns the whole list, the
longest read of a key gives that key's version order, and every other read
must be a prefix of it. From that order come the dependency edges:
ww (appender of v_i -> appender of v_i+1), wr (appender of a read's last
element -> reader), rw (reader of a prefix of length i -> appender of v_i+1),
plus real-time edges (T1 completed before T2 was invoked). A cycle in that
graph is a transaction order no serial execution can explain. Also reported:
reads of values no transaction wrote (garbage), of values whose append
certainly failed (G1a, aborted read), duplicated elements, incompatible orders,
and a transaction not seeing its own append (internal)."""
from ..history import operations
from . import graph


def _realtime_edges(ops, add):
    """Elle's reduction: an op's real-time predecessors are the ops completed
    before its invocation that no other such op follows."""
    events = []
    for i, op in enumerate(ops):
        events.append((op["call"], 1, i))
        if op["ret"] is not None:
            events.append((op["ret"], 0, i))
    frontier, preds = set(), {}
    for _, kind, i in sorted(events):
        if kind == 1:
            preds[i] = set(frontier)
            for p in frontier:
                add(p, i, "realtime")
        else:
            frontier -= preds.get(i, set())
            frontier.add(i)


def classify(cycle):
    kinds = [set(k) for _, k, _ in cycle]
    rw = sum(1 for k in kinds if k == {"rw"})
    realtime = any(k == {"realtime"} for k in kinds)
    data = [k for k in kinds if k != {"realtime"}]
    if all(k & {"ww"} for k in data):
        name = "G0"
    elif rw == 0:
        name = "G1c"
    elif rw == 1:
        name = "G-single"
    else:
        name = "G2"
    return name + ("-realtime" if realtime else "")


def check(events):
    all_ops = [op for op in operations(events) if op["f"] == "txn"]
    anomalies = []
    failed_appends = {}
    for op in all_ops:
        if op["type"] == "fail":
            for mop in op["invoke_value"]:
                if mop[0] == "append":
                    failed_appends[(mop[1], mop[2])] = op
    ops = [op for op in all_ops if op["type"] in ("ok", "info")]
    writer = {}
    for i, op in enumerate(ops):
        for mop in op["invoke_value"]:
            if mop[0] == "append":
                writer[(mop[1], mop[2])] = i

    reads = {}  # key -> [(op index, list)]
    for i, op in enumerate(ops):
        if op["type"] != "ok":
            continue
        appended = {}
        for mop in op["value"]:
            f, k, v = mop
            if f == "append":
                appended[k] = v
            elif f == "r":
                v = list(v or [])
                if k in appended and (not v or v[-1] != appended[k]):
                    anomalies.append({"type": "internal", "op": op, "key": k, "read": v, "own": appended[k]})
                    continue
                if k in appended:  # own writes are not dependencies on others
                    v = v[:-1]
                reads.setdefault(k, []).append((i, v))

    orders = {}
    for k, rs in reads.items():
        longest = max((v for _, v in rs), key=len, default=[])
        if len(set(longest)) != len(longest):
            anomalies.append({"type": "duplicate-elements", "key": k, "read": longest})
        for i, v in rs:
            if v != longest[:len(v)]:
                anomalies.append({"type": "incompatible-order", "key": k, "read": v, "longest": longest, "op": ops[i]})
            for x in v:
                if (k, x) in failed_appends:
                    anomalies.append({"type": "G1a", "key": k, "value": x, "op": ops[i], "writer": failed_appends[(k, x)]})
                elif (k, x) not in writer:
                    anomalies.append({"type": "garbage-read", "key": k, "value": x, "op": ops[i]})
        orders[k] = longest

    edges = {}

    def add(a, b, kind):
        if a != b:
            edges.setdefault(a, {}).setdefault(b, set()).add(kind)

    for k, order in orders.items():
        ws = [writer.get((k, v)) for v in order]
        for a, b in zip(ws, ws[1:]):
            if a is not None and b is not None:
                add(a, b, "ww")
        for i, v in reads.get(k, []):
            n = len(v)
            if n and ws[n - 1] is not None:
                add(ws[n - 1], i, "wr")
            if n < len(ws) and ws[n] is not None:
                add(i, ws[n], "rw")
    _realtime_edges(ops, add)

    for comp in graph.sccs(range(len(ops)), edges):
        cycle = graph.find_cycle(comp, edges)
        anomalies.append({"type": classify(cycle), "cycle": [
            {"from": ops[a]["invoke_value"] if ops[a]["type"] != "ok" else ops[a]["value"], "kinds": k,
             "to_index": ops[b]["index"], "from_index": ops[a]["index"]} for a, k, b in cycle],
            "component_size": len(comp)})
    return {"valid": not anomalies, "anomalies": anomalies, "txns": len(ops),
            "edges": sum(len(v) for v in edges.values())}

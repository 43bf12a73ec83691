"""Bank: money moves between accounts, never appears or vanishes. Every
successful read of all balances must sum to the initial total, hold every
account, and show no negative balance (transfers refuse to overdraw)."""
from ..history import operations


def check(events, accounts, total):
    anomalies = []
    reads = 0
    for op in operations(events):
        if op["f"] != "read" or op["type"] != "ok":
            continue
        reads += 1
        balances = op["value"]
        if sorted(balances) != sorted(accounts):
            anomalies.append({"type": "wrong-accounts", "op": op, "accounts": sorted(balances)})
            continue
        s = sum(balances.values())
        if s != total:
            anomalies.append({"type": "wrong-total", "op": op, "total": s, "expected": total})
        negative = {a: b for a, b in balances.items() if b < 0}
        if negative:
            anomalies.append({"type": "negative-balance", "op": op, "negative": negative})
    return {"valid": not anomalies, "anomalies": anomalies, "reads": reads}

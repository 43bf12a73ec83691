"""List-append: documents {k, vals: [...]}; a transaction runs 1-4 micro-ops
on distinct keys, each an append (read the list, write it back one longer, the
document carrying the transaction's id) or a read of the whole list."""
from ..checkers import append as checker

KEYS = [f"k{i}" for i in range(8)]


class Append:
    name = "append"
    tables = ["Lists"]

    def __init__(self):
        self.counter = {}
        self.next_value = {}

    def setup(self, tx):
        tx.execute_statement("CREATE TABLE Lists")
        tx.execute_statement("CREATE INDEX ON Lists (k)")

    def populate(self, tx):
        for k in KEYS:
            tx.execute_statement("INSERT INTO Lists ?", {"k": k, "vals": [], "op": "init"})

    def generate(self, rng, process):
        n = self.counter[process] = self.counter.get(process, 0) + 1
        mops = []
        for k in rng.sample(KEYS, rng.randint(1, 4)):
            if rng.random() < 0.5:
                mops.append(["r", k, None])
            else:
                # unique per key across clients: process id in the high digits
                mops.append(["append", k, process * 1_000_000 + n])
        return "txn", {"id": f"a{process}-{n}", "mops": mops}

    def execute(self, tx, f, v):
        out = []
        for op, k, val in v["mops"]:
            current = [int(x) for x in next(iter(tx.execute_statement("SELECT vals FROM Lists WHERE k = ?", k)))["vals"]]
            if op == "r":
                out.append(["r", k, current])
            else:
                tx.execute_statement("UPDATE Lists SET vals = ?, op = ? WHERE k = ?", current + [val], v["id"], k)
                out.append(["append", k, val])
        return {"id": v["id"], "mops": out}

    def final_ops(self):
        return [("txn", {"id": "final", "mops": [["r", k, None] for k in KEYS]})]

    def check(self, events):
        flat = [{**e, "value": (e["value"] or {}).get("mops") if isinstance(e["value"], dict) else e["value"]}
                for e in events]
        return checker.check(flat)

    def writes(self, ops):
        out = {}
        for op in ops:
            appends = sum(1 for m in op["invoke_value"]["mops"] if m[0] == "append")
            if op["f"] == "txn" and appends:
                out[op["invoke_value"]["id"]] = (op["type"], appends)
        return out

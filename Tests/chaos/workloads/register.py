"""Single-document registers: documents {k, v}; a write sets v to a value
unique in the run (the document carries the write's id), a read returns v."""
from ..checkers import register as checker

KEYS = [f"r{i}" for i in range(4)]


class Register:
    name = "register"
    tables = ["Registers"]

    def __init__(self):
        self.counter = {}

    def setup(self, tx):
        tx.execute_statement("CREATE TABLE Registers")
        tx.execute_statement("CREATE INDEX ON Registers (k)")

    def populate(self, tx):
        for k in KEYS:
            tx.execute_statement("INSERT INTO Registers ?", {"k": k, "v": 0, "op": "init"})

    def generate(self, rng, process):
        k = rng.choice(KEYS)
        if rng.random() < 0.5:
            return "read", {"k": k, "v": None}
        n = self.counter[process] = self.counter.get(process, 0) + 1
        return "write", {"k": k, "v": process * 1_000_000 + n, "id": f"w{process}-{n}"}

    def execute(self, tx, f, v):
        if f == "read":
            return {"k": v["k"], "v": int(next(iter(tx.execute_statement("SELECT v FROM Registers WHERE k = ?", v["k"])))["v"])}
        tx.execute_statement("UPDATE Registers SET v = ?, op = ? WHERE k = ?", v["v"], v["id"], v["k"])
        return v

    def final_ops(self):
        return [("read", {"k": k, "v": None}) for k in KEYS]

    def check(self, events):
        return checker.check(events, initial=0)

    def writes(self, ops):
        return {op["invoke_value"]["id"]: (op["type"], 1) for op in ops if op["f"] == "write"}

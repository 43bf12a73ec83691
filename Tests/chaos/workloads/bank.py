"""Bank transfers: accounts with balances; a transfer reads two balances and
moves an amount if the source has it (both updated documents carry the
transfer's id); a read reads every balance in one transaction."""
from ..checkers import bank as checker

ACCOUNTS = [f"acct{i}" for i in range(6)]
INITIAL = 100


class Bank:
    name = "bank"
    tables = ["Accounts"]

    def __init__(self):
        self.counter = {}

    def setup(self, tx):
        tx.execute_statement("CREATE TABLE Accounts")
        tx.execute_statement("CREATE INDEX ON Accounts (id)")

    def populate(self, tx):
        for a in ACCOUNTS:
            tx.execute_statement("INSERT INTO Accounts ?", {"id": a, "balance": INITIAL, "op": "init"})

    def generate(self, rng, process):
        if rng.random() < 0.4:
            return "read", None
        n = self.counter[process] = self.counter.get(process, 0) + 1
        src, dst = rng.sample(ACCOUNTS, 2)
        return "transfer", {"id": f"t{process}-{n}", "from": src, "to": dst, "amount": rng.randint(1, 30)}

    def execute(self, tx, f, v):
        if f == "read":
            return {str(r["id"]): int(r["balance"]) for r in tx.execute_statement("SELECT id, balance FROM Accounts")}
        src = next(iter(tx.execute_statement("SELECT balance FROM Accounts WHERE id = ?", v["from"])))["balance"]
        src = int(src)
        dst = next(iter(tx.execute_statement("SELECT balance FROM Accounts WHERE id = ?", v["to"])))["balance"]
        dst = int(dst)
        if src < v["amount"]:
            return {**v, "applied": False}
        tx.execute_statement("UPDATE Accounts SET balance = ?, op = ? WHERE id = ?", src - v["amount"], v["id"], v["from"])
        tx.execute_statement("UPDATE Accounts SET balance = ?, op = ? WHERE id = ?", dst + v["amount"], v["id"], v["to"])
        return {**v, "applied": True}

    def final_ops(self):
        return [("read", None)]

    def check(self, events):
        return checker.check(events, ACCOUNTS, INITIAL * len(ACCOUNTS))

    def writes(self, ops):
        """op id -> (completion type, revisions it writes). A refused transfer (insufficient funds) writes none."""
        out = {}
        for op in ops:
            if op["f"] == "transfer":
                applied = op["type"] != "ok" or op["value"].get("applied")
                out[op["invoke_value"]["id"]] = (op["type"] if applied else "fail", 2)
        return out

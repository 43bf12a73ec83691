"""The real QLDB clients (pyqldb 3.2.4, boto3/botocore 1.35.99) against a real
Tally node, with no code change beyond the environment `tally node` writes."""
import base64
import os
import time

import boto3
import pytest
from conftest import ROOT, environment
from amazon.ion.simpleion import loads
from botocore.exceptions import ClientError
from pyqldb.driver.qldb_driver import QldbDriver

import sys
sys.path.insert(0, str(ROOT / "Tests"))
from chaos.checkers.ledger import dot  # noqa: E402  QLDB's hash join, as the published verifier computes it


def wait_active(qldb, name, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if qldb.describe_ledger(Name=name)["State"] == "ACTIVE":
            return
        time.sleep(0.2)
    raise TimeoutError(name)


def test_seed_program(single_node):
    """The QLDB guide's seed program: ledger with deletion protection, three
    tables, four indexes, two accounts, an atomic transfer, history,
    committed view, digest — and a proof the published verifier accepts."""
    with environment(single_node):
        qldb = boto3.client("qldb")
        qldb.create_ledger(Name="bank", PermissionsMode="STANDARD", DeletionProtection=True)
        wait_active(qldb, "bank")
        driver = QldbDriver(ledger_name="bank")
        for table in ["Accounts", "Customers", "Transfers"]:
            driver.execute_lambda(lambda tx, t=table: tx.execute_statement(f"CREATE TABLE {t}"))
        for table, field in [("Accounts", "AccountId"), ("Accounts", "CustomerId"),
                             ("Customers", "CustomerId"), ("Transfers", "TransferId")]:
            driver.execute_lambda(lambda tx, t=table, f=field: tx.execute_statement(f"CREATE INDEX ON {t} ({f})"))
        assert sorted(driver.list_tables()) == ["Accounts", "Customers", "Transfers"]

        def seed(tx):
            tx.execute_statement("INSERT INTO Customers ?", {"CustomerId": "C1", "Name": "Alice"})
            tx.execute_statement("INSERT INTO Accounts ?", {"AccountId": "A1", "CustomerId": "C1", "Balance": 100})
            tx.execute_statement("INSERT INTO Accounts ?", {"AccountId": "A2", "CustomerId": "C1", "Balance": 50})
        driver.execute_lambda(seed)

        def transfer(tx):
            a1 = next(iter(tx.execute_statement("SELECT Balance FROM Accounts WHERE AccountId = ?", "A1")))["Balance"]
            a2 = next(iter(tx.execute_statement("SELECT Balance FROM Accounts WHERE AccountId = ?", "A2")))["Balance"]
            tx.execute_statement("UPDATE Accounts SET Balance = ? WHERE AccountId = ?", a1 - 30, "A1")
            tx.execute_statement("UPDATE Accounts SET Balance = ? WHERE AccountId = ?", a2 + 30, "A2")
            tx.execute_statement("INSERT INTO Transfers ?", {"TransferId": "T1", "From": "A1", "To": "A2", "Amount": 30})
        driver.execute_lambda(transfer)

        balances = driver.execute_lambda(lambda tx: {r["AccountId"]: r["Balance"] for r in
                                                     tx.execute_statement("SELECT * FROM Accounts")})
        assert balances == {"A1": 70, "A2": 80}

        history = driver.execute_lambda(lambda tx: list(tx.execute_statement("SELECT * FROM history(Accounts)")))
        assert len(history) == 4
        assert sorted(h["metadata"]["version"] for h in history) == [0, 0, 1, 1]

        committed = driver.execute_lambda(lambda tx: list(tx.execute_statement(
            "SELECT * FROM _ql_committed_Accounts WHERE data.AccountId = 'A1'")))
        assert len(committed) == 1 and committed[0]["data"]["Balance"] == 70
        row = committed[0]

        digest = qldb.get_digest(Name="bank")
        assert len(digest["Digest"]) == 32
        tip = digest["DigestTipAddress"]
        address = row["blockAddress"]
        revision = qldb.get_revision(Name="bank", BlockAddress={"IonText": f'{{strandId:"{address["strandId"]}",sequenceNo:{address["sequenceNo"]}}}'},
                                     DocumentId=row["metadata"]["id"], DigestTipAddress=tip)
        rev = loads(revision["Revision"]["IonText"])
        proof = loads(revision["Proof"]["IonText"])
        acc = bytes(rev["hash"])
        for p in proof:
            acc = dot(acc, bytes(p))
        assert acc == digest["Digest"]
        flipped = bytearray(rev["hash"])
        flipped[0] ^= 1
        acc = bytes(flipped)
        for p in proof:
            acc = dot(acc, bytes(p))
        assert acc != digest["Digest"]

        with pytest.raises(ClientError) as err:
            qldb.delete_ledger(Name="bank")
        assert err.value.response["Error"]["Code"] == "ResourcePreconditionNotMetException"
        driver.close()


def test_bad_input_changes_nothing(single_node):
    with environment(single_node):
        qldb = boto3.client("qldb")
        qldb.create_ledger(Name="errors", PermissionsMode="ALLOW_ALL", DeletionProtection=False)
        wait_active(qldb, "errors")
        driver = QldbDriver(ledger_name="errors")
        driver.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))
        from pyqldb.errors import is_occ_conflict_exception  # noqa: F401
        with pytest.raises(ClientError) as err:
            driver.execute_lambda(lambda tx: tx.execute_statement("SELEC * FROM T"))
        assert err.value.response["Error"]["Code"] == "BadRequestException"
        assert "line 1" in err.value.response["Error"]["Message"]
        count = driver.execute_lambda(lambda tx: next(iter(tx.execute_statement("SELECT COUNT(*) FROM T")))["_1"])
        assert count == 0
        driver.close()
        qldb.delete_ledger(Name="errors")


def test_unsigned_and_badly_signed_requests_are_refused(single_node):
    import json
    import ssl
    import urllib.error
    import urllib.request
    url = single_node["AWS_ENDPOINT_URL_QLDB_SESSION"]
    request = urllib.request.Request(url, data=b'{"StartSession": {"LedgerName": "bank"}}', method="POST", headers={
        "X-Amz-Target": "QLDBSession.SendCommand", "Content-Type": "application/x-amz-json-1.0"})
    context = ssl.create_default_context(cafile=single_node["AWS_CA_BUNDLE"])
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, context=context, timeout=10)
    assert err.value.code == 403
    assert json.loads(err.value.read())["__type"].endswith("MissingAuthenticationTokenException")
    with environment({**single_node, "AWS_SECRET_ACCESS_KEY": "wrong" + single_node["AWS_SECRET_ACCESS_KEY"][5:]}):
        with pytest.raises(ClientError) as err:
            boto3.session.Session().client("qldb").list_ledgers()   # a new session: no cached credentials
        assert err.value.response["Error"]["Code"] == "InvalidSignatureException"

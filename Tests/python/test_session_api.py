"""The session API through the real pyqldb and botocore: every Ion type, paging,
OCC conflicts, transaction expiry, and bad input that must change nothing."""
import base64
import json
import socket
import ssl
import threading
import time
from datetime import datetime, timezone
from decimal import Decimal

import boto3
import pytest
from amazon.ion.core import Timestamp, TimestampPrecision
from amazon.ion.equivalence import ion_equals
from amazon.ion.simpleion import IonType, dumps, loads
from amazon.ion.simple_types import IonPyBytes, IonPyList, IonPyNull, IonPySymbol, IonPyInt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError
from pyqldb.config.retry_config import RetryConfig
from pyqldb.driver.qldb_driver import QldbDriver

from conftest import environment


@pytest.fixture(scope="module")
def ledger(single_node):
    with environment(single_node):
        qldb = boto3.client("qldb")
        qldb.create_ledger(Name="types", PermissionsMode="STANDARD", DeletionProtection=False)
        deadline = time.monotonic() + 30
        while qldb.describe_ledger(Name="types")["State"] != "ACTIVE":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        d = QldbDriver("types")
        for t in ["Things", "Many", "Accounts"]:
            d.execute_lambda(lambda tx, t=t: tx.execute_statement(f"CREATE TABLE {t}"))
        d.close()
    return single_node


def every_ion_type():
    return loads("""{
        nul: null, nbool: null.bool, nint: null.int, nfloat: null.float, ndec: null.decimal,
        nts: null.timestamp, nsym: null.symbol, nstr: null.string, nclob: null.clob, nblob: null.blob,
        nlist: null.list, nsexp: null.sexp, nstruct: null.struct,
        t: true, f: false, i: -42, big: 123456789012345678901234567890, zero: 0,
        fl: 1.5e0, negzero: -0e0, inf: +inf, d: 12.50, dneg: -0.00, dexp: 1d-30,
        ts_year: 2021T, ts_day: 2021-02-03, ts_min: 2021-02-03T04:05+01:00, ts_sec: 2021-02-03T04:05:06Z,
        ts_frac: 2021-02-03T04:05:06.789123-08:00, ts_unknown: 2021-02-03T04:05:06-00:00,
        sym: abc, qsym: 'with space', s: "Zoë ✓ \\u0000 end", clob: {{"clob text"}}, blob: {{aGVsbG8=}},
        l: [1, [2, [3]], {x: 1}], sx: (a + 1), st: {nested: {deeper: [null.int]}}, empty: {},
        ann: tag::other::5, annstruct: money::{amount: 10.00, currency: USD},
        dup: 1, dup: 2
    }""")


def test_every_ion_type_round_trips_through_insert_update_select(ledger):
    doc = every_ion_type()
    with environment(ledger):
        d = QldbDriver("types")
        ids = d.execute_lambda(lambda tx: list(tx.execute_statement("INSERT INTO Things ?", doc)))
        assert len(ids) == 1 and len(ids[0]["documentId"]) == 22
        back = d.execute_lambda(lambda tx: list(tx.execute_statement("SELECT * FROM Things")))
        assert len(back) == 1
        assert ion_equals(back[0], doc), dumps(back[0], binary=False)
        # UPDATE with every type as a parameter; the driver checks each commit digest.
        for name in ["ts_frac", "big", "d", "blob", "clob", "sx", "ann", "nstruct", "negzero"]:
            value = doc[name]
            d.execute_lambda(lambda tx, v=value: tx.execute_statement("UPDATE Things AS t SET t.copy = ?", v))
            got = d.execute_lambda(lambda tx: next(iter(tx.execute_statement("SELECT VALUE t.copy FROM Things AS t"))))
            assert ion_equals(got, value), (name, dumps(got, binary=False))
        d.close()


def test_results_larger_than_a_page(ledger):
    with environment(ledger):
        d = QldbDriver("types")
        for batch in range(12):
            d.execute_lambda(lambda tx, b=batch: [tx.execute_statement("INSERT INTO Many ?", {"n": b * 40 + i, "pad": "x" * 100})
                                                  for i in range(40)])
        rows = d.execute_lambda(lambda tx: [r["n"] for r in tx.execute_statement("SELECT n FROM Many")])
        assert sorted(rows) == list(range(480))  # more than the 200-value page: several FetchPage calls
        d.close()


def test_occ_conflict_between_two_drivers_is_retried(ledger):
    with environment(ledger):
        a, b = QldbDriver("types"), QldbDriver("types")
        a.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO Accounts ?", {"id": "X", "balance": 100}))
        attempts = []

        def withdraw(tx):
            attempts.append(1)
            balance = next(iter(tx.execute_statement("SELECT balance FROM Accounts WHERE id = 'X'")))["balance"]
            if len(attempts) == 1:  # a concurrent writer commits between our read and our commit
                b.execute_lambda(lambda t2: t2.execute_statement("UPDATE Accounts SET balance = balance + 1 WHERE id = 'X'"))
            tx.execute_statement("UPDATE Accounts SET balance = ? WHERE id = 'X'", balance - 10)

        a.execute_lambda(withdraw)
        assert len(attempts) == 2  # the first commit hit OccConflictException and the driver retried
        final = a.execute_lambda(lambda tx: next(iter(tx.execute_statement("SELECT balance FROM Accounts WHERE id = 'X'")))["balance"])
        assert final == 91
        a.close()
        b.close()


def test_transaction_expiry_surfaces_as_the_driver_expects(ledger):
    with environment(ledger):
        d = QldbDriver("types", retry_config=RetryConfig(retry_limit=2))
        calls = []

        def slow(tx):
            calls.append(1)
            tx.execute_statement("SELECT * FROM Accounts")
            time.sleep(3.5)  # the node is configured with a 3 s transaction timeout
            tx.execute_statement("INSERT INTO Accounts ?", {"id": "late"})

        with pytest.raises(ClientError) as err:
            d.execute_lambda(slow)
        assert err.value.response["Error"]["Code"] == "InvalidSessionException"
        assert "has expired" in err.value.response["Error"]["Message"]
        assert len(calls) == 1  # "Transaction … has expired" is not retried by pyqldb
        n = d.execute_lambda(lambda tx: next(iter(tx.execute_statement("SELECT COUNT(*) FROM Accounts WHERE id = 'late'")))["_1"])
        assert n == 0
        d.close()


def count_things(d):
    return d.execute_lambda(lambda tx: next(iter(tx.execute_statement("SELECT COUNT(*) FROM Things")))["_1"])


def tls_exchange(env, payload, read_limit=65536):
    host, port = env["AWS_ENDPOINT_URL_QLDB_SESSION"].removeprefix("https://").rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=env["AWS_CA_BUNDLE"])
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(payload)
            data = b""
            try:
                while len(data) < read_limit:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (socket.timeout, ssl.SSLError, ConnectionResetError):
                pass
            return data


def signed_request(env, body, target="QLDBSession.SendCommand"):
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1")
    request = AWSRequest(method="POST", url=env["AWS_ENDPOINT_URL_QLDB_SESSION"] + "/", data=body,
                         headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"})
    SigV4Auth(session.get_credentials(), "qldb", "us-east-1").add_auth(request)
    return request


def post(env, request):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(request.url, data=request.body, method="POST", headers=dict(request.headers))
    ctx = ssl.create_default_context(cafile=env["AWS_CA_BUNDLE"])
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_bad_input_gets_a_clear_error_and_changes_nothing(ledger):
    env = ledger
    with environment(env):
        d = QldbDriver("types")
        before = count_things(d)

        # Broken HTTP: a clear 400 and the connection closed.
        reply = tls_exchange(env, b"THIS IS NOT HTTP\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 400"), reply[:80]
        # An oversize body is refused from its Content-Length, before it is read.
        reply = tls_exchange(env, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 413"), reply[:80]

        # Malformed JSON, correctly signed.
        status, body = post(env, signed_request(env, b'{"StartSession": {"LedgerName": '))
        assert status == 400 and body["__type"].endswith("BadRequestException"), body

        # Malformed Ion parameter inside a real transaction.
        client = boto3.client("qldb-session")
        token = client.send_command(StartSession={"LedgerName": "types"})["StartSession"]["SessionToken"]
        txn = client.send_command(SessionToken=token, StartTransaction={})["StartTransaction"]["TransactionId"]
        with pytest.raises(ClientError) as err:
            client.send_command(SessionToken=token, ExecuteStatement={
                "TransactionId": txn, "Statement": "INSERT INTO Things ?",
                "Parameters": [{"IonBinary": b"\xe0\x01\x00\xea\xee\xff\xff"}]})
        assert err.value.response["Error"]["Code"] == "BadRequestException"
        assert "Ion" in err.value.response["Error"]["Message"]
        client.send_command(SessionToken=token, AbortTransaction={})

        # A bad signature.
        request = signed_request(env, json.dumps({"StartSession": {"LedgerName": "types"}}).encode())
        bad = request.headers["Authorization"][:-4] + "0000"
        del request.headers["Authorization"]  # botocore's headers object appends on assignment
        request.headers["Authorization"] = bad
        status, body = post(env, request)
        assert status == 403 and body["__type"].endswith("InvalidSignatureException"), body

        assert count_things(d) == before
        d.close()

"""A hostile but authenticated client against a real node: one access key
cannot take every session, a session token works only for the key that
started it, a request whose headers already fail authentication is refused
before its body is read, and failures are logged (logfmt, rate-limited)."""
import re
import socket
import time
from datetime import datetime, timezone

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import running_node

KEYS = {"A": ("AKIDHOSTILEA", "secretA/0000000000000000000000000000000"),
        "B": ("AKIDHOSTILEB", "secretB/0000000000000000000000000000000")}
PER_CREDENTIAL = 4


@pytest.fixture(scope="module")
def node(tally_bin, tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    (work / "credentials").write_text("".join(
        f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n" for name, (key, secret) in KEYS.items()))
    with running_node(tally_bin, work, f"""
[auth]
mode = "sigv4"
credentials_file = "credentials"
[session]
max_sessions_per_ledger = 100
max_sessions_per_credential = {PER_CREDENTIAL}
""") as (client, _):
        endpoint = f"http://127.0.0.1:{client}"
        qldb = client_for("qldb", endpoint, "A")
        qldb.create_ledger(Name="hostile", PermissionsMode="STANDARD", DeletionProtection=False)
        deadline = time.monotonic() + 30
        while qldb.describe_ledger(Name="hostile")["State"] != "ACTIVE":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        yield {"endpoint": endpoint, "port": client, "log": work / "node.log"}


def client_for(service, endpoint, who):
    key, secret = KEYS[who]
    return boto3.session.Session().client(service, endpoint_url=endpoint, region_name="us-east-1",
                                           aws_access_key_id=key, aws_secret_access_key=secret)


def start(session_client):
    return session_client.send_command(StartSession={"LedgerName": "hostile"})["StartSession"]["SessionToken"]


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_one_credential_cannot_take_every_session(node):
    a = client_for("qldb-session", node["endpoint"], "A")
    b = client_for("qldb-session", node["endpoint"], "B")
    tokens = [start(a) for _ in range(PER_CREDENTIAL)]
    with pytest.raises(ClientError) as e:
        start(a)
    assert error_code(e) == "LimitExceededException"
    assert f"access key {KEYS['A'][0]} already has {PER_CREDENTIAL} active sessions" in str(e.value)
    b_token = start(b)  # another credential is not affected
    assert b_token

    # A's token is no use to B, and B cannot end A's session.
    with pytest.raises(ClientError) as e:
        b.send_command(SessionToken=tokens[0], EndSession={})
    assert error_code(e) == "InvalidSessionException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "StartTransaction" in a.send_command(SessionToken=tokens[0], StartTransaction={})

    # Ending a session frees its slot.
    a.send_command(SessionToken=tokens[1], EndSession={})
    tokens[1] = start(a)
    for t in tokens + [b_token]:
        (b if t == b_token else a).send_command(SessionToken=t, EndSession={})


def amz_now():
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def raw_exchange(port, head, timeout=5.0):
    """Sends only `head`; returns (response bytes, seconds until the server closed)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head.encode())
        data = b""
        while True:
            chunk = s.recv(65536)  # socket.timeout fails the test: the server waited for the body
            if not chunk:
                break
            data += chunk
    return data, time.monotonic() - started


def bogus_head(port, length=8000000):
    now = amz_now()
    return ("POST / HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-amz-json-1.0\r\n"
            "X-Amz-Target: QLDBSession.SendCommand\r\n"
            f"X-Amz-Date: {now}\r\n"
            f"Authorization: AWS4-HMAC-SHA256 Credential=AKIDBOGUS/{now[:8]}/us-east-1/qldb/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64 + "\r\n"
            f"Content-Length: {length}\r\n\r\n")


def test_bogus_authorization_is_refused_before_the_body(node):
    data, elapsed = raw_exchange(node["port"], bogus_head(node["port"]))
    text = data.decode(errors="replace")
    assert text.startswith("HTTP/1.1 403"), text
    assert "UnrecognizedClientException" in text
    assert "Connection: close" in text
    assert elapsed < 3, f"the server took {elapsed:.1f} s: it waited for the body"


def test_oversize_control_plane_body_is_refused_from_a_valid_head(node):
    key, secret = KEYS["A"]
    url = f"{node['endpoint']}/ledgers"
    request = AWSRequest(method="POST", url=url, data=b"{}", headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key, secret), "qldb", "us-east-1").add_auth(request)
    head = f"POST /ledgers HTTP/1.1\r\nHost: 127.0.0.1:{node['port']}\r\n"
    for name, value in request.headers.items():
        if name.lower() != "host":
            head += f"{name}: {value}\r\n"
    head += "Content-Length: 1000000\r\n\r\n"
    data, elapsed = raw_exchange(node["port"], head)
    text = data.decode(errors="replace")
    assert text.startswith("HTTP/1.1 413"), text
    assert "the limit is 65536" in text
    assert elapsed < 3


def auth_failure_lines(node):
    return [l for l in node["log"].read_text().splitlines() if 'msg="authentication failed"' in l]


def test_auth_failures_are_logged_in_logfmt_and_rate_limited(node):
    bad = boto3.session.Session().client("qldb-session", endpoint_url=node["endpoint"], region_name="us-east-1",
                                         aws_access_key_id=KEYS["A"][0], aws_secret_access_key="wrong-secret")
    with pytest.raises(ClientError) as e:
        bad.send_command(StartSession={"LedgerName": "hostile"})
    assert error_code(e) == "InvalidSignatureException"
    raw_exchange(node["port"], bogus_head(node["port"], length=10))
    deadline = time.monotonic() + 5
    while not any("reason=unknown_key" in l for l in auth_failure_lines(node)) and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = auth_failure_lines(node)
    signature = [l for l in lines if "reason=bad_signature" in l]
    assert signature, "\n".join(lines)
    line = signature[-1]
    assert re.match(r"^ts=\S+ level=warning logger=tally\.auth ", line), line
    assert f"access_key_id={KEYS['A'][0]}" in line
    assert "remote=127.0.0.1:" in line
    assert "wrong-secret" not in node["log"].read_text()
    assert any("reason=unknown_key" in l and "access_key_id=AKIDBOGUS" in l for l in lines), "\n".join(lines)

    # A flood writes at most 20 lines a minute (the rest is one summary line later).
    for _ in range(60):
        raw_exchange(node["port"], bogus_head(node["port"], length=10))
    assert len(auth_failure_lines(node)) <= 20

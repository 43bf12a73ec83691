#!/usr/bin/env python3
"""Generates sigv4_vectors.json: requests signed by the REAL botocore.

Run from the repository root with the project's venv:
    .venv/bin/python Tests/QLDBWireTests/Fixtures/gen_sigv4_vectors.py
The output is committed, so the Swift tests never need Python.

Two sources of vectors:
  * botocore.auth.SigV4Auth + botocore.awsrequest.AWSRequest signing hand-built
    requests (fixed credentials, fixed time);
  * real boto3 `qldb-session` / `qldb` clients whose requests are captured at
    `before-send` (nothing goes on the network), so the exact wire headers and
    the serializer's URI/query encoding are what a user's program sends.
Each vector is the request as it arrives at the server: method, request target
(path and query exactly as sent), header fields (Host included, as urllib3 adds
it), body; plus the server time at which it must be accepted and the outcome.
"""
import base64
import datetime as _dt
import json
import os
import sys
import types

import boto3
import botocore.auth
from botocore.auth import SigV4Auth, _host_from_url
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials
from urllib.parse import urlsplit

AKID = "AKIDTALLYTEST0000001"
SECRET = "tally/secret+KEY/0123456789abcdefghijklmnopq"
OTHER_AKID = "AKIDUNKNOWN000000000"
FIXED = _dt.datetime(2024, 5, 1, 12, 30, 45)
AMZ_DATE = FIXED.strftime("%Y%m%dT%H%M%SZ")


class _FixedDatetime(_dt.datetime):
    @classmethod
    def utcnow(cls):
        return FIXED

    @classmethod
    def now(cls, tz=None):
        return FIXED if tz is None else FIXED.replace(tzinfo=_dt.timezone.utc).astimezone(tz)


# botocore.auth calls datetime.datetime.utcnow(); give it a frozen clock.
botocore.auth.datetime = types.SimpleNamespace(datetime=_FixedDatetime, timezone=_dt.timezone)


def target_of(url):
    parts = urlsplit(url)
    return (parts.path or "/") + (("?" + parts.query) if parts.query else "")


def vector(name, method, url, headers, body, expect, **extra):
    hdrs = [[k, v if isinstance(v, str) else v.decode()] for k, v in headers.items()]
    if not any(k.lower() == "host" for k, _ in hdrs):
        hdrs.insert(0, ["Host", _host_from_url(url)])
    if body is None:
        body = b""
    if isinstance(body, str):
        body = body.encode()
    v = {
        "name": name,
        "method": method,
        "target": target_of(url),
        "headers": hdrs,
        "body_b64": base64.b64encode(body).decode(),
        "server_time": AMZ_DATE,
        "expect": expect,
    }
    v.update(extra)
    return v


class _CapturingSigV4Auth(SigV4Auth):
    def canonical_request(self, request):
        self.captured = super().canonical_request(request)
        return self.captured


def sign(name, method, url, headers=None, body=b"", service="qldb", region="us-east-1",
         akid=AKID, secret=SECRET, expect="accept", **extra):
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    auth = _CapturingSigV4Auth(Credentials(akid, secret), service, region)
    auth.add_auth(req)
    # botocore's own canonical request, to diagnose a mismatch.
    extra.setdefault("canonical_request", auth.captured)
    return vector(name, method, url, req.headers, body, expect, region=region, **extra)


def captured_client_vectors():
    out = []
    session = boto3.session.Session(aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                                    region_name="us-west-2")
    for service, calls in [
        ("qldb-session", [
            ("client_session_start", "send_command", {"StartSession": {"LedgerName": "vehicle-registration"}}),
            ("client_session_execute", "send_command", {
                "SessionToken": "c2Vzc2lvbi0x",
                "ExecuteStatement": {"TransactionId": "5PLf9SXwndd63lPaSIa0O6",
                                     "Statement": "INSERT INTO T ?",
                                     "Parameters": [{"IonBinary": bytes.fromhex("e00100eae88183de8487b28161de838a2101")}]}}),
        ]),
        ("qldb", [
            ("client_describe_ledger", "describe_ledger", {"Name": "vehicle-registration"}),
            ("client_list_ledgers", "list_ledgers", {"MaxResults": 5, "NextToken": "tok+en/=="}),
            ("client_untag_resource", "untag_resource", {
                "ResourceArn": "arn:aws:qldb:us-east-1:123456789012:ledger/vehicle-registration",
                "TagKeys": ["IsTest", "Domain"]}),
            ("client_create_ledger", "create_ledger", {"Name": "ledger-1", "PermissionsMode": "STANDARD",
                                                       "DeletionProtection": True}),
        ]),
    ]:
        client = session.client(service, endpoint_url="https://127.0.0.1:8443", verify=False)
        captured = {}

        def before_send(request, **kwargs):
            captured["req"] = request
            return AWSResponse(request.url, 200, {}, types.SimpleNamespace(stream=lambda **k: iter([b"{}"]),
                                                                           read=lambda *a: b"{}"))

        client.meta.events.register("before-send", before_send)
        for name, op, params in calls:
            try:
                getattr(client, op)(**params)
            except Exception:
                pass  # the fake response may not parse; the request was captured
            r = captured.pop("req")
            body = r.body if isinstance(r.body, (bytes, bytearray)) else (r.body or b"")
            out.append(vector(name, r.method, r.url, r.headers, bytes(body), "accept", region="us-west-2"))
    return out


def main():
    body = json.dumps({"SessionToken": "c2Vzc2lvbi0x",
                       "ExecuteStatement": {"TransactionId": "Txn0000000000000000002",
                                            "Statement": "SELECT * FROM T WHERE a = ?",
                                            "Parameters": [{"IonBinary": "4AEA6uiBg96Eh7KBYd6DiiEB"}]}})
    session_headers = {"Content-Type": "application/x-amz-json-1.0",
                       "X-Amz-Target": "QLDBSession.SendCommand"}
    v = []
    v.append(sign("session_send_command", "POST", "https://127.0.0.1:8443/", session_headers, body,
                  region="us-east-1"))
    v.append(sign("control_describe_ledger", "GET", "https://qldb.eu-west-1.amazonaws.com/ledgers/my-ledger",
                  region="eu-west-1"))
    v.append(sign("path_needs_encoding", "GET",
                  "https://127.0.0.1:8443/tags/arn%3Aaws%3Aqldb%3Aus-east-1%3A123456789012%3Aledger%2Fvehicle"
                  "-registration"))
    v.append(sign("path_space_unicode_tilde", "GET", "https://127.0.0.1:8443/ledgers/caf%C3%A9%20x~y*z"))
    v.append(sign("path_dot_segments", "GET", "https://127.0.0.1:8443/ledgers/./a//b/../c"))
    v.append(sign("query_string", "GET",
                  "https://127.0.0.1:8443/ledgers?next_token=abc%2Bdef%3D&max_results=10"))
    v.append(sign("query_repeated_keys", "DELETE",
                  "https://127.0.0.1:8443/tags/arn%3Aaws%3Aqldb?tagKeys=b&tagKeys=a&tagKeys=A"))
    v.append(sign("query_empty_value", "GET", "https://127.0.0.1:8443/ledgers?flag&x=1"))
    v.append(sign("header_whitespace", "POST", "https://127.0.0.1:8443/",
                  dict(session_headers, **{"X-Custom-Header": "a   b \t c", "X-Amz-Meta-Note": "x"}), body))
    v.append(sign("content_sha256_header", "POST", "https://127.0.0.1:8443/",
                  dict(session_headers, **{"X-Amz-Content-SHA256": __import__("hashlib").sha256(body.encode()).hexdigest()}),
                  body))
    v.append(sign("non_default_port_host", "POST", "http://localhost:9000/", session_headers, body,
                  region="ap-southeast-2"))
    v.append(sign("empty_body_post", "POST", "https://127.0.0.1:8443/ledgers/my-ledger/digest"))
    # Correctly signed, but must be rejected.
    v.append(sign("wrong_service", "POST", "https://127.0.0.1:8443/", session_headers, body, service="dynamodb",
                  expect="InvalidSignatureException"))
    v.append(sign("unknown_access_key", "POST", "https://127.0.0.1:8443/", session_headers, body, akid=OTHER_AKID,
                  expect="UnrecognizedClientException"))
    v.append(sign("wrong_secret", "POST", "https://127.0.0.1:8443/", session_headers, body,
                  secret="not-the-secret", expect="InvalidSignatureException"))
    v.extend(captured_client_vectors())
    doc = {
        "generator": "Tests/QLDBWireTests/Fixtures/gen_sigv4_vectors.py",
        "botocore_version": botocore.__version__,
        "credentials": {AKID: SECRET},
        "vectors": v,
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sigv4_vectors.json")
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"wrote {len(v)} vectors to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

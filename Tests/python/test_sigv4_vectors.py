"""The committed SigV4 fixture (Tests/QLDBWireTests/Fixtures/sigv4_vectors.json,
verified by the Swift ServerTests) still agrees with the installed botocore:
each accepted request is re-signed from scratch with botocore's SigV4Auth at
the fixture's time and must get the same Authorization header."""
import base64
import datetime as dt
import json
import pathlib
import types

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "QLDBWireTests" / "Fixtures" / "sigv4_vectors.json"


def _frozen(when):
    class Frozen(dt.datetime):
        @classmethod
        def utcnow(cls):
            return when
    return types.SimpleNamespace(datetime=Frozen, timezone=dt.timezone)


def test_fixture_signatures_match_botocore(monkeypatch):
    doc = json.loads(FIXTURE.read_text())
    (akid, secret), = doc["credentials"].items()
    checked = 0
    for v in doc["vectors"]:
        if v["expect"] != "accept":
            continue
        headers = {k: val for k, val in v["headers"]}
        auth_header = next(val for k, val in v["headers"] if k.lower() == "authorization")
        scope = auth_header.split("Credential=")[1].split(",")[0].split("/")
        signed = auth_header.split("SignedHeaders=")[1].split(",")[0].split(";")
        host = next(val for k, val in v["headers"] if k.lower() == "host")
        scheme = "http" if host.startswith("localhost:") else "https"
        keep = {k: val for k, val in headers.items() if k.lower() in signed and k.lower() not in ("host", "x-amz-date")}
        when = dt.datetime.strptime(v["server_time"], "%Y%m%dT%H%M%SZ")
        monkeypatch.setattr(botocore.auth, "datetime", _frozen(when))
        req = AWSRequest(method=v["method"], url=f"{scheme}://{host}{v['target']}",
                         data=base64.b64decode(v["body_b64"]), headers=keep)
        SigV4Auth(Credentials(akid, secret), scope[3], scope[2]).add_auth(req)
        assert req.headers["Authorization"] == auth_header, v["name"]
        checked += 1
    assert checked >= 15

"""The ledger audit at the end of a round (checkers/ledger.py does the
judging): per-node digests from /status, GetDigest, history() of every table
the workload wrote, and a GetRevision proof for acknowledged revisions."""
import base64
import random

from .checkers import ledger as checker
from .workloads.client import make_driver


def _address_text(a):
    return f'{{strandId:"{a["strandId"]}",sequenceNo:{a["sequenceNo"]}}}'


def audit(cluster, ledger, workload, ops, endpoint, max_proofs, seed):
    import boto3
    from amazon.ion.simpleion import loads
    anomalies = []
    digests = cluster.digests(ledger)
    anomalies += checker.check_digests(digests, cluster.names)

    qldb = boto3.session.Session().client("qldb", endpoint_url=endpoint)
    got = qldb.get_digest(Name=ledger)
    digest = bytes(got["Digest"])
    tip_text = got["DigestTipAddress"]["IonText"]
    tip = loads(tip_text)
    status_tips = {v[0] for v in digests.values()}
    status_digests = {v[1] for v in digests.values()}
    if status_tips != {tip["sequenceNo"]} or not status_digests & {digest.hex(), base64.b64encode(digest).decode()}:
        anomalies.append({"type": "get-digest-disagrees-with-status", "get_digest": [tip["sequenceNo"], digest.hex()],
                          "status": {n: list(v) for n, v in digests.items()}})

    driver = make_driver(ledger, endpoint)
    rows = []
    for table in workload.tables:
        rows += driver.execute_lambda(lambda tx, t=table: list(tx.execute_statement(f"SELECT * FROM history({t})")))
    writes = workload.writes(ops)
    revision_ops = [str(r["data"]["op"]) for r in rows if "data" in r and "op" in r["data"]]
    anomalies += checker.check_write_counts(revision_ops, writes)
    anomalies += checker.check_block_times(rows)

    acked = {op_id for op_id, (kind, _) in writes.items() if kind == "ok"}
    to_prove = [r for r in rows if "data" in r and str(r["data"].get("op")) in acked]
    if len(to_prove) > max_proofs:
        to_prove = random.Random(seed).sample(to_prove, max_proofs)
    for r in to_prove:
        answer = qldb.get_revision(Name=ledger, BlockAddress={"IonText": _address_text(r["blockAddress"])},
                                   DocumentId=str(r["metadata"]["id"]), DigestTipAddress={"IonText": tip_text})
        revision = loads(answer["Revision"]["IonText"])
        proof = loads(answer["Proof"]["IonText"])
        if bytes(revision["hash"]) != bytes(r["hash"]):
            anomalies.append({"type": "history-hash-differs-from-get-revision", "op": str(r["data"]["op"]),
                              "address": _address_text(r["blockAddress"])})
        anomalies += checker.check_proof(revision, proof, digest)
    driver.close()
    return {"valid": not anomalies, "anomalies": anomalies, "revisions": len(rows), "proved": len(to_prove),
            "acknowledged_writes": len(acked), "tip": tip["sequenceNo"]}

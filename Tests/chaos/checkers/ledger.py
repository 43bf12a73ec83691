"""The ledger's own guarantees, from what the nodes and the journal say:
every node reports the same digest at the same tip; each acknowledged write
shows up in history() exactly as many times as it wrote revisions, a write
that certainly failed not at all, an unknown one all-or-nothing; and every
acknowledged revision's hash folds through its GetRevision proof to the final
digest (and recomputes from its metadata and data)."""
import hashlib


def dot(a, b):
    """QLDB's hash join (the published verifier's order: compare as signed bytes from the end)."""
    if not a:
        return b
    if not b:
        return a
    for x, y in zip(reversed(a), reversed(b)):
        sx, sy = (x - 256 if x > 127 else x), (y - 256 if y > 127 else y)
        if sx != sy:
            return hashlib.sha256(a + b if sx < sy else b + a).digest()
    return hashlib.sha256(b + a).digest()


def fold(start, proof):
    acc = bytes(start)
    for p in proof:
        acc = dot(acc, bytes(p))
    return acc


def check_digests(digests, expected_nodes):
    """`digests`: node -> (tip sequenceNo, digest hex) from each node's /status."""
    anomalies = []
    missing = sorted(set(expected_nodes) - set(digests))
    if missing:
        anomalies.append({"type": "node-missing-ledger", "nodes": missing})
    if len(set(digests.values())) > 1:
        anomalies.append({"type": "digest-mismatch", "digests": {n: list(v) for n, v in digests.items()}})
    return anomalies


def check_write_counts(revision_ops, writes):
    """`revision_ops`: the op id of every revision in history() (one entry per revision).
    `writes`: op id -> (completion type, revisions it writes when it happens)."""
    seen = {}
    for op_id in revision_ops:
        seen[op_id] = seen.get(op_id, 0) + 1
    anomalies = []
    for op_id, (kind, expected) in writes.items():
        n = seen.get(op_id, 0)
        if kind == "ok" and n != expected:
            anomalies.append({"type": "acknowledged-write-lost" if n < expected else "acknowledged-write-duplicated",
                              "op": op_id, "revisions": n, "expected": expected})
        elif kind == "fail" and n:
            anomalies.append({"type": "failed-write-visible", "op": op_id, "revisions": n})
        elif kind == "info" and n not in (0, expected):
            anomalies.append({"type": "partial-write", "op": op_id, "revisions": n, "expected": expected})
    for op_id in sorted(set(seen) - set(writes) - {"init"}):
        anomalies.append({"type": "unknown-write", "op": op_id, "revisions": seen[op_id]})
    return anomalies


def revision_hash(revision):
    """dot(H(metadata), H(data)) with Amazon's ion-hash, or None if ionhash is unavailable."""
    try:
        from amazon.ion.simpleion import loads, dumps
        from ionhash.hasher import hashlib_hash_function_provider
    except ImportError:
        return None
    provider = hashlib_hash_function_provider("SHA256")

    def h(value):
        return loads(dumps(value, binary=True)).ion_hash(hash_function_provider=provider)

    meta = h(revision["metadata"])
    if "data" in revision:
        return dot(meta, h(revision["data"]))
    return meta


def check_proof(revision, proof, digest):
    """One GetRevision answer (parsed Ion) against the final digest."""
    anomalies = []
    stated = bytes(revision["hash"])
    computed = revision_hash(revision)
    if computed is not None and computed != stated:
        anomalies.append({"type": "revision-hash-mismatch", "address": str(revision.get("blockAddress")),
                          "stated": stated.hex(), "computed": computed.hex()})
    if fold(stated, proof) != bytes(digest):
        anomalies.append({"type": "proof-does-not-fold", "address": str(revision.get("blockAddress")),
                          "hash": stated.hex(), "digest": bytes(digest).hex()})
    return anomalies


def check_block_times(rows):
    """Transaction times never go backwards along the journal, whatever a node's clock did.
    `rows`: history() rows (blockAddress, metadata.txTime as datetime)."""
    times = {r["blockAddress"]["sequenceNo"]: r["metadata"]["txTime"] for r in rows if "blockAddress" in r}
    by_seq = sorted(times.items(), key=lambda x: x[0])
    anomalies = []
    for (s1, t1), (s2, t2) in zip(by_seq, by_seq[1:]):
        if t2 < t1:
            anomalies.append({"type": "block-time-went-back", "from": [s1, str(t1)], "to": [s2, str(t2)]})
    return anomalies

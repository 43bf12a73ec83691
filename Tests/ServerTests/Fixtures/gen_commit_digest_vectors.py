#!/usr/bin/env python3
"""Generates commit_digest_vectors.json: PROTOCOL.md §1.7.5 V1-V6 as wire data.

Run: .venv/bin/python Tests/ServerTests/Fixtures/gen_commit_digest_vectors.py
Parameters are encoded exactly as pyqldb puts them on the wire
(`amazon.ion.simpleion.dumps(value)`, binary), and the digest is computed by
pyqldb's own QldbHash the way `Transaction._update_hash` does; the script checks
it against the values printed in PROTOCOL.md before writing.
"""
import base64
import json
import os

from amazon.ion.simpleion import dumps, loads
from pyqldb.util.qldb_hash import QldbHash

VECTORS = [
    ("V1", "txn1", [("INSERT INTO T ?", ["{a: 1}"])],
     "c359fc0833f7de92281380370ee02fffa776d2de3573e7337d01b26b24d1f6be"),
    ("V2", "txn1", [("SELECT * FROM T", [])],
     "1c72be8eeb4cbbdc549d76887463a808405ea091557c593067974bee70e67397"),
    ("V3", "txn1", [],
     "ef8d10a295a3798aa8eddf381c97ee85ee1a9b3c0c79fb2f2be2ac43dbf94f2e"),
    ("V4", "5PLf9SXwndd63lPaSIa0O6", [
        ("CREATE TABLE Person", []),
        ("INSERT INTO Person ?", ['{name:"Alice",age:30,tags:["x","y"]}']),
        ("UPDATE Person SET age = ? WHERE name = ?", ["31", '"Alice"']),
    ], "7759e4769e35e2f41394da0ee1cb15f3befbdb710932c5d33938cb4e4db1a7cb"),
    ("V5", "txn1", [
        ("INSERT INTO T ?", ['{s:"str",i:-42,big:123456789012345678901234567890,d:12.50,f:1.5e0,b:true,n:null,'
                             'ts:2021-02-03T04:05:06.789Z,bl:{{aGVsbG8=}},sym:abc,l:[1,2,3]}']),
        ("SELECT * FROM T WHERE i = ? AND d = ?", ["-42", "12.50"]),
    ], "3b48e4e499af7a7fb1925a8375c3a6d022950d97d9a9d3c36ed5bddde8a9cb73"),
    ("V6", "txn1", [
        ("INSERT INTO T ?", ['{name:"Zo\u00eb \u2713", nested:{x:{y:[1,{z:null.int}]}}, ann:tag::5}']),
    ], "bc6a83bdb89a25450635cd3b075912ffb3ab54ef283accd9aa9760f57a19d0c6"),
]


def main():
    out = []
    for name, txid, statements, expected in VECTORS:
        h = QldbHash.to_qldb_hash(txid)
        wire = []
        for text, params in statements:
            values = [loads(p) for p in params]
            sh = QldbHash.to_qldb_hash(text)
            for v in values:
                sh = sh.dot(QldbHash.to_qldb_hash(v))
            h = h.dot(sh)
            wire.append({"Statement": text,
                         "Parameters": [{"IonBinary": base64.b64encode(dumps(v)).decode()} for v in values]})
        digest = h.get_qldb_hash().hex()
        assert digest == expected, (name, digest, expected)
        out.append({"name": name, "transaction_id": txid, "statements": wire, "commit_digest_hex": digest,
                    "commit_digest_b64": base64.b64encode(bytes.fromhex(digest)).decode()})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "commit_digest_vectors.json")
    with open(path, "w") as f:
        json.dump({"generator": "Tests/ServerTests/Fixtures/gen_commit_digest_vectors.py", "vectors": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

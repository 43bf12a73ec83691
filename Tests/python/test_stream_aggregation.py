"""KinesisConfiguration.AggregationEnabled against a real node: a stream left at QLDB's default (aggregated) and
one with aggregation off deliver the same ledger; `aws-kinesis-agg` (PyPI 1.2.3) de-aggregates the first into
exactly the records of the second."""
import base64
import json
import pathlib
import time

import boto3
import pytest
from amazon.ion import simpleion
from aws_kinesis_agg.deaggregator import deaggregate_records, iter_deaggregate_records
from pyqldb.driver.qldb_driver import QldbDriver

from cluster_support import create_ledger
from conftest import environment, run_single_node

AGGREGATED = "arn:aws:kinesis:us-east-1:000000000000:stream/aggregated"
PLAIN = "arn:aws:kinesis:us-east-1:000000000000:stream/plain"
ROLE = "arn:aws:iam::000000000000:role/stream"


@pytest.fixture(scope="module")
def node(tally_bin, tmp_path_factory):
    work = tmp_path_factory.mktemp("aggregation")
    config = f'''
[streams]
[[streams.sinks]]
stream = "{AGGREGATED}"
file = "aggregated.json"
[[streams.sinks]]
stream = "{PLAIN}"
file = "plain.ion"
'''
    yield from run_single_node(tally_bin, work, config)


def lambda_event_records(path):
    """The sink's lines (PutRecords entries) as the Kinesis records a Lambda consumer receives."""
    out = []
    for i, line in enumerate(path.read_text().splitlines()):
        entry = json.loads(line)
        out.append({"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": entry["PartitionKey"],
                                "sequenceNumber": str(i), "data": entry["Data"], "approximateArrivalTimestamp": 0}})
    return out


def test_deaggregated_records_equal_the_plain_stream(node):
    with environment(node):
        create_ledger("agg")
        driver = QldbDriver(ledger_name="agg")
        driver.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE Cars"))
        for i in range(4):
            driver.execute_lambda(lambda tx, i=i: tx.execute_statement("INSERT INTO Cars ?", {"VIN": f"V{i}", "n": i}))
        driver.execute_lambda(lambda tx: [tx.execute_statement("INSERT INTO Cars ?", {"VIN": f"M{j}", "blob": b"x" * 3000})
                                          for j in range(3)])
        qldb = boto3.client("qldb")
        aggregated = qldb.stream_journal_to_kinesis(  # AggregationEnabled left out: QLDB's default is true
            LedgerName="agg", RoleArn=ROLE, InclusiveStartTime=1_600_000_000, StreamName="aggregated",
            KinesisConfiguration={"StreamArn": AGGREGATED})["StreamId"]
        plain = qldb.stream_journal_to_kinesis(
            LedgerName="agg", RoleArn=ROLE, InclusiveStartTime=1_600_000_000, StreamName="plain",
            KinesisConfiguration={"StreamArn": PLAIN, "AggregationEnabled": False})["StreamId"]
        described = qldb.describe_journal_kinesis_stream(LedgerName="agg", StreamId=aggregated)["Stream"]
        assert described["KinesisConfiguration"]["AggregationEnabled"] is True
        driver.execute_lambda(lambda tx: tx.execute_statement("UPDATE Cars SET n = 9 WHERE VIN = 'V0'"))
        driver.close()

    sinks = pathlib.Path(node["TALLY_WORK"]) / "data/streams"
    # CREATED; 7 blocks (CREATE TABLE: summary only; 4 single inserts; 3 inserts; 1 update) with 8 user revisions
    expected = 1 + 7 + 8
    deadline = time.monotonic() + 30
    while True:
        plain_lines = (sinks / "plain.ion").read_text().splitlines() if (sinks / "plain.ion").exists() else []
        kinesis = lambda_event_records(sinks / "aggregated.json") if (sinks / "aggregated.json").exists() else []
        user = deaggregate_records(kinesis)
        if len(plain_lines) >= expected and len(user) >= expected:
            break
        assert time.monotonic() < deadline, f"{len(plain_lines)} plain and {len(user)} de-aggregated records"
        time.sleep(0.1)

    assert len(plain_lines) == expected and len(user) == expected
    assert len(kinesis) < len(user), "several user records share a Kinesis record"
    assert all(r["kinesis"]["aggregated"] for r in user), "every record came out of a KPL aggregate (magic + MD5 ok)"
    assert {r["kinesis"]["partitionKey"] for r in user} == {aggregated}
    assert [r["kinesis"]["subSequenceNumber"] for r in user if r["kinesis"]["sequenceNumber"] == "0"][:2] == [0, 1]
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in user]
    # Byte for byte the plain stream's records; only the stream's own ARN (its id) differs.
    assert [d.replace(aggregated, plain) for d in data] == plain_lines
    values = [simpleion.loads(d) for d in data]
    assert [v["recordType"] for v in values][:3] == ["CONTROL", "BLOCK_SUMMARY", "BLOCK_SUMMARY"]
    assert sum(v["recordType"] == "REVISION_DETAILS" for v in values) == 8
    # The generator form agrees.
    assert [r["kinesis"]["data"] for r in iter_deaggregate_records(kinesis)] == [r["kinesis"]["data"] for r in user]


    # A flipped byte breaks the MD5 trailer: the library passes that Kinesis record through untouched
    # instead of yielding wrong user records.
    raw = bytearray(base64.b64decode(kinesis[0]["kinesis"]["data"]))
    raw[40] ^= 0x01
    kinesis[0]["kinesis"]["data"] = base64.b64encode(bytes(raw)).decode()
    out = deaggregate_records(kinesis[:1])
    assert len(out) == 1 and "aggregated" not in out[0]["kinesis"]

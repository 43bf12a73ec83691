"""StreamJournalToKinesis through boto3 against a real node: client-chosen
paths and URLs are refused and create nothing; an ARN the operator mapped in
`[streams]` delivers records to its file under the stream root."""
import pathlib
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from cluster_support import create_ledger
from conftest import environment, run_single_node

CONFIGURED = "arn:aws:kinesis:us-east-1:000000000000:stream/orders"
ROLE = "arn:aws:iam::000000000000:role/stream"


@pytest.fixture(scope="module")
def node(tally_bin, tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    config = f'''
[streams]
[[streams.sinks]]
stream = "{CONFIGURED}"
file = "orders.ion"
'''
    yield from run_single_node(tally_bin, work, config)


def start_stream(qldb, arn):
    return qldb.stream_journal_to_kinesis(
        LedgerName="hostile", RoleArn=ROLE, InclusiveStartTime=1_600_000_000, StreamName="s",
        KinesisConfiguration={"StreamArn": arn, "AggregationEnabled": False})


def test_client_paths_are_refused_and_configured_arns_deliver(node, tmp_path):
    with environment(node):
        create_ledger("hostile")
        qldb = boto3.client("qldb")

        victim = tmp_path / "x"
        metrics = node["TALLY_METRICS_URL"]
        for hostile in [f"file://{victim}", "file:///tmp/x-tally-hostile",
                        f"{metrics}/admin/transfer-leadership?to=node2",
                        "arn:aws:kinesis:us-east-1:000000000000:stream/not-configured"]:
            with pytest.raises(ClientError) as e:
                start_stream(qldb, hostile)
            err = e.value.response
            assert err["Error"]["Code"] == "InvalidParameterException", hostile
            assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
            assert "KinesisConfiguration.StreamArn" in str(err), err
        assert not victim.exists()
        assert qldb.list_journal_kinesis_streams_for_ledger(LedgerName="hostile")["Streams"] == []

        stream_id = start_stream(qldb, CONFIGURED)["StreamId"]
        sink = pathlib.Path(node["TALLY_WORK"]) / "data/streams/orders.ion"
        deadline = time.monotonic() + 30
        while not (sink.exists() and "CREATED" in sink.read_text()):
            assert time.monotonic() < deadline, "no records delivered"
            time.sleep(0.1)
        described = qldb.describe_journal_kinesis_stream(LedgerName="hostile", StreamId=stream_id)["Stream"]
        assert described["Status"] == "ACTIVE"
        assert "ErrorCause" not in described

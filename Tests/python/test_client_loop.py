"""The client port on its own loop (`[http] client_loop`, the default) and on
the node's loop (`client_loop = false`): the same answers either way — a
session read and write through pyqldb, a streamed multi-page scan, a refused
signature — so both settings stay usable."""
import boto3
import pytest
from botocore.exceptions import ClientError
from pyqldb.driver.qldb_driver import QldbDriver

from conftest import environment, run_single_node
from test_hostile_queries import create_ledger


@pytest.mark.parametrize("client_loop", ["true", "false"])
def test_sessions_work_with_the_client_loop_on_and_off(tally_bin, tmp_path, client_loop):
    for env in run_single_node(tally_bin, tmp_path, f"[http]\nclient_loop = {client_loop}\n"):
        create_ledger(env, "loops", rows=450)  # more than two 200-value pages
        with environment(env):
            d = QldbDriver("loops")
            rows = d.execute_lambda(lambda tx: [r["n"] for r in tx.execute_statement("SELECT n FROM Big")])
            assert rows == list(range(450))
            d.close()
            # The endpoint and CA bundle come from the environment set above.
            bad = boto3.session.Session().client("qldb-session", aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                                 aws_secret_access_key="wrong-secret")
            with pytest.raises(ClientError) as refused:
                bad.send_command(StartSession={"LedgerName": "loops"})
            assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"

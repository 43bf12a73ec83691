"""`tally ledger|shell|digest|verify|export` (the client side of the CLI)
against a real single node (TLS + SigV4), configured only through the AWS
environment variables `tally node` writes — cross-checked with boto3/pyqldb.

Shell error behaviour (documented in Docs/cli.md): a failing statement is
reported on stderr and the script goes on with the next one; the exit status
is 1 when any statement failed."""
import os
import pathlib
import re
import subprocess

import boto3
import pytest
from amazon.ion.simpleion import loads
from conftest import environment
from pyqldb.driver.qldb_driver import QldbDriver


@pytest.fixture(scope="module")
def cli(tally_bin, single_node, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base["HOME"] = str(home)

    def run(*args, env_overrides=None, drop=(), check=None, timeout=120, input=""):
        env = dict(base)
        env.update({k: v for k, v in single_node.items() if k.startswith("AWS_")})
        for k in drop:
            env.pop(k, None)
        env.update(env_overrides or {})
        p = subprocess.run([tally_bin, *args], env=env, capture_output=True, text=True,
                           timeout=timeout, input=input)
        if check is True:
            assert p.returncode == 0, f"tally {' '.join(args)[:300]} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
        elif check is False:
            assert p.returncode != 0, f"tally {' '.join(args)[:300]} unexpectedly succeeded:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
        return p
    return run


def ion_values(text):
    return loads(text, single_value=False) if text.strip() else []


def test_ledger_create_list_describe_delete(cli, single_node):
    out = cli("ledger", "create", "cli-ledger", "--no-deletion-protection", check=True).stdout
    assert re.search(r"^State\s+ACTIVE$", out, re.M), out
    assert re.search(r"^DeletionProtection\s+false$", out, re.M), out
    assert re.search(r"^PermissionsMode\s+STANDARD$", out, re.M), out

    listed = cli("ledger", "list", check=True).stdout
    assert re.search(r"^cli-ledger\s+\|\s+ACTIVE\s+\|", listed, re.M), listed
    cli("ledger", "create", "cli-ledger-2", "--no-deletion-protection", check=True)
    paged = cli("ledger", "list", "--page-size", "1", check=True)  # NextToken followed to the end
    assert paged.stdout == cli("ledger", "list", check=True).stdout
    assert "cli-ledger-2" in paged.stdout and "cli-ledger " in paged.stdout
    cli("ledger", "delete", "cli-ledger-2", check=True)

    described = cli("ledger", "describe", "cli-ledger", check=True).stdout
    assert "arn:aws:qldb:" in described and "cli-ledger" in described

    with environment(single_node):  # the real SDK sees the same ledger
        assert boto3.client("qldb").describe_ledger(Name="cli-ledger")["State"] == "ACTIVE"

    dup = cli("ledger", "create", "cli-ledger", check=False)
    assert "ResourceAlreadyExistsException" in dup.stderr

    cli("ledger", "delete", "cli-ledger", check=True)
    gone = cli("ledger", "describe", "cli-ledger", check=False)
    assert "ResourceNotFoundException" in gone.stderr
    assert "cli-ledger" not in cli("ledger", "list", check=True).stdout


def test_deletion_protection(cli):
    out = cli("ledger", "create", "cli-protected", check=True).stdout  # AWS default: protected
    assert re.search(r"^DeletionProtection\s+true$", out, re.M), out
    refused = cli("ledger", "delete", "cli-protected", check=False)
    assert "ResourcePreconditionNotMetException" in refused.stderr
    assert "ACTIVE" in cli("ledger", "describe", "cli-protected", check=True).stdout
    updated = cli("ledger", "update", "cli-protected", "--no-deletion-protection", check=True).stdout
    assert re.search(r"^DeletionProtection\s+false$", updated, re.M), updated
    cli("ledger", "delete", "cli-protected", check=True)
    cli("ledger", "describe", "cli-protected", check=False)


def test_environment_fallbacks(cli, single_node, tmp_path):
    """AWS_ENDPOINT_URL and a shared credentials file stand in for the specific variables."""
    creds = tmp_path / "credentials"
    creds.write_text("[other]\naws_access_key_id = X\naws_secret_access_key = Y\n\n[default]\n"
                     f"aws_access_key_id = {single_node['AWS_ACCESS_KEY_ID']}\n"
                     f"aws_secret_access_key = {single_node['AWS_SECRET_ACCESS_KEY']}\n")
    endpoint = single_node["AWS_ENDPOINT_URL_QLDB"]
    cli("ledger", "list", check=True,
        drop=("AWS_ENDPOINT_URL_QLDB", "AWS_ENDPOINT_URL_QLDB_SESSION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
        env_overrides={"AWS_ENDPOINT_URL": endpoint, "AWS_SHARED_CREDENTIALS_FILE": str(creds)})
    bad = cli("ledger", "list", check=False, env_overrides={"AWS_SECRET_ACCESS_KEY": "wrong"})
    assert "InvalidSignatureException" in bad.stderr, bad.stderr
    untrusted = cli("ledger", "list", check=False, env_overrides={"AWS_CA_BUNDLE": str(creds)})
    assert "CA bundle" in untrusted.stderr or "certificate" in untrusted.stderr, untrusted.stderr


@pytest.fixture(scope="module")
def cars(cli):
    cli("ledger", "create", "cli-cars", "--no-deletion-protection", check=True)
    p = cli("shell", "--ledger", "cli-cars", "--execute",
            "CREATE TABLE Cars; CREATE INDEX ON Cars (VIN);"
            "INSERT INTO Cars VALUE {'VIN': 'V1', 'make': 'Tesla', 'year': 2020};"
            "SELEC * FROM Cars;"  # a syntax error: reported, and the script goes on
            "INSERT INTO Cars << {'VIN': 'V2', 'make': 'Ford; Fiesta'}, {'VIN': 'V3'} >>;"
            "SELECT VIN, make FROM Cars AS c WHERE c.VIN = 'V1'")
    return p


def test_shell_execute(cars, cli):
    assert cars.returncode == 1, cars.stderr  # one statement failed
    assert "BadRequestException" in cars.stderr and "Syntax error" in cars.stderr, cars.stderr
    values = ion_values(cars.stdout)
    assert len(values) == 2 + 1 + 2 + 1  # tableId, tableId, documentId, 2 documentIds, the selected row
    assert "tableId" in values[0] and "documentId" in values[2]
    assert dict(values[-1]) == {"VIN": "V1", "make": "Tesla"}

    # the statements after the error ran: V2 and V3 exist; ';' inside a string did not split
    p = cli("shell", "--ledger", "cli-cars", "-e", "SELECT VIN, make FROM Cars ORDER BY VIN", check=True)
    rows = sorted((dict(v) for v in ion_values(p.stdout)), key=lambda r: r["VIN"])
    assert rows == [{"VIN": "V1", "make": "Tesla"}, {"VIN": "V2", "make": "Ford; Fiesta"}, {"VIN": "V3"}]

    table = cli("shell", "--ledger", "cli-cars", "--format", "table", "-e",
                "SELECT VIN, make FROM Cars WHERE VIN = 'V2'", check=True).stdout.splitlines()
    assert re.match(r"VIN\s+\|\s+make", table[0]), table
    assert re.match(r"V2\s+\|\s+Ford; Fiesta", table[2]), table


def test_shell_result_paging(cars, cli):
    """A result larger than one page (200 values) comes back whole through FetchPage."""
    # QLDB allows 40 documents per transaction: 12 auto-committed INSERTs
    inserts = ["INSERT INTO Big << " + ", ".join(f"{{'k': {i}, 'pad': '{'x' * 40}'}}"
                                                for i in range(start, min(start + 40, 450))) + " >>"
               for start in range(0, 450, 40)]
    cli("shell", "--ledger", "cli-cars", "-e", "CREATE TABLE Big; " + "; ".join(inserts), check=True)
    p = cli("shell", "--ledger", "cli-cars", "-e", "SELECT VALUE k FROM Big", check=True)
    assert sorted(ion_values(p.stdout)) == list(range(450))
    assert "450 document(s)" in p.stderr


def test_shell_reads_what_pyqldb_writes_and_back(cars, cli, single_node):
    with environment(single_node):
        driver = QldbDriver(ledger_name="cli-cars")
        driver.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO Cars ?", {"VIN": "P1", "n": 7}))
        seen = driver.execute_lambda(lambda tx: [dict(r) for r in tx.execute_statement(
            "SELECT VIN FROM Cars WHERE VIN = 'V3'")])
        driver.close()
    assert seen == [{"VIN": "V3"}]
    p = cli("shell", "--ledger", "cli-cars", "-e", "SELECT * FROM Cars WHERE VIN = 'P1'", check=True)
    assert [dict(v) for v in ion_values(p.stdout)] == [{"VIN": "P1", "n": 7}]


def test_shell_explicit_transactions_from_file_and_stdin(cars, cli, tmp_path):
    script = tmp_path / "script.sql"
    script.write_text("""
        -- abandoned: nothing of it stays
        BEGIN;
        INSERT INTO Cars VALUE {'VIN': 'X1'};
        ABORT;
        /* committed, with a failed statement inside (it stays in the digest on both sides) */
        BEGIN;
        INSERT INTO Cars VALUE {'VIN': 'X2'};
        NOT A STATEMENT;
        INSERT INTO Cars
          VALUE {'VIN': 'X3'};
        COMMIT;
    """)
    p = cli("shell", "--ledger", "cli-cars", "--file", str(script), check=False)
    assert p.returncode == 1 and "still open" in p.stderr, p.stderr
    assert "committed" in p.stderr
    p = cli("shell", "--ledger", "cli-cars", "-e", "SELECT VALUE VIN FROM Cars WHERE VIN IN ['X1', 'X2', 'X3']",
            check=True)
    assert sorted(ion_values(p.stdout)) == ["X2", "X3"]

    # standard input (not a terminal): statements spanning lines, the last one without ';'
    p = cli("shell", "--ledger", "cli-cars", "--format", "table", check=True,
            input="SELECT VIN\n  FROM Cars\n  WHERE VIN = 'X2';\nSELECT COUNT(*) AS n FROM Cars WHERE VIN = 'X3'\n")
    lines = p.stdout.splitlines()
    assert lines[0].strip() == "VIN" and lines[2].strip() == "X2", lines
    assert lines[3].strip() == "n" and lines[5].strip() == "1", lines


def committed(cli, ledger, table, vin):
    p = cli("shell", "--ledger", ledger, "-e",
            f"SELECT r.blockAddress, r.metadata.id FROM _ql_committed_{table} AS r WHERE r.data.VIN = '{vin}'",
            check=True)
    [row] = ion_values(p.stdout)
    address = row["blockAddress"]
    return f'{{strandId:"{address["strandId"]}",sequenceNo:{address["sequenceNo"]}}}', row["id"]


def test_digest_and_verify(cars, cli, single_node, tmp_path):
    address, doc_id = committed(cli, "cli-cars", "Cars", "V1")
    saved = tmp_path / "digest.ion"
    out = cli("digest", "--ledger", "cli-cars", "--save", str(saved), check=True).stdout
    digest_hex = re.search(r"Digest \(hex\):\s+([0-9a-f]{64})", out).group(1)
    with environment(single_node):  # the real SDK agrees on the digest
        d = boto3.client("qldb").get_digest(Name="cli-cars")
    assert d["Digest"].hex() == digest_hex
    assert digest_hex in saved.read_text()

    # later writes: the saved digest still proves the old revision and block
    cli("shell", "--ledger", "cli-cars", "-e", "INSERT INTO Cars VALUE {'VIN': 'LATER'}; "
        "UPDATE Cars SET make = 'Changed' WHERE VIN = 'V1'", check=True)

    rev = cli("verify", "--digest", str(saved), "--document-id", doc_id, "--block-address", address, check=True).stdout
    assert "VERIFIED" in rev and "revision hash recomputed" in rev and digest_hex in rev, rev
    block = cli("verify", "--digest", str(saved), "--block-address", address, check=True).stdout
    assert "VERIFIED" in block and "block hash recomputed" in block, block
    first_block = re.sub(r"sequenceNo:\d+", "sequenceNo:0", address)
    cli("verify", "--digest", str(saved), "--block-address", first_block, check=True)

    # JSON digest files work too
    saved_json = tmp_path / "digest.json"
    cli("digest", "--ledger", "cli-cars", "--save", str(saved_json), check=True)
    cli("verify", "--digest", str(saved_json), "--block-address", address, "--document-id", doc_id, check=True)

    # one flipped hex digit in the saved digest: both checks fail, clearly
    text = saved.read_text()
    i = text.index(digest_hex) + 10
    tampered = tmp_path / "tampered.ion"
    tampered.write_text(text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1:])
    for extra in (["--document-id", doc_id], []):
        bad = cli("verify", "--digest", str(tampered), "--block-address", address, *extra, check=False)
        assert bad.returncode == 1
        assert "VERIFICATION FAILED" in bad.stdout and "saved digest" in bad.stdout, bad.stdout
        assert "VERIFIED" not in bad.stdout

    # a document that is not in that block, and a block past the saved tip
    _, other_id = committed(cli, "cli-cars", "Cars", "LATER")
    wrong = cli("verify", "--digest", str(saved), "--document-id", other_id, "--block-address", address, check=False)
    assert wrong.returncode != 0 and "VERIFIED" not in wrong.stdout
    later_address, _ = committed(cli, "cli-cars", "Cars", "LATER")
    past = cli("verify", "--digest", str(saved), "--block-address", later_address, check=False)
    assert past.returncode == 1 and "not covered by the saved digest" in past.stdout


def test_export(cars, cli, single_node):
    p = cli("export", "--ledger", "cli-cars", "--start", "2020-01-01T00:00:00Z", "--end", "now",
            "--bucket", "cli-bucket", "--prefix", "journal/run1", check=True)
    export_id = re.search(r"ExportId: (\w{22})", p.stdout).group(1)
    assert "Status:   COMPLETED" in p.stdout
    assert "s3://cli-bucket/journal/run1/" in p.stdout
    directory = pathlib.Path(single_node["TALLY_WORK"]) / "data/exports/cli-bucket/journal/run1"
    assert (directory / f"{export_id}.started.manifest").exists()
    [completed] = list(directory.glob(f"{export_id}.*.completed.manifest"))
    keys = loads(completed.read_text())["keys"]
    assert keys and all((directory / k).exists() for k in keys)
    blocks = []
    for k in keys:
        blocks += loads((directory / k).read_bytes(), single_value=False)
    assert any(r.get("data", {}).get("VIN") == "V1" for b in blocks for r in b.get("revisions", []))

    bad = cli("export", "--ledger", "cli-cars", "--bucket", "x", check=False)  # bucket too short
    assert "InvalidParameterException" in bad.stderr

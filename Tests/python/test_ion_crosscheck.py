"""Cross-checks Tally's Ion codec and Ion Hash against the reference Python
implementations (amazon.ion 0.9.3, ionhash 1.2.1): not our code checking itself."""
import random
import subprocess
from decimal import Decimal

import amazon.ion.simpleion as ion
import ionhash  # noqa: F401  (registers ion_hash on simpleion values)
from amazon.ion.core import Timestamp, TimestampPrecision
from datetime import timedelta, timezone


def random_value(rng, depth=0):
    kinds = ["int", "bigint", "str", "decimal", "float", "bool", "null", "ts", "blob", "sym"]
    if depth < 3:
        kinds += ["list", "struct", "struct"]
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.randint(-10**6, 10**6)
    if kind == "bigint":
        return rng.randint(-10**30, 10**30)
    if kind == "str":
        return "".join(rng.choice("abcxyz Zoë✓\u00e9\u4e2d\n\"'\\") for _ in range(rng.randint(0, 12)))
    if kind == "decimal":
        return Decimal(rng.randint(-10**8, 10**8)).scaleb(-rng.randint(0, 6))
    if kind == "float":
        return rng.choice([0.0, -1.5, 3.25e10, 1e-300, rng.random()])
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "null":
        return None
    if kind == "ts":
        tz = timezone(timedelta(minutes=rng.choice([0, 60, -330, 345])))
        return Timestamp(2000 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28),
                         rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                         rng.randint(0, 999) * 1000, tzinfo=tz, precision=TimestampPrecision.SECOND,
                         fractional_precision=3)
    if kind == "blob":
        return ion.IonPyBytes.from_value(ion.IonType.BLOB, bytes(rng.randrange(256) for _ in range(rng.randint(0, 20))))
    if kind == "sym":
        return ion.IonPySymbol.from_value(ion.IonType.SYMBOL, rng.choice(["abc", "sym_1", "with space", "$ion"]))
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {f"f{i}": random_value(rng, depth + 1) for i in range(rng.randint(0, 5))}


def make_values(count=200, seed=7):
    rng = random.Random(seed)
    return [random_value(rng) for _ in range(count)]


def assert_tally_hashes(tally_bin, path, values):
    """`tally ion hash PATH` prints the reference's SHA-256 Ion Hash of each value."""
    reference = [ion.loads(ion.dumps(v)).ion_hash("SHA256").hex() for v in values]
    out = subprocess.run([tally_bin, "ion", "hash", str(path)], capture_output=True, text=True, check=True)
    ours = out.stdout.split()
    assert len(ours) == len(reference)
    mismatches = [i for i, (a, b) in enumerate(zip(ours, reference)) if a != b]
    assert mismatches == [], f"hash differs for values {mismatches[:5]}: {[values[i] for i in mismatches[:3]]}"


def test_ion_hash_matches_reference(tally_bin, tmp_path):
    values = make_values()
    path = tmp_path / "values.ion"
    path.write_text("\n".join(ion.dumps(v, binary=False, omit_version_marker=True) for v in values))
    assert_tally_hashes(tally_bin, path, values)


def test_ion_hash_of_binary_matches_reference(tally_bin, tmp_path):
    """`tally ion hash` hashes binary input from its bytes (no values built):
    the reference writer's encoding choices must not change a digest."""
    values = make_values(count=300, seed=23)
    path = tmp_path / "values.10n"
    path.write_bytes(ion.dumps(values, binary=True, sequence_as_stream=True))
    assert_tally_hashes(tally_bin, path, values)
    # A stream that ends inside a value (a 4-byte string with 1 byte) is refused, naming the file.
    path.write_bytes(path.read_bytes() + bytes([0x84, 0x61]))
    bad = subprocess.run([tally_bin, "ion", "hash", str(path)], capture_output=True, text=True)
    assert bad.returncode != 0 and "values.10n" in bad.stderr, bad.stderr


def test_binary_written_by_tally_reads_in_reference(tally_bin, tmp_path):
    values = make_values(seed=11)
    path = tmp_path / "values.10n"
    path.write_bytes(ion.dumps(values, binary=True, sequence_as_stream=True))
    out = subprocess.run([tally_bin, "ion", "cat", "--binary", str(path)], capture_output=True, check=True)
    back = ion.loads(out.stdout, single_value=False)
    assert [ion.dumps(v) for v in back] == [ion.dumps(v) for v in ion.loads(path.read_bytes(), single_value=False)]


def test_text_written_by_tally_reads_in_reference(tally_bin, fixtures_dir, tmp_path):
    source = fixtures_dir / "ion/good/structs.ion"
    for flag in ["--text", "--pretty"]:
        out = subprocess.run([tally_bin, "ion", "cat", flag, str(source)], capture_output=True, check=True)
        ours = ion.loads(out.stdout, single_value=False)
        reference = ion.loads(source.read_bytes(), single_value=False)
        assert [v.ion_hash("SHA256") for v in ours] == [v.ion_hash("SHA256") for v in reference]


def test_malformed_input_is_reported_with_position(tally_bin, tmp_path):
    path = tmp_path / "bad.ion"
    path.write_text("{a: 1,\n  b: [1, 2}\n")
    out = subprocess.run([tally_bin, "ion", "cat", str(path)], capture_output=True, text=True)
    assert out.returncode != 0
    assert "line 2" in out.stderr, out.stderr

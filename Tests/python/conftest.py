import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("TALLY_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def tally_bin():
    path = os.environ.get("TALLY_BIN")
    if not path:
        path = subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip() + "/tally"
    assert os.path.exists(path), f"tally binary not built at {path}"
    return path


@pytest.fixture(scope="session")
def shared_dir():
    return SHARED

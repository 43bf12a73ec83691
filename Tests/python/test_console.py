"""The web console (`https://HOST:CLIENT_PORT/console/`) in a real browser: Debian's
chromium, headless, driven by Selenium through chromium-driver, against a real
three-node cluster. Screenshots go to $TMPDIR/tally-console-artifacts (printed).

Skipped, with the reason, only when chromium or chromium-driver cannot start
(scripts/setup-deps installs both)."""
import json
import os
import pathlib
import re
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
from selenium.common.exceptions import StaleElementReferenceException

from cluster_support import LocalCluster
from conftest import FIXTURES

ARTIFACTS = pathlib.Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "tally-console-artifacts"
LEDGER = "console-cars"


def start_browser(download_dir):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        pytest.skip(f"selenium is not installed ({e}); run scripts/setup-deps")
    chromium = shutil.which("chromium")
    driver_bin = shutil.which("chromedriver")
    if not chromium or not driver_bin:
        pytest.skip("chromium / chromium-driver not installed; run scripts/setup-deps")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,800", "--disable-background-networking", "--no-first-run"):
        options.add_argument(arg)
    # The cluster's certificates come from a throwaway CA the browser does not know.
    options.accept_insecure_certs = True
    options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                              "download.prompt_for_download": False})
    try:
        return webdriver.Chrome(service=Service(executable_path=driver_bin), options=options)
    except Exception as e:  # noqa: BLE001 - any start failure means no browser here
        pytest.skip(f"chromium could not start under chromedriver: {e}")


@pytest.fixture(scope="module")
def cluster(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("console-cluster"))
    c.up()
    try:
        c.wait(c.leader, what="a leader")
        yield c
    finally:
        c.down()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {ARTIFACTS}")
    downloads = tmp_path_factory.mktemp("downloads")
    b = start_browser(downloads)
    b.downloads = downloads
    b.set_script_timeout(120)
    try:
        yield b
    finally:
        b.quit()


def shot(browser, name):
    path = ARTIFACTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def wait_for(browser, css, timeout=30, text=None):
    """The first element matching `css` (whose text contains `text`, if given)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        for el in browser.find_elements("css selector", css):
            try:
                if el.is_displayed() and (text is None or text in el.text):
                    return el
                last = el.text
            except Exception:  # noqa: BLE001 - element replaced while we looked
                pass
        time.sleep(0.1)
    errors = [e.text for e in browser.find_elements("css selector", ".error")]
    raise AssertionError(f"{css} (text {text!r}) not shown within {timeout} s; last text {last!r}; errors {errors}")


def go(browser, base, route):
    browser.get(f"{base}#/{route}")
    wait_for(browser, f"main[data-ready='{route.split('/')[0]}']")


def sign_in(browser, base, key, secret):
    browser.get(base)
    wait_for(browser, "#signin-form")
    browser.find_element("id", "access-key").send_keys(key)
    secret_box = browser.find_element("id", "secret-key")
    secret_box.send_keys(secret)
    secret_box.submit()  # Enter in the form: keyboard only


def set_editor(browser, text):
    editor = browser.find_element("id", "editor")
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", editor, text)
    return editor


def run_statements(browser, text, panels):
    from selenium.webdriver.common.keys import Keys
    editor = set_editor(browser, text)
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        errors = [e.text for e in browser.find_elements("css selector", "#results .error")]
        assert not errors, errors
        if len(browser.find_elements("css selector", "#results .result")) == panels:
            return [e.text for e in browser.find_elements("css selector", "#results .result")]
        time.sleep(0.1)
    raise AssertionError(f"{panels} result panels not shown for {text!r}")


def test_console_end_to_end(cluster, browser, tmp_path):
    env = cluster.env()
    key, secret = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    # A follower serves the page: every call it makes is forwarded to the leader like a driver's.
    leader = cluster.leader()
    node = next(n for n in cluster.names if n != leader)
    origin = f"https://127.0.0.1:{cluster.ports[node]['client']}"
    base = f"{origin}/console/"

    # A wrong secret: the server's own SigV4 check refuses it, and the page says why.
    sign_in(browser, base, key, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    err = wait_for(browser, "#signin-error .error")
    assert "InvalidSignatureException" in err.text and "signature we calculated does not match" in err.text, err.text
    assert browser.execute_script("return sessionStorage.getItem('tally.credentials')") is None
    shot(browser, "01-wrong-secret")

    sign_in(browser, base, key, secret)
    wait_for(browser, "#ledgers-list")
    assert browser.execute_script("return window.isSecureContext && !!crypto.subtle")
    stored = json.loads(browser.execute_script("return sessionStorage.getItem('tally.credentials')"))
    assert stored["accessKeyId"] == key
    assert browser.execute_script("return localStorage.length") == 0  # the secret is in this tab only

    # Create a ledger (deletion protection is on by default).
    assert browser.find_element("id", "new-ledger-protection").is_selected()
    browser.find_element("id", "new-ledger-name").send_keys(LEDGER)
    browser.find_element("id", "create-ledger").click()
    wait_for(browser, "#created-ledger", text="ACTIVE")
    detail = wait_for(browser, "#ledger-detail dl", text="DeletionProtection")
    assert re.search(r"DeletionProtection\s+true", detail.text), detail.text
    wait_for(browser, f"#ledgers-table tr[data-ledger='{LEDGER}']")
    shot(browser, "02-ledgers")

    # Query editor: create a table, insert, update (Ctrl-Enter, auto-commit).
    go(browser, base, "query")
    texts = run_statements(browser, "CREATE TABLE Cars; INSERT INTO Cars VALUE {'VIN': 'V1', 'make': 'Tesla', 'year': 2020}", 2)
    assert re.search(r"write IOs \d+ · server time \d+ ms", texts[1]), texts
    texts = run_statements(browser, "UPDATE Cars SET year = 2021 WHERE VIN = 'V1'", 1)
    # A multi-statement transaction: two statements, then Commit.
    browser.find_element("id", "txn-mode").click()
    run_statements(browser, "INSERT INTO Cars VALUE {'VIN': 'V2', 'make': 'Volvo'}; SELECT VIN FROM Cars", 2)
    wait_for(browser, "#txn-state", text="open")
    browser.find_element("id", "commit").click()
    wait_for(browser, "#notice", text="Committed")
    browser.find_element("id", "txn-mode").click()
    texts = run_statements(browser, "SELECT * FROM Cars WHERE VIN = 'V1'", 1)
    assert "2021" in texts[0] and "Tesla" in texts[0] and re.search(r"read IOs [1-9]", texts[0]), texts
    browser.find_element("id", "view-ion").click()
    ion = wait_for(browser, "#results pre.ion-out").text
    assert "year: 2021" in ion and 'make: "Tesla"' in ion, ion
    history = browser.find_element("id", "history").text
    assert "UPDATE Cars SET year = 2021" in history
    shot(browser, "03-query")

    # Paging: 250 values come in pages of 200; the rest on "More" (or when it scrolls into view).
    # (auto-commit: one transaction per statement, each within QLDB's 40 documents a transaction)
    inserts = "; ".join("INSERT INTO Many << " + ", ".join(f"{{'n': {i}}}" for i in range(k, min(k + 40, 250))) + " >>"
                        for k in range(0, 250, 40))
    browser.find_element("id", "view-table").click()
    run_statements(browser, f"CREATE TABLE Many; {inserts}", 8)
    run_statements(browser, "SELECT n FROM Many", 1)
    first = wait_for(browser, "#stats-0").text
    assert first.startswith(("200 document(s)+", "250 document(s)")), first
    deadline = time.monotonic() + 20
    while "250 document(s) ·" not in browser.find_element("id", "stats-0").text and time.monotonic() < deadline:
        try:  # the button, unless the page already fetched the rest when it scrolled into view
            browser.find_element("css selector", "#results button.more").click()
        except Exception:  # noqa: BLE001 - gone or redrawn meanwhile
            pass
        time.sleep(0.2)
    wait_for(browser, "#stats-0", text="250 document(s) ·")
    assert len(browser.find_elements("css selector", "#table-0 tbody tr")) == 250

    # Tables: counts and indexes; the document's history as a timeline.
    go(browser, base, "tables")
    row = wait_for(browser, "#tables-table tr[data-table='Cars']")
    assert row.find_element("css selector", ".count").text == "2"
    row.find_element("css selector", "a").click()
    doc_row = wait_for(browser, "#documents-table tr", text="Tesla")
    doc_id = doc_row.get_attribute("data-document")
    doc_row.find_element("css selector", "a").click()
    timeline = wait_for(browser, "#history-timeline")
    revisions = timeline.find_elements("css selector", "li.revision")
    assert len(revisions) == 2, timeline.text
    assert "version 0" in revisions[0].text and "version 1" in revisions[1].text
    assert "2021" in revisions[1].text and "2020" in revisions[0].text
    address = revisions[1].find_element("css selector", ".block-address").text
    assert address.startswith("{strandId:"), address
    shot(browser, "04-history")

    # Get digest: the file `tally verify` reads.
    go(browser, base, "digest")
    browser.find_element("id", "get-digest").click()
    digest_text = wait_for(browser, "#digest-file-text").get_attribute("value")
    digest_hex = browser.find_element("id", "digest-hex").text
    assert digest_hex in digest_text
    browser.find_element("id", "download-digest").click()
    deadline = time.monotonic() + 15
    downloaded = []
    while time.monotonic() < deadline:  # Chrome writes a .crdownload and renames it when done
        downloaded = [p.read_text() for p in browser.downloads.glob("*.ion")]
        if digest_text in downloaded:
            break
        time.sleep(0.1)
    assert digest_text in downloaded, (downloaded, list(browser.downloads.iterdir()))
    shot(browser, "05-digest")
    # The CLI accepts the console's digest file for the same revision.
    saved = tmp_path / "console-digest.ion"
    saved.write_text(digest_text)
    cli_env = {**os.environ, **cluster.env(leader)}
    cli = subprocess.run([cluster.bin, "verify", "--digest", str(saved), "--block-address", address,
                          "--document-id", doc_id], capture_output=True, text=True, env=cli_env, timeout=60)
    assert cli.returncode == 0 and "VERIFIED" in cli.stdout, cli.stdout + cli.stderr

    # Verify in the browser: from the timeline's link (address and id filled in), the digest pasted.
    go(browser, base, f"tables/Cars/{doc_id}")
    wait_for(browser, "#history-timeline li.revision")
    browser.find_elements("css selector", "#history-timeline .verify-link")[1].click()
    wait_for(browser, "#verify-form")
    assert browser.find_element("id", "verify-block-address").get_attribute("value") == address
    assert browser.find_element("id", "verify-document-id").get_attribute("value") == doc_id
    box = browser.find_element("id", "verify-digest")
    browser.execute_script("arguments[0].value = arguments[1]", box, digest_text)
    browser.find_element("id", "verify-button").click()
    verdict = wait_for(browser, "#verify-verdict .verdict")
    steps = browser.find_element("id", "verify-steps").text
    assert verdict.get_attribute("data-verdict") == "verified", verdict.text + "\n" + steps
    assert "revision hash recomputed" in steps and "proof step 1/" in steps and digest_hex in steps, steps
    shot(browser, "06-verified")

    # One changed character in the saved digest: not verified.
    i = digest_text.index(digest_hex) + 10
    tampered = digest_text[:i] + ("0" if digest_text[i] != "0" else "1") + digest_text[i + 1:]
    browser.execute_script("arguments[0].value = arguments[1]", box, tampered)
    browser.find_element("id", "verify-button").click()
    deadline = time.monotonic() + 30
    verdict = None
    while time.monotonic() < deadline:
        # The page replaces the verdict while it verifies again: it may be briefly absent.
        found = browser.find_elements("css selector", "#verify-verdict .verdict")
        try:
            if found and found[0].get_attribute("data-verdict") == "not-verified":
                verdict = found[0]
                break
        except StaleElementReferenceException:
            pass
        time.sleep(0.1)
    assert verdict is not None, "no not-verified verdict within 30 s"
    assert "folding the" in verdict.text and "but the saved digest is" in verdict.text, verdict.text
    shot(browser, "07-not-verified")

    # Cluster: three nodes, one leader, the ledger on each; charts fill in.
    go(browser, base, "cluster")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = browser.find_elements("css selector", "#cluster-table tr.node-row")
        if len(rows) == 3 and len(browser.find_elements("css selector", "#chart-latency polyline")) >= 1:
            break
        time.sleep(0.2)
    rows = browser.find_elements("css selector", "#cluster-table tr.node-row")
    assert len(rows) == 3, browser.find_element("id", "cluster-nodes").text
    roles = sorted(r.find_element("css selector", ".role").text for r in rows)
    assert roles == ["follower", "follower", "leader"], roles
    assert LEDGER in browser.find_element("id", "cluster-ledgers").text
    assert browser.find_elements("css selector", "#chart-journal polyline")
    shot(browser, "08-cluster")

    # Every resource came from this node (no external fetches).
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(origin + "/") for u in urls), urls

    # Phone width: no sideways scrolling; the editor still works.
    browser.set_window_size(390, 844)
    go(browser, base, "query")
    run_statements(browser, "SELECT VIN FROM Cars", 1)
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(browser, "09-phone-query")
    go(browser, base, "cluster")
    wait_for(browser, "#cluster-table")
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(browser, "10-phone-cluster")
    browser.set_window_size(1280, 800)


def fetch(url, method="GET", headers=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_console_static_files_and_signed_api(cluster):
    origin = f"https://127.0.0.1:{cluster.ports['node1']['client']}"
    status, headers, body = fetch(origin + "/console/")
    assert status == 200 and b"<title>Tally console</title>" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    # Every file of the console directory is served, byte for byte (the compiled-in table is complete).
    files = pathlib.Path(__file__).resolve().parents[2] / "Sources/Server/Console/Files"
    for f in sorted(p for p in files.rglob("*") if p.is_file()):
        status, headers, body = fetch(origin + "/console/" + f.relative_to(files).as_posix())
        assert status == 200 and body == f.read_bytes(), f
        if f.suffix == ".js":
            assert headers["Content-Type"].startswith("text/javascript")
    # Only the compiled-in files: no traversal, no other methods.
    for path in ("/console/../ledgers", "/console/js/../../etc/passwd", "/console/%2e%2e/x", "/console/nope.js"):
        assert fetch(origin + path)[0] in (403, 404), path
    assert fetch(origin + "/console/", method="POST")[0] == 405
    status, _, body = fetch(origin + "/console")  # redirected to /console/
    assert status == 200 and b"<title>Tally console</title>" in body
    # The cluster view is signed like any call: unsigned → 403 from the server's SigV4 check.
    status, _, body = fetch(origin + "/console/api/cluster")
    assert status == 403 and b"MissingAuthenticationTokenException" in body
    # Signed by botocore's SigV4 (as the console signs it): all three nodes answer.
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    env = cluster.env()
    creds = botocore.credentials.Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    req = botocore.awsrequest.AWSRequest(method="GET", url=origin + "/console/api/cluster")
    botocore.auth.SigV4Auth(creds, "qldb", "us-east-1").add_auth(req)
    status, _, body = fetch(origin + "/console/api/cluster", headers=dict(req.headers))
    assert status == 200, body
    view = json.loads(body)
    assert view["servedBy"] == "node1" and [n["node"] for n in view["nodes"]] == ["node1", "node2", "node3"]
    assert all("role" in n and "metrics" in n for n in view["nodes"]), view


def browser_vectors(cluster, browser, vectors):
    """The console's JS readers and hasher run over `vectors` (Ion Hash test-vector text) on iontest.html."""
    origin = f"https://127.0.0.1:{cluster.ports['node1']['client']}"
    browser.get(origin + "/console/iontest.html")
    wait_for(browser, "#run-vectors")
    for _ in range(50):
        if browser.execute_script("return typeof window.runIonHashVectors === 'function'"):
            break
        time.sleep(0.1)
    results = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.runIonHashVectors(arguments[0]).then(done, e => done({error: String(e)}));", vectors)
    return results  # a list, one result per vector, or {error} when the text does not read


def test_console_ion_hash_matches_tally(cluster, browser, tmp_path):
    """The browser's Ion Hash (the console's JS readers and hasher) equals `tally ion hash`
    on every vector of Tests/Fixtures/ion-hash/ion_hash_tests.ion."""
    vectors = (FIXTURES / "ion-hash/ion_hash_tests.ion").read_text()
    results = browser_vectors(cluster, browser, vectors)
    assert isinstance(results, list), results
    assert len(results) == 167
    errors = [r for r in results if r.get("error")]
    assert not errors, errors[:5]

    # `tally ion hash` of the very same sources: the text of each `ion` field, the bytes of each '10n'.
    texts = [r for r in results if r.get("text") is not None]
    source = tmp_path / "sources.ion"
    source.write_text("\n".join(r["text"] for r in texts) + "\n")
    out = subprocess.run([cluster.bin, "ion", "hash", str(source)], capture_output=True, text=True, check=True).stdout.split()
    assert len(out) == len(texts)
    expected = {r["index"]: h for r, h in zip(texts, out)}
    for r in results:
        if r.get("binary") is not None:
            f = tmp_path / f"vector{r['index']}.10n"
            f.write_bytes(bytes.fromhex("e00100ea" + r["binary"]))
            expected[r["index"]] = subprocess.run([cluster.bin, "ion", "hash", str(f)], capture_output=True, text=True,
                                                  check=True).stdout.strip()
    mismatched = [(r["index"], r.get("name") or r.get("text"), r["sha256"], expected[r["index"]])
                  for r in results if r["sha256"] != expected[r["index"]]]
    assert not mismatched, mismatched
    # The identity streams upstream expects, too (166 vectors have one).
    identity = [r for r in results if r.get("expectedIdentity")]
    assert len(identity) == 166
    assert [r["index"] for r in identity if r["identity"] != r["expectedIdentity"]] == []
    browser.find_element("id", "vectors").send_keys("")  # the page's own button runs the same check
    browser.execute_script("document.getElementById('vectors').value = arguments[0]", vectors)
    browser.find_element("id", "run-vectors").click()
    wait_for(browser, "#vector-results", text="167 vectors, 167 without error", timeout=60)
    shot(browser, "11-ion-hash-vectors")
    print(f"browser Ion Hash matched `tally ion hash` on {len(results)} of {len(results)} vectors "
          f"({len(texts)} text, {len(results) - len(texts)} binary)")


def test_console_reads_blobs_whose_base64_begins_with_slashes(cluster, browser, tmp_path):
    """Regression (CI of stop 27): the JS Ion text reader skipped `//` as a comment inside `{{ }}`, so a
    proof or digest whose base64 began with `//` (a hash whose first 12 bits are set) failed with
    "unterminated blob". Inside a lob only white space separates tokens: the browser's reading and hash
    of each source must equal `tally ion hash`'s, and a comment between clob segments is refused by both."""
    digest = "{{//" + "A" * 41 + "=}}"  # 32 bytes, the shape of a QLDB hash
    sources = ["{{//8=}}", "{{ //8= }}", "{{\n//\n8=\n}}", digest, f"[{digest}, {{{{+//+}}}}, {digest}]",
               "{{ '''//''' '''/*x*/''' }}", '{{ "//" }}', "(a {{//// ////}} b)"]
    vectors = "\n".join(f"{{ion: {src}}}" for src in sources)
    results = browser_vectors(cluster, browser, vectors)
    assert isinstance(results, list), results
    assert [r.get("error") for r in results] == [None] * len(sources), results
    assert [r["text"] for r in results] == sources
    source = tmp_path / "slashes.ion"
    source.write_text("\n".join(sources) + "\n")
    out = subprocess.run([cluster.bin, "ion", "hash", str(source)], capture_output=True, text=True,
                         check=True).stdout.split()
    assert [r["sha256"] for r in results] == out

    refused = "{{ '''a''' // not here\n '''b''' }}"
    refusal = browser_vectors(cluster, browser, f"{{ion: {refused}}}")
    assert "Ion error" in refusal.get("error", ""), refusal
    source.write_text(refused + "\n")
    cli = subprocess.run([cluster.bin, "ion", "hash", str(source)], capture_output=True, text=True)
    assert cli.returncode != 0, cli.stdout

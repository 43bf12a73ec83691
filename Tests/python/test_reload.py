"""SIGHUP on real nodes: a rotated TLS certificate and a changed credentials
file take effect without a restart, without an election and without
dropping the cluster; a broken file is refused and the old one kept."""
import os
import signal
import ssl
import subprocess
import threading
import time

import pytest
from conftest import environment

from cluster_support import LocalCluster, create_ledger, driver


@pytest.fixture(scope="module")
def cluster(tally_bin, tmp_path_factory):
    c = LocalCluster(tally_bin, tmp_path_factory.mktemp("reload"))
    try:
        c.up()
        yield c
    finally:
        c.down()


def rotate_certificate(certs, name):
    """A new key and certificate for `name` from the same CA, swapped in atomically (key first)."""
    key, csr, pem, ext = (certs / f"{name}.new.{s}" for s in ("key", "csr", "pem", "ext"))
    subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(csr)], check=True, capture_output=True)
    ext.write_text(f"subjectAltName=DNS:{name},DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"
                   "keyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n")
    subprocess.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(certs / "ca.pem"), "-CAkey", str(certs / "ca.key"),
                    "-CAcreateserial", "-days", "30", "-sha256", "-extfile", str(ext), "-out", str(pem)],
                   check=True, capture_output=True)
    os.replace(key, certs / f"{name}.key")
    os.replace(pem, certs / f"{name}.pem")
    csr.unlink()
    ext.unlink()
    return ssl.PEM_cert_to_DER_cert((certs / f"{name}.pem").read_text())


def served_certificate(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        with ctx.wrap_socket(s) as t:
            return t.getpeercert(binary_form=True)


def hup_all(cluster):
    for n in cluster.names:
        os.kill(cluster.pid(n), signal.SIGHUP)


def wait_log(cluster, node, text, count=1, timeout=15):
    log = cluster.dir / f"local/{node}.log"
    cluster.wait(lambda: log.read_text().count(text) >= count, timeout, f"{node} logging {text!r} ×{count}")


def list_ledgers(env, key, secret):
    import boto3
    client = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret,
                                   region_name="us-east-1").client("qldb", endpoint_url=env["AWS_ENDPOINT_URL_QLDB"],
                                                                   verify=env["AWS_CA_BUNDLE"])
    return client.list_ledgers()


def test_sighup_rotates_certificates_and_credentials_without_dropping_the_cluster(cluster):
    env = cluster.env("node1")
    old_key, old_secret = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    with environment(env):
        create_ledger("hup")
        d = driver("hup")
        d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))
        d.close()
    leader = cluster.wait(cluster.leader, what="a leader")
    term = cluster.status(leader)["term"]
    certs = cluster.dir / "local/certs"
    before = {n: served_certificate(cluster.ports[n]["client"]) for n in cluster.names}
    rotated = {n: rotate_certificate(certs, n) for n in cluster.names}
    new_key, new_secret = "AKIAROTATED000000001", "rotatedsecretrotatedsecretrotatedsecret0"
    creds = cluster.dir / "local/credentials"
    old_file = creds.read_text()

    # Step 1, under load with the old key: new certificates, and the new key added next to the old one.
    creds.write_text(old_file + f"[rotated]\naws_access_key_id = {new_key}\naws_secret_access_key = {new_secret}\n")
    acked, errors, stop = [], [], threading.Event()

    def writer():
        with environment(env):
            d = driver("hup")
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO T ?", {"during": "reload"}))
                    acked.append(time.monotonic())
                except Exception as e:
                    errors.append(repr(e))
            d.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        cluster.wait(lambda: len(acked) >= 20, 30, "20 commits before the reload")
        hup_all(cluster)
        for n in cluster.names:
            wait_log(cluster, n, "reloaded TLS certificate")
            wait_log(cluster, n, "reloaded credentials")
            after = served_certificate(cluster.ports[n]["client"])
            assert after == rotated[n] and after != before[n], f"{n} still serves its old certificate"
        at_reload = len(acked)
        cluster.wait(lambda: len(acked) >= at_reload + 20, 30, "20 commits after the reload")
    finally:
        stop.set()
        t.join(timeout=60)
    assert errors == [], errors  # the client on its old connection and key never noticed
    print(f"{len(acked)} commits across the reload, no error")

    # Step 2: the old key removed.
    creds.write_text(f"[rotated]\naws_access_key_id = {new_key}\naws_secret_access_key = {new_secret}\n")
    hup_all(cluster)
    for n in cluster.names:
        wait_log(cluster, n, "reloaded credentials", count=2)

    # The new key works (through a follower too: it checks the key before forwarding), the old one does not.
    import botocore.exceptions
    for n in cluster.names:
        names = [l["Name"] for l in list_ledgers(cluster.env(n), new_key, new_secret)["Ledgers"]]
        assert "hup" in names
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        list_ledgers(env, old_key, old_secret)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    # Nothing was dropped: same leader, same term, writes commit and replicate.
    assert cluster.leader() == leader and cluster.status(leader)["term"] == term
    new_env = dict(env, AWS_ACCESS_KEY_ID=new_key, AWS_SECRET_ACCESS_KEY=new_secret)
    with environment(new_env):
        d = driver("hup")
        d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO T ?", {"after": "rotation"}))
        d.close()
    cluster.wait_converged("hup")

    # New peer links use the rotated certificates: a restarted follower rejoins and catches up.
    follower = next(n for n in cluster.names if n != leader)
    cluster.kill9(follower)
    cluster.up()
    cluster.wait_converged("hup", timeout=60)


def test_a_broken_credentials_file_is_refused_and_the_old_one_kept(cluster):
    creds = cluster.dir / "local/credentials"
    good = creds.read_text()
    creds.write_text("[default]\naws_access_key_id = ONLYAKEY\n")  # no secret
    try:
        hup_all(cluster)
        for n in cluster.names:
            wait_log(cluster, n, "credentials reload failed")
        key = good.split("aws_access_key_id = ")[1].split()[0]
        secret = good.split("aws_secret_access_key = ")[1].split()[0]
        assert list_ledgers(cluster.env("node1"), key, secret)["Ledgers"]
    finally:
        creds.write_text(good)
    time.sleep(0.1)

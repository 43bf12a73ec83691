"""What the chaos campaign found, reduced to a deterministic reproduction on
real processes (Docs/reliability.md, "Findings").

A leader that prepares a transaction and then loses leadership before the
entry commits (here: cut off from both followers by the relay) never releases
the transaction's pending write set (`Ledger.pending`, set by `prepare`,
cleared only by `apply` or `abandon`; the `.leadershipLost` path calls
neither). The entry is replaced by the new leader's log, so it is never
applied there either. Once that node leads again, every transaction reading
those documents or scanning that table is refused with OccConflictException
"… being modified/written by a committing transaction", until the node
restarts or loses leadership.

Fixed: a new leader checks transactions only once it has applied its term's
first entry, and then forgets the pending write sets prepared before its
leadership (RaftDriver.settleIfApplied, Ledger.abandonPending); this test is
the regression test."""
import sys
import time

import pytest

from conftest import ROOT, environment

sys.path.insert(0, str(ROOT / "Tests"))
from chaos.cluster import ChaosCluster  # noqa: E402
from chaos.workloads.client import attempt, make_driver  # noqa: E402
from cluster_support import create_ledger, driver  # noqa: E402


def test_a_commit_lost_with_leadership_does_not_block_the_table_when_that_node_leads_again(tally_bin, tmp_path):
    c = ChaosCluster(tally_bin, tmp_path / "cluster", 3)
    try:
        c.up()
        leader = c.c.wait(c.leader, 30, "a leader")
        with environment(c.c.env(leader)):
            create_ledger("leak")
            d = driver("leak")
            d.execute_lambda(lambda tx: tx.execute_statement("CREATE TABLE T"))
            d.execute_lambda(lambda tx: tx.execute_statement("CREATE INDEX ON T (k)"))
            d.execute_lambda(lambda tx: tx.execute_statement("INSERT INTO T ?", {"k": 1, "n": 0}))
            d.close()
            c.wait_converged("leak", 30)

            for n in c.names:
                if n != leader:
                    c.cut(leader, n)
            lost = attempt(make_driver("leak", c.endpoint(leader)),
                           lambda tx: tx.execute_statement("UPDATE T SET n = 1 WHERE k = 1"))
            assert lost[0] != "ok", lost  # no quorum: the commit cannot be acknowledged
            c.heal_network()
            c.c.wait(lambda: (l := c.leader()) and l != leader and l, 30, "a new leader")
            c.c.tally("cluster", "failover", "--dir", str(c.dir), "--to", leader[len("node"):])
            c.c.wait(lambda: c.leader() == leader, 30, f"{leader} leading again")

            outcome, deadline = None, time.monotonic() + 10
            while time.monotonic() < deadline:
                outcome = attempt(make_driver("leak", c.endpoint(leader)),
                                  lambda tx: tx.execute_statement("UPDATE T SET n = 2 WHERE k = 1"))
                if outcome[0] == "ok":
                    break
                time.sleep(0.5)
            assert outcome[0] == "ok", f"the table is still blocked 10 s after {leader} leads again: {outcome[1]}"
    finally:
        c.close()

"""The fault schedule is reproducible and the partition shapes are what they say."""
import random

from chaos.nemesis import faults, schedule

NAMES = [f"node{i}" for i in range(1, 6)]


def test_plan_is_seeded_sequential_and_inside_the_round():
    a = schedule.plan(7, ["mixed"], 5, 60)
    assert a == schedule.plan(7, ["mixed"], 5, 60) and a != schedule.plan(8, ["mixed"], 5, 60)
    assert {f["kind"] for f in a} <= set(schedule.KINDS)
    for f, g in zip(a, a[1:]):
        assert f["at"] + f["hold"] < g["at"]
    assert all(f["hold"] > 2.0 and f["at"] + f["hold"] <= 58 for f in a)
    assert {f["kind"] for f in schedule.plan(7, ["pause"], 3, 60)} == {"pause"}


def neighbours(allowed, n):
    return {m for pair in allowed if n in pair for m in pair if m != n}


def test_partition_shapes():
    rng = random.Random(1)
    allowed, _ = faults.components("isolate", NAMES, "node3", rng)
    assert neighbours(allowed, "node3") == set() and neighbours(allowed, "node1") == {"node2", "node4", "node5"}
    allowed, groups = faults.components("majority-minority", NAMES, "node1", rng)
    assert "node1" in groups[0] and len(groups[0]) == 2 and len(groups[1]) == 3
    allowed, groups = faults.components("ring", NAMES, "node2", rng)
    assert all(len(neighbours(allowed, n)) == 2 for n in NAMES)
    allowed, groups = faults.components("bridge", NAMES, "node4", rng)
    side_a, (bridge,), side_b = groups
    assert neighbours(allowed, bridge) == set(NAMES) - {bridge}
    assert all(neighbours(allowed, a).isdisjoint(side_b) for a in side_a)
    allowed, groups = faults.components("bridge", NAMES[:3], "node1", rng)
    assert sorted(map(len, groups)) == [1, 1, 1] and len(allowed) == 2


def test_disk_and_clock_faults_are_planned_with_their_parameters():
    kinds = ["fsync-error", "slow-fsync", "disk-full", "clock"]
    plan = [f for seed in range(20) for f in schedule.plan(seed, kinds, 3, 60)]
    assert {f["kind"] for f in plan} == set(kinds)
    assert all(f["delay_ms"] > 0 for f in plan if f["kind"] == "slow-fsync")
    assert all(f["offset_ms"] != 0 for f in plan if f["kind"] == "clock")
    assert set(schedule.KINDS) >= {f["kind"] for f in schedule.plan(3, ["mixed"], 5, 120)}


def test_net_slow_faults_are_planned_with_their_parameters():
    plan = [f for seed in range(20) for f in schedule.plan(seed, ["net-slow"], 3, 60)]
    assert plan and {f["kind"] for f in plan} == {"net-slow"}
    assert all(f["delay_ms"] > 0 and f["scope"] in ("node", "all") and 0 <= f["loss_pct"] < 100 for f in plan)
    assert any(f["loss_pct"] > 0 for f in plan)


def test_a_crash_report_in_a_node_log_is_found(tmp_path):
    from chaos.cluster import ChaosCluster

    class Logs(ChaosCluster):
        def __init__(self):  # no processes: only the log scan
            self.names = ["node1", "node2"]

        def logs(self):
            return {n: tmp_path / f"{n}.log" for n in self.names}

    c = Logs()
    (tmp_path / "node1.log").write_text("old line\n*** Signal 4: Backtracing\n")
    (tmp_path / "node2.log").write_text("ts=1 level=info msg=listening\n")
    since = c.log_sizes()
    assert c.crashes({}).keys() == {"node1"}
    assert c.crashes(since) == {}
    with open(tmp_path / "node2.log", "a") as f:
        f.write("*** Swift runtime failure: precondition failure ***\nThread 1 crashed:\n")
    found = c.crashes(since)
    assert found.keys() == {"node2"} and "precondition failure" in found["node2"]

"""A seeded fault schedule for one round: faults one after another, each
held for a few seconds then healed, with a quiet gap between them. The same
seed gives the same schedule (what is hit at run time still depends on who
leads then: a fault aimed at "leader" takes whichever node leads)."""
import random

KINDS = ("kill", "pause", "partition", "net-slow", "fsync-error", "slow-fsync", "disk-full", "clock")


def shapes(nodes):
    return ["isolate", "majority-minority", "bridge"] + (["ring"] if nodes >= 5 else [])


def plan(seed, kinds, nodes, seconds, election_timeout_max=2.0):
    rng = random.Random(seed)
    if "mixed" in kinds:
        kinds = KINDS
    faults, t = [], rng.uniform(1.5, 3.0)
    while True:
        kind = rng.choice(list(kinds))
        hold = rng.uniform(election_timeout_max + 0.5, election_timeout_max + 4.0)
        if t + hold + 2.0 > seconds:
            break
        fault = {"at": round(t, 2), "kind": kind, "hold": round(hold, 2),
                 "target": "leader" if rng.random() < 0.5 else rng.randrange(nodes),
                 "seed": rng.randrange(1 << 30)}
        if kind == "partition":
            fault["shape"] = rng.choice(shapes(nodes))
        if kind == "net-slow":  # delay, jitter and loss on one node's links or on every link
            fault["delay_ms"] = rng.choice([20, 100, 300, 800])
            fault["jitter_ms"] = fault["delay_ms"] // 2
            fault["loss_pct"] = rng.choice([0, 5, 20])
            fault["scope"] = rng.choice(["node", "all"])
        if kind == "slow-fsync":
            fault["delay_ms"] = rng.choice([150, 400, 1000, 2500])
        if kind == "clock":  # jumps both ways, from seconds to an hour (SigV4 does not see them)
            fault["offset_ms"] = rng.choice([-1, 1]) * rng.choice([5_000, 60_000, 600_000, 3_600_000])
        faults.append(fault)
        t += hold + rng.uniform(1.5, 4.0)
    return faults

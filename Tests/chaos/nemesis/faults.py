"""Injecting one scheduled fault into a ChaosCluster and healing it."""
import itertools
import random


def resolve_target(cluster, fault):
    if fault["target"] == "leader":
        leader = cluster.leader()
        if leader:
            return leader
        return cluster.names[fault["seed"] % len(cluster.names)]
    return cluster.names[fault["target"]]


def components(shape, names, target, rng):
    """The allowed undirected links of a partition shape, with `target` placed on its weak side."""
    others = [n for n in names if n != target]
    rng.shuffle(others)
    if shape == "isolate":
        groups = [[target], others]
        return _within(groups), groups
    if shape == "majority-minority":
        minority = [target] + others[:len(names) // 2 - 1]
        groups = [minority, [n for n in names if n not in minority]]
        return _within(groups), groups
    if shape == "bridge":  # two sides that only the bridge node connects; target on the smaller side
        bridge, rest = others[0], [target] + others[1:]
        side_a, side_b = rest[:len(rest) // 2], rest[len(rest) // 2:]
        allowed = _within([side_a, side_b]) | {frozenset((bridge, n)) for n in rest}
        return allowed, [side_a, [bridge], side_b]
    if shape == "ring":  # each node reaches only its two neighbours
        ring = [target] + others
        allowed = {frozenset((ring[i], ring[(i + 1) % len(ring)])) for i in range(len(ring))}
        return allowed, [ring]
    raise ValueError(shape)


def _within(groups):
    return {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}


def inject(cluster, fault):
    """Returns (description, heal callable)."""
    target = resolve_target(cluster, fault)
    kind = fault["kind"]
    if kind == "kill":
        cluster.kill9(target)
        return f"kill -9 {target}", lambda: cluster.start(target)
    if kind == "pause":
        cluster.pause(target)
        return f"SIGSTOP {target}", lambda: cluster.resume(target)
    if kind == "partition":
        allowed, groups = components(fault["shape"], cluster.names, target, random.Random(fault["seed"]))
        for a, b in itertools.combinations(cluster.names, 2):
            if frozenset((a, b)) not in allowed:
                cluster.cut(a, b)
        return f"partition {fault['shape']} {groups}", cluster.heal_network
    if kind == "net-slow":
        links = [(a, b) for a, b in itertools.combinations(cluster.names, 2)
                 if fault["scope"] == "all" or target in (a, b)]
        for a, b in links:
            cluster.slow(a, b, fault["delay_ms"], fault["jitter_ms"], fault["loss_pct"])
        where = "every link" if fault["scope"] == "all" else f"{target}'s links"
        return (f"net-slow {where}: +{fault['delay_ms']}±{fault['jitter_ms']} ms, "
                f"{fault['loss_pct']}% loss"), cluster.heal_network
    if kind == "fsync-error":
        return _failpoint(cluster, target, "fsync=error", f"fsync errors on {target}")
    if kind == "slow-fsync":
        ms = fault["delay_ms"]
        return _failpoint(cluster, target, f"fsync_delay_ms={ms}", f"fsync +{ms} ms on {target}")
    if kind == "clock":
        ms = fault["offset_ms"]
        return _failpoint(cluster, target, f"clock_offset_ms={ms}", f"clock {ms:+d} ms on {target}")
    if kind == "disk-full":
        if cluster.disk is None:
            return "disk-full skipped (no small disk)", lambda: None
        node = cluster.names[-1]
        taken = cluster.disk.fill()

        def heal():
            cluster.disk.free()
            _restart_if_failed(cluster, node)
        return f"disk full on {node} ({taken // 1024} KiB taken)", heal
    raise ValueError(kind)


def _failpoint(cluster, target, spec, desc):
    """Arms a failpoint on `target`; healing disarms it and restarts the node if its storage failed
    (a node does not trust its files again after a failed fsync: it stops, as after fsyncgate)."""
    armed = cluster.failpoints(target, spec)

    def heal():
        cluster.failpoints(target, "off")
        _restart_if_failed(cluster, target)
    return desc + ("" if armed else " (node did not answer)"), heal


def _restart_if_failed(cluster, node):
    if cluster.alive(node) and node not in cluster.stopped and cluster.storage_failed(node):
        cluster.restart(node)

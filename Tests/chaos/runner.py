"""A chaos campaign: rounds of a workload under a seeded fault schedule against a
real cluster, each round checked by the workload's checker and the ledger audit.
Entry point: scripts/chaos (python -m chaos.runner --help)."""
import argparse
import json
import os
import pathlib
import shutil
import sys
import time

from .cluster import ChaosCluster, ELECTION_TIMEOUT_MAX
from .round import run_round


def parse(argv):
    p = argparse.ArgumentParser(prog="scripts/chaos", description=__doc__)
    p.add_argument("--nodes", type=int, choices=[3, 5], default=3)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--round-seconds", type=float, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start-round", type=int, default=0, help="replay from this round (round seeds derive from --seed)")
    p.add_argument("--nemesis", default="mixed", help="comma list of kill,pause,partition,net-slow,fsync-error,slow-fsync,disk-full,clock or mixed (all)")
    p.add_argument("--workload", default="bank,append,register", help="comma list; rounds rotate through it")
    p.add_argument("--clients", type=int, default=0, help="client threads (default: nodes + 1)")
    p.add_argument("--max-ops", type=int, default=5000, help="per client per round")
    p.add_argument("--max-proofs", type=int, default=400, help="GetRevision proofs checked per round")
    p.add_argument("--out", default="chaos-out")
    p.add_argument("--tally", default=os.environ.get("TALLY_BIN", ""))
    p.add_argument("--broken", choices=["stale-reads"], help="a deliberately broken reader (broken.py): must be caught")
    p.add_argument("--keep-all", action="store_true", help="keep histories of passing rounds too")
    return p.parse_args(argv)


def tally_binary(given):
    if given:
        return given
    import subprocess
    root = pathlib.Path(__file__).resolve().parents[2]
    return subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=root, text=True).strip() + "/tally"


def summarize(results, seconds):
    faults, ops, anomalies = {}, {"ok": 0, "fail": 0, "info": 0}, 0
    lost, errors = 0, {}
    for r in results:
        for k, v in r.get("errors", {}).items():
            errors[k] = errors.get(k, 0) + v
        for k, v in r["faults_by_kind"].items():
            faults[k] = faults.get(k, 0) + v
        for k in ops:
            ops[k] += r["ops"][k]
        anomalies += len(r["anomalies"])
        lost += sum(1 for a in r["anomalies"] if a.get("type") == "acknowledged-write-lost")
    return {"rounds": len(results), "seconds": round(seconds, 1), "faults": faults, "ops": ops,
            "anomalies": anomalies, "acknowledged_writes_lost": lost, "errors": errors,
            "failed_rounds": [r["round"] for r in results if r["anomalies"]]}


def print_table(results, total):
    print(f"{'round':>5} {'workload':9} {'faults':28} {'ok':>6} {'fail':>5} {'info':>5} {'proved':>6} {'anomalies':>9}")
    for r in results:
        f = ",".join(f"{k}:{v}" for k, v in sorted(r["faults_by_kind"].items())) or "-"
        print(f"{r['round']:>5} {r['workload']:9} {f:28} {r['ops']['ok']:>6} {r['ops']['fail']:>5} "
              f"{r['ops']['info']:>5} {r.get('proved', 0):>6} {len(r['anomalies']):>9}")
    print(json.dumps(total))


def write_summary(out, results, seconds, args):
    total = summarize(results, seconds)
    total.update({"nodes": args.nodes, "seed": args.seed, "nemesis": args.nemesis, "workload": args.workload,
                  "round_seconds": args.round_seconds, "start_round": args.start_round})
    (out / "summary.json").write_text(json.dumps({"total": total, "rounds": results}, indent=1, default=str))
    return total


def main(argv=None):
    args = parse(argv if argv is not None else sys.argv[1:])
    out = pathlib.Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = out / "cluster"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    workloads = args.workload.split(",")
    kinds = args.nemesis.split(",")
    from .nemesis.schedule import KINDS
    unknown = set(kinds) - set(KINDS) - {"mixed"}
    if unknown:
        sys.exit(f"unknown nemesis {sorted(unknown)}; choose from {', '.join(KINDS)} or mixed")
    started = time.monotonic()
    cluster = ChaosCluster(tally_binary(args.tally), work, args.nodes,
                           small_disk="mixed" in kinds or "disk-full" in kinds)
    results = []
    try:
        cluster.up()
        env = cluster.env()
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        for r in range(args.start_round, args.start_round + args.rounds):
            res = run_round(cluster, r, args.seed * 1_000_003 + r, workloads[r % len(workloads)], kinds,
                            args.round_seconds, args.clients or args.nodes + 1, args.max_ops, args.max_proofs,
                            out, args.keep_all, ELECTION_TIMEOUT_MAX, args.broken)
            results.append(res)
            write_summary(out, results, time.monotonic() - started, args)  # a cut-short run keeps its rounds
            print(f"round {r} {res['workload']}: {res['ops']} faults {res['faults_by_kind']} "
                  f"anomalies {len(res['anomalies'])}" + (f" -> kept in {res['kept']}" if res.get("kept") else ""),
                  flush=True)
    finally:
        cluster.close()
    total = write_summary(out, results, time.monotonic() - started, args)
    print_table(results, total)
    return 1 if total["anomalies"] or len(results) < args.rounds else 0


if __name__ == "__main__":
    sys.exit(main())

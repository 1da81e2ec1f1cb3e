"""Simulation throughput with many UEs on one bus (issue 5).

Each UE switches on, registers (5G AKA, SMC), derives 5 KAFs, is re-authenticated by the
network (a new KAUSF at SMC), and derives 5 more KAFs: 10 AKMA key requests per UE across
one re-authentication (TS 24.501 4.21; TS 33.535 6.1, 6.2). All UEs share one network twin
and one bus, the exchange log goes to a file and every line is checked online, as
``ue-stack simulate --ues N --log FILE`` does. The run must pass (every AF session ok).

Prints wall time and UEs/second for N = 100 and 1000 (add ``--big`` for 10000), and how
time grows with N (the factor against 10x more UEs; 10.0 would be linear). ``--big`` also
runs the README's figure ("Benchmarks"): ``ue-stack simulate reauth-between-af-sessions --ues 10000
--log FILE`` as a whole process, its wall time and peak RSS (ru_maxrss of the child), and the
memory per UE against a 1000-UE process.

Run from the repository root::

    .venv/bin/python benchmarks/bench_simulate.py [--ues 100,1000] [--big]
"""

from __future__ import annotations

import argparse
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from ue_stack.runner import CheckedRun
from ue_stack.scenarios import Expect, Scenario, Step, load_scenario
from ue_stack.simulation import Simulation

UA_TLS = bytes.fromhex("0100000007")  # Ua* shared-key TLS 1.3 (TS 33.220 Annex H)
KAFS_BEFORE = KAFS_AFTER = 5
REAUTH_AT = 10.0


def kaf_step(t: float, n: int) -> Step:
    return Step(t, "app", "kaf_request",
                {"app": f"app{n}", "af_fqdn": "af.example.com", "ua_id": UA_TLS, "expect": "ok"})


def ten_kafs_across_reauthentication() -> Scenario:
    """power_on, register, 5 kaf_requests, network re-authentication, 5 kaf_requests; the
    UE (K/OPc of TS 35.208 set 1) and network of the built-in re-authentication scenario."""
    base = load_scenario("reauth-between-af-sessions")
    steps = [Step(0.0, "ue", "power_on"), Step(0.1, "ue", "register")]
    steps += [kaf_step(5.0 + 0.1 * i, i) for i in range(KAFS_BEFORE)]
    steps.append(Step(REAUTH_AT, "net", "reauthenticate"))
    steps += [kaf_step(15.0 + 0.1 * i, KAFS_BEFORE + i) for i in range(KAFS_AFTER)]
    return replace(base, name="bench-ten-kafs", description="10 KAFs across one "
                   "re-authentication", steps=tuple(steps),
                   expect={"per-kaf": Expect("pass")})


def simulate(scenario: Scenario, ues: int, log: Path) -> tuple[float, dict]:
    """One checked run of ``ues`` UEs, log to a file; (wall seconds, report)."""
    sim = Simulation(scenario, app_mode="per-kaf", ues=ues)
    start = time.perf_counter()
    with CheckedRun(scenario.name, str(log)) as run:
        run.execute(lambda sink, app1: sim.run(app1, sink))
        report = run.report(None)
    elapsed = time.perf_counter() - start
    kafs = report["stats"]["kaf_derivations"]
    if report["verdict"] != "pass" or kafs != ues * (KAFS_BEFORE + KAFS_AFTER):
        raise SystemExit(f"{ues} UEs: verdict {report['verdict']}, {kafs} KAFs: "
                         "the benchmark scenario must pass with 10 KAFs per UE")
    return elapsed, report


def whole_process(ues: int, log: Path) -> tuple[float, float]:
    """The command as a user runs it, in a child process: (seconds, peak MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ue_stack.cli", "simulate",
                    "reauth-between-af-sessions", "--ues", str(ues), "--log", str(log)],
                   stdout=subprocess.DEVNULL, check=True)
    elapsed = time.perf_counter() - start
    # ru_maxrss of the children is the largest child so far: run the big one last
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ues", default="100,1000", help="comma-separated UE counts")
    p.add_argument("--big", action="store_true", help="also 10000 UEs")
    p.add_argument("--process-only", action="store_true",
                   help="with --big: only the whole-process figures")
    args = p.parse_args()
    counts = [int(n) for n in args.ues.split(",")] + ([10_000] if args.big else [])
    scenario = ten_kafs_across_reauthentication()
    with tempfile.TemporaryDirectory(prefix="bench_simulate-") as tmp:
        log = Path(tmp) / "sim.xlog.jsonl"
        # First, while this process is small: a child forked from a big parent would
        # report the parent's pages as its own peak RSS.
        if args.big:
            small_t, small_mb = whole_process(1000, log)
            big_t, big_mb = whole_process(10_000, log)
            print("`ue-stack simulate reauth-between-af-sessions --ues N --log FILE`, whole "
                  "process:")
            print(f"   1000 UEs: {small_t:6.1f} s, peak RSS {small_mb:6.1f} MB")
            print(f"  10000 UEs: {big_t:6.1f} s, peak RSS {big_mb:6.1f} MB  (target <= 20 s, "
                  f"<= 400 MB); {(big_mb - small_mb) * 1024 / 9000:.1f} kB per added UE")
            if args.process_only:
                return
        simulate(scenario, 10, log)  # warm-up: imports, caches
        print("UEs registering, 10 KAFs each across one re-authentication "
              "(one bus, log to a file, online checker):")
        results: list[tuple[int, float]] = []
        for n in counts:
            elapsed, report = simulate(scenario, n, log)
            lines = report["stats"]["records"]
            results.append((n, elapsed))
            print(f"  {n:>6} UEs: {elapsed:7.2f} s wall   {n / elapsed:7.1f} UEs/s   "
                  f"{lines / elapsed:8,.0f} log lines/s   ({lines / n:.0f} lines per UE)")
        for (n0, t0), (n1, t1) in itertools.pairwise(results):
            print(f"  {n0} -> {n1} UEs ({n1 / n0:.0f}x): time x{t1 / t0:.1f}")


if __name__ == "__main__":
    main()

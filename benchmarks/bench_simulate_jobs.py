"""``simulate --jobs`` (issue 32): shards over workers, the garbage collector's settings,
and the 100,000-UE figure. Every figure comes from whole child processes, interleaved
round by round, so the load of a shared machine falls on every variant alike:

- **parallelism available**: one busy loop alone, then two at once; ``2 x alone /
  together`` is how many CPUs this run actually had (2.0 on two idle cores);
- **--jobs 1 against --jobs 2** on ``N`` UEs (``reauth-between-af-sessions``, log to a
  file): wall time, speed-up, and the speed-up over the parallelism available; the two
  logs and reports compared byte for byte;
- **GC** (``--gc``): the sharded run in one process under the collector's defaults,
  ``gc.freeze()`` after set-up, and higher thresholds; CPU time of the child per UE;
- **--big**: ``--ues 100000 --jobs 1 --log FILE`` as a user runs it: wall, CPU and peak
  RSS (target <= 60 s and <= 1 GB).

Run from the repository root::

    .venv/bin/python benchmarks/bench_simulate_jobs.py [--ues 20000] [--rounds 3] [--gc] [--big]
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = "reauth-between-af-sessions"
BUSY = 30_000_000


def _busy() -> None:
    n = 0
    for i in range(BUSY):
        n += i


def parallelism() -> tuple[float, float, float]:
    """(seconds alone, seconds for two at once, CPUs available = 2 x alone / together)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--busy"], check=True)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    both = [subprocess.Popen([sys.executable, __file__, "--busy"]) for _ in range(2)]
    for p in both:
        p.wait()
    together = time.perf_counter() - start
    return alone, together, 2 * alone / together


def child(argv: list[str]) -> tuple[float, float, float]:
    """A whole child process: (wall s, CPU s of it and its workers, peak RSS MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


def simulate_argv(ues: int, jobs: int, log: Path, report: Path) -> list[str]:
    return [sys.executable, "-m", "ue_stack.cli", "simulate", SCENARIO, "--ues", str(ues),
            "--jobs", str(jobs), "--log", str(log), "--report", str(report)]


def spread(xs: list[float]) -> str:
    return f"{min(xs):.2f}/{statistics.median(xs):.2f}/{max(xs):.2f}"


def gc_child(mode: str, ues: int) -> None:
    """In this process: the sharded run under one collector setting (``--gc-child``)."""
    import gc

    from ue_stack.pool import LOCAL
    from ue_stack.scenarios import load_scenario
    from ue_stack.sharded import simulate_sharded

    scenario = load_scenario(SCENARIO)
    if mode == "freeze":
        gc.freeze()
    elif mode == "thresholds":
        gc.set_threshold(50_000, 50, 100)
    elif mode == "off":
        gc.disable()
    with tempfile.TemporaryDirectory() as tmp:
        simulate_sharded(scenario, ues=ues, jobs=1, engine=LOCAL, log=f"{tmp}/log.jsonl")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ues", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--gc", action="store_true", help="also compare collector settings")
    p.add_argument("--big", action="store_true", help="also the 100,000-UE figure")
    p.add_argument("--busy", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--gc-child", nargs=2, metavar=("MODE", "UES"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.busy:
        return _busy()
    if args.gc_child:
        return gc_child(args.gc_child[0], int(args.gc_child[1]))
    print(f"machine: {os.cpu_count()} CPUs, shared with other jobs (load average "
          f"{os.getloadavg()[0]:.1f}); min/median/max over {args.rounds} rounds")
    with tempfile.TemporaryDirectory(prefix="bench_simulate_jobs-") as tmp:
        out = Path(tmp)
        avail: list[float] = []
        walls: dict[int, list[float]] = {1: [], 2: []}
        same = True
        gc_cpu: dict[str, list[float]] = {m: [] for m in ("default", "freeze", "thresholds")}
        for _ in range(args.rounds):
            avail.append(parallelism()[2])
            for jobs in (1, 2):
                wall, _cpu, _rss = child(simulate_argv(args.ues, jobs, out / f"{jobs}.jsonl",
                                                       out / f"{jobs}.json"))
                walls[jobs].append(wall)
            same &= filecmp.cmp(out / "1.jsonl", out / "2.jsonl", shallow=False)
            same &= filecmp.cmp(out / "1.json", out / "2.json", shallow=False)
            if args.gc:
                n = min(args.ues, 5000)
                for mode, cpus in gc_cpu.items():
                    cpus.append(child([sys.executable, __file__, "--gc-child", mode,
                                       str(n)])[1] / n * 1000)
        speedups = [a / b for a, b in zip(walls[1], walls[2], strict=True)]
        print(f"CPUs available (2 x one busy loop / two at once): {spread(avail)}")
        print(f"simulate {SCENARIO} --ues {args.ues} --log FILE, wall s:")
        print(f"  --jobs 1: {spread(walls[1])}   --jobs 2: {spread(walls[2])}")
        print(f"  speed-up (same round): {spread(speedups)}; over CPUs available: "
              f"{spread([s / a for s, a in zip(speedups, avail, strict=True)])} "
              "(target >= 0.8)")
        print(f"  --jobs 1 and --jobs 2 logs and reports byte-identical: {same}")
        if args.gc:
            print(f"GC, one process, {min(args.ues, 5000)} UEs, CPU ms per UE:")
            for mode, cpus in gc_cpu.items():
                print(f"  {mode:<10} {spread(cpus)}   ratio to default (same round): "
                      f"{spread([c / d for c, d in zip(cpus, gc_cpu['default'], strict=True)])}")
        if args.big:
            wall, cpu, rss = child(simulate_argv(100_000, 1, out / "big.jsonl",
                                                 out / "big.json"))
            print(f"--ues 100000 --jobs 1 --log FILE: {wall:.1f} s wall, {cpu:.1f} s CPU, "
                  f"peak RSS {rss:.0f} MB (targets 60 s, 1 GB)")
    if not same:
        raise SystemExit("the --jobs 1 and --jobs 2 outputs differ")


if __name__ == "__main__":
    main()

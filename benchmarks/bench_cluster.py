"""`--engine ray` against the local pool on this machine (issue 19; docs/cluster.md).

Measured in the same run, interleaved, whole processes where a user would see them:

- **Ray start-up**: ``ray.init(num_cpus=2)`` in a fresh process (a local instance; joining
  a running cluster with ``--address`` skips most of it);
- **per-task overhead**: empty chunks through ``cluster.run_chunks`` against the same
  through the local pool's forked workers, per task;
- **break-even**: ``ue-stack replay FOLDER`` with ``--jobs 2`` and with ``--engine ray``
  (two CPUs either way) on ``traces/`` copied to several corpus sizes; a straight line
  ``t = start + N * per_trace`` fitted to each engine, and the corpus size where the
  lines cross, if they do.

The machine is shared (2 cores, other jobs running): every figure is printed per round, so
the spread shows. Run from the repository root with the cluster extra installed
(``make test-tools`` installs it)::

    .venv/bin/python benchmarks/bench_cluster.py [--sizes 30,120,480] [--rounds 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STARTUP = """
import logging, time
t0 = time.perf_counter()
import ray
t1 = time.perf_counter()
ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def _noop(n: int) -> int:
    return n


def ray_startup() -> tuple[float, float]:
    """(import ray, ray.init) seconds in a fresh process."""
    out = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), float(out[1])


def per_task(tasks: int) -> tuple[float, float]:
    """Seconds per one-item task: (local forked pool, Ray), two workers each."""
    from functools import partial

    from ue_stack import cluster
    from ue_stack.pool import _context, run_chunk

    with ProcessPoolExecutor(max_workers=2, mp_context=_context()) as pool:
        list(pool.map(_noop, range(4)))  # workers started
        start = time.perf_counter()
        list(pool.map(partial(run_chunk, _noop), [[n] for n in range(tasks)]))
        local = (time.perf_counter() - start) / tasks
    cluster.connect(None)
    list(cluster.run_chunks(_noop, [[n] for n in range(4)]))  # workers started
    start = time.perf_counter()
    list(cluster.run_chunks(_noop, [[n] for n in range(tasks)]))
    on_ray = (time.perf_counter() - start) / tasks
    return local, on_ray


def corpus(folder: Path, size: int) -> None:
    library = sorted((ROOT / "traces").glob("*.jsonl"))
    folder.mkdir()
    for i in range(size):
        trace = library[i % len(library)]
        (folder / f"{i:05d}-{trace.name}").write_bytes(trace.read_bytes())


def replay_seconds(folder: Path, *engine: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ue_stack", "replay", str(folder), "--check-expect",
                    *engine], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least squares ``t = a + b * n``: (a, b)."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    b = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return my - b * mx, b


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="30,120,480", help="corpus sizes (traces)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--tasks", type=int, default=400, help="tasks for the per-task figure")
    args = p.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]

    for r in range(args.rounds):
        imp, init = ray_startup()
        print(f"round {r + 1}: Ray start-up: import {imp:.2f} s, ray.init(num_cpus=2) "
              f"{init:.2f} s")
    for r in range(args.rounds):
        local, on_ray = per_task(args.tasks)
        print(f"round {r + 1}: per task ({args.tasks} one-item tasks, 2 workers): local "
              f"{local * 1e3:.2f} ms, Ray {on_ray * 1e3:.2f} ms ({on_ray / local:.1f}x)")

    runs: dict[str, list[tuple[int, float]]] = {"local": [], "ray": []}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            corpus(Path(tmp) / str(size), size)
        for r in range(args.rounds):
            for size in sizes:
                folder = Path(tmp) / str(size)
                local = replay_seconds(folder, "--jobs", "2")
                on_ray = replay_seconds(folder, "--engine", "ray")
                runs["local"].append((size, local))
                runs["ray"].append((size, on_ray))
                print(f"round {r + 1}: replay {size:5d} traces: --jobs 2 {local:6.2f} s, "
                      f"--engine ray {on_ray:6.2f} s ({on_ray / local:.2f}x)")
    (a_local, b_local), (a_ray, b_ray) = fit(runs["local"]), fit(runs["ray"])
    print(f"fit --jobs 2:      {a_local:5.2f} s + {b_local * 1e3:6.2f} ms/trace")
    print(f"fit --engine ray:  {a_ray:5.2f} s + {b_ray * 1e3:6.2f} ms/trace")
    if b_ray < b_local:
        print(f"break-even on this machine: {(a_ray - a_local) / (b_local - b_ray):.0f} traces")
    else:
        print("break-even on this machine: none (Ray costs more per trace on the same 2 CPUs)")


if __name__ == "__main__":
    main()

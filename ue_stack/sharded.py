"""``simulate --jobs N``: the UEs in shards, each shard its own network twin and bus, run
over the worker pool (``ue_stack.pool``: local processes or Ray), merged into one report
and one exchange log.

What a run produces depends on the shards, never on ``--jobs`` or the engine: the UEs are
cut into shards of ``shard_ues`` (UE numbers 0.., in order), shard ``k``'s twin draws
its RANDs from a seed derived from the run's seed and ``k`` (shard 0 keeps the run's
seed, so a run that fits one shard is exactly the one-bus run), and the merge is a pure
function of the shards' outputs:

- the log: the shards' lines ordered by model time, equal times in shard order, each
  shard's lines in its own order; ``seq`` renumbered 1.. over the merged log;
- the report: counts summed, violations in merged-log order with their ``seq`` the merged
  log's (a violation decided at the end keeps its place after its shard's lines).

So ``--jobs 1`` (every shard in this process, one after another) and ``--jobs 2`` write
the same bytes. A shard's UEs, twin and bus are released when the shard ends: memory
follows the shard size, not the UE count.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import heapq
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .invariants import Violation
from .outputs import finish, open_output
from .pool import Engine, run_many
from .report import build_report
from .runner import CheckedRun
from .scenarios import Scenario
from .simulation import Simulation

SHARD_UES = 1000  # big enough that a shard's set-up is noise, small enough to balance


def shard_seed(seed: int, shard: int) -> int:
    """Shard ``k``'s RAND seed: the run's for shard 0, else a hash of both (no two shards
    draw the same RANDs; the same shards always draw the same)."""
    if shard == 0:
        return seed
    digest = hashlib.blake2b(f"{seed}/{shard}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class ShardJob:
    scenario: Scenario
    app_mode: str | None
    akma_defer: bool | None
    seed: int
    shard: int
    first: int
    ues: int
    total: int
    log: str | None  # the shard's own log file (the merge reads it), or None


class _TimeCounts:
    """How many log lines the shard wrote at each model time: enough to place the shard's
    violations in the merged log without reading any log."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.counts: list[int] = []

    def feed(self, record: dict[str, Any]) -> None:
        t = record["t"]
        if self.times and self.times[-1] == t:
            self.counts[-1] += 1
        else:
            self.times.append(t)
            self.counts.append(1)

    def violation(self, _v: Violation) -> None:
        pass

    def close(self) -> None:
        pass


def run_shard(job: ShardJob) -> dict[str, Any]:
    """One shard, wherever it runs: its checked run's parts (plain data)."""
    parts = _shard_parts(job)
    gc.collect()  # the shard's UEs, twin and bus go now, not at some later collection
    return parts


def _shard_parts(job: ShardJob) -> dict[str, Any]:
    sim = Simulation(job.scenario, app_mode=job.app_mode, akma_defer=job.akma_defer,
                     ues=job.ues, first=job.first, total=job.total,
                     seed=shard_seed(job.seed, job.shard))
    counts = _TimeCounts()
    with CheckedRun(job.scenario.name, job.log, outputs=[counts]) as run:
        run.execute(lambda sink, app1: sim.run(app1, sink))
        parts = {
            "results": run.checker.results(),
            "violations": [v.to_dict() for v in run.violations],
            "not_checked": run.checker.not_checked(),
            "stats": run.checker.stats(),
            "ues": run.evidence.named_ues(),
            "times": counts.times,
            "counts": counts.counts,
        }
    return parts


def shard_jobs(scenario: Scenario, *, ues: int, shard_ues: int, seed: int | None,
               app_mode: str | None, akma_defer: bool | None,
               logs: str | None) -> list[ShardJob]:
    run_seed = scenario.network.seed if seed is None else seed
    return [ShardJob(scenario, app_mode, akma_defer, run_seed, k, first,
                     min(shard_ues, ues - first), ues,
                     None if logs is None else os.path.join(logs, f"{k}.jsonl"))
            for k, first in enumerate(range(0, ues, shard_ues))]


def _global_seq(parts: list[dict[str, Any]], shard: int, seq: int | None,
                t: float | None) -> int | None:
    """A shard's line ``seq`` (at time ``t``) in the merged log: the lines of earlier
    shards at times up to ``t``, of later shards before ``t``, plus its own rank."""
    if seq is None or t is None:
        return seq
    before = seq
    for k, p in enumerate(parts):
        if k == shard:
            continue
        cut = (bisect.bisect_right if k < shard else bisect.bisect_left)(p["times"], t)
        before += sum(p["counts"][:cut])
    return before


def merge_report(name: str, parts: list[dict[str, Any]],
                 expect: dict[str, Any] | None) -> dict[str, Any]:
    results: dict[str, dict[str, int]] = {}
    stats: dict[str, int] = {}
    for p in parts:
        for inv, counts in p["results"].items():
            into = results.setdefault(inv, {})
            for key, n in counts.items():
                into[key] = into.get(key, 0) + n
        for key, n in p["stats"].items():
            stats[key] = stats.get(key, 0) + n
    placed = []
    for k, p in enumerate(parts):
        last = sum(p["counts"])
        for i, v in enumerate(p["violations"]):
            seq = _global_seq(parts, k, v.get("seq"), v.get("t"))
            # undated ones (decided at the end) after the shard's last line
            at = _global_seq(parts, k, last, p["times"][-1]) if seq is None and last else seq
            placed.append(((at or 0), k, i, {**v, **({"seq": seq} if "seq" in v else {})}))
    placed.sort(key=lambda x: x[:3])
    not_checked: list[dict[str, str]] = []
    for p in parts:
        not_checked += [n for n in p["not_checked"] if n not in not_checked]
    ues = sorted({ue for p in parts for ue in p["ues"]})
    return build_report([name], results, [v for *_, v in placed],
                        [{**n, "input": name} for n in not_checked], expect, stats, ues=ues)


def _lines(path: str, shard: int) -> Iterator[tuple[float, int, int, bytes]]:
    """A shard log's lines as (t, shard, rank, the line after its seq)."""
    with open(path, "rb") as f:
        for rank, line in enumerate(f):
            # every line starts {"seq":N,"t":T, (the bus writes seq and t first)
            i = line.index(b',"t":')
            j = line.index(b",", i + 5)
            yield float(line[i + 5:j]), shard, rank, line[i:]


def merge_logs(paths: list[str], out: BinaryIO) -> None:
    """The shard logs into ``out``, by model time then shard, ``seq`` renumbered."""
    write = out.write
    for seq, (_t, _k, _r, rest) in enumerate(
            heapq.merge(*(_lines(p, k) for k, p in enumerate(paths))), 1):
        write(b'{"seq":%d' % seq + rest)


def simulate_sharded(scenario: Scenario, *, ues: int, jobs: int, engine: Engine,
                     shard_ues: int = SHARD_UES, seed: int | None = None,
                     app_mode: str | None = None, akma_defer: bool | None = None,
                     log: str | None = None,
                     expect: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report of ``ues`` UEs in shards over ``jobs`` workers; the merged log to ``log``."""
    tmp = out = None
    if log is not None:
        # opened first: a log that cannot be written stops the run before it starts; it
        # is LOG.partial until the merge is complete (ue_stack.outputs)
        out = open_output(log, "--log", partial=True)
        # beside the log: a cluster's workers that share the file system can write there
        # (a device such as /dev/null: the system's temporary folder)
        target = Path(log).resolve()
        beside = target.parent if target.is_file() or not target.exists() else None
        tmp = tempfile.mkdtemp(prefix=".ue-stack-shards-", dir=beside)
    try:
        jobs_ = shard_jobs(scenario, ues=ues, shard_ues=shard_ues, seed=seed,
                           app_mode=app_mode, akma_defer=akma_defer, logs=tmp)
        parts = list(run_many(run_shard, jobs_, jobs, engine))
        if out is not None:
            merge_logs([j.log for j in jobs_ if j.log is not None], out)
            out.close()
            finish(log, "--log")
        return merge_report(scenario.name, parts, expect)
    finally:
        if out is not None:
            out.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


"""What five properties add to a replay (docs/properties.md; target: at most 1.3x).

The long trace of ``bench_replay.py`` (one registration, then N cycles of three KAF
requests and a re-authentication with SMC; N = 1000 gives about 7,000 records, 3 log
lines each) is replayed in this process, end to end with its exchange log written:

- **baseline**: ``ue-stack replay TRACE --log FILE --report FILE``;
- **with properties**: the same with ``--property`` naming five properties of the shipped
  file (``ue_stack/properties/invariants.toml``): P-AKMA-1 (sliced per UE and corr),
  P-AKMA-2 and P-AKMA-3 (the KAUSF-valid-since formula), P-AKMA-4 and P-NAS-1 (``prev``
  and two ``S``) — the longest formulas of the file bar NAS-2's transition table.

Rounds are interleaved (baseline, with, baseline, with, ...) so the machine's drift hits
both alike; each round's ratio is printed, then their range and the ratio of the bests.
Also printed: the monitor's own cost per log line and property, from a direct feed of
the baseline's exchange log (no replay around it). Run from the repository root::

    .venv/bin/python benchmarks/bench_properties.py [--cycles 1000] [--rounds 5] [--cpu]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import orjson
from bench_replay import generate_long_trace, replay

from ue_stack.properties import load_properties, monitors, shipped_path

FIVE = ("P-AKMA-1", "P-AKMA-2", "P-AKMA-3", "P-AKMA-4", "P-NAS-1")
CLOCK = time.process_time if "--cpu" in sys.argv else time.perf_counter


def five_properties(path: Path) -> Path:
    """The five properties, copied out of the shipped file into their own file."""
    text = shipped_path().read_text()
    tables = text.split("[[property]]")[1:]
    chosen = [t for t in tables if any(f'id = "{i}"' in t for i in FIVE)]
    assert len(chosen) == len(FIVE)
    path.write_text("".join("[[property]]" + t for t in chosen))
    return path


def timed(trace: Path, log: Path, report: Path, extra: tuple[str, ...]) -> float:
    start = CLOCK()
    replay(trace, log, report, extra)
    return CLOCK() - start


def monitor_cost(log: Path, props: Path) -> tuple[int, float]:
    """(log lines, seconds) to feed the log's records to the five monitors alone."""
    records = [orjson.loads(line) for line in log.read_bytes().splitlines()]
    mons = monitors(load_properties([props]), None)
    start = CLOCK()
    for record in records:
        for m in mons:
            m.feed(record)
    return len(records), CLOCK() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cycles", type=int, default=1000, help="re-authentication cycles")
    p.add_argument("--rounds", type=int, default=5, help="interleaved timed rounds")
    p.add_argument("--cpu", action="store_true",
                   help="time CPU of this process instead of wall (a shared machine)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_properties-") as name:
        tmp = Path(name)
        trace, log, report = tmp / "long.jsonl", tmp / "long.xlog.jsonl", tmp / "report.json"
        records = generate_long_trace(trace, args.cycles)
        props = five_properties(tmp / "five.toml")
        with_props = ("--property", str(props))
        print(f"trace: {records:,} records ({args.cycles} cycles); properties: {', '.join(FIVE)}")
        replay(trace, log, report, with_props)  # warm-up: imports, lark, compiled formulas
        replay(trace, log, report)
        ratios, bases, withs = [], [], []
        for n in range(args.rounds):
            base = timed(trace, log, report, ())
            with_ = timed(trace, log, report, with_props)
            bases.append(base)
            withs.append(with_)
            ratios.append(with_ / base)
            print(f"round {n + 1}: replay {base:6.2f} s, with five properties {with_:6.2f} s, "
                  f"ratio {with_ / base:.3f}")
        clock = "CPU" if args.cpu else "wall"
        print(f"ratio with/without ({clock}, {args.rounds} interleaved rounds): "
              f"{min(ratios):.3f}-{max(ratios):.3f}; best against best "
              f"{min(withs) / min(bases):.3f} (target <= 1.3)")
        replay(trace, log, report)  # the baseline's log, for the monitors alone
        lines, seconds = monitor_cost(log, props)
        print(f"monitors alone: {lines:,} log lines x {len(FIVE)} properties in {seconds:.2f} s "
              f"= {seconds * 1e6 / lines / len(FIVE):.2f} us per line and property "
              f"({clock})")


if __name__ == "__main__":
    main()

"""What NAS message protection costs replay (issue 24): ``ue-stack replay traces/`` at two
commits, A/B in the same run, interleaved, CPU time of the replay process only.

Each commit is checked out into a temporary git worktree; both replay the *same* input,
the ``traces/`` directory of the older commit (the newer code reads every v1 trace). One
round runs A then B (or B then A, alternating, so drift on a loaded machine hits both);
each run is a fresh ``python`` process that replays once untimed (lazy imports) and then
five times with ``time.process_time`` around each ``ue_stack.cli.main(["replay", ...])``
call, summed. Prints per-round ratios
B/A and their range; the target is B/A <= 1.10.

Default pairs — the two commits that put work on replay's path:

- ``ca05958`` (the boundary, ``discarded`` lines, NAS-4/NAS-5 in the online checker)
  against its parent ``27ffefd``;
- ``2fdf72f`` (default COUNTs tracked by the boundary and the checker) against its
  parent;
- ``0a888ab`` (replay checks a captured MAC with the UE's own keys) against its parent.

Run from the repository root (needs git and the project's .venv)::

    .venv/bin/python benchmarks/bench_protection.py [--rounds 5] [--pair OLD NEW ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRS = [("27ffefd", "ca05958"), ("2fdf72f~1", "2fdf72f"), ("0a888ab~1", "0a888ab")]

# Runs inside the checked-out tree: replay the traces, print the CPU seconds of the call.
TIMED = """
import contextlib, io, sys, time
from ue_stack.cli import main
args = ["replay", sys.argv[1], "--report", sys.argv[3]]  # the checker runs online
main(args)  # the first run also imports what replay imports lazily: not timed
spent = 0.0
for _ in range(int(sys.argv[4])):
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.process_time()
        status = main(args)
        spent += time.process_time() - start
    assert status in (0, 1), status
print(spent)
"""


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench-protection-") as tmp:
        path = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                        str(path), rev], check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(path)], check=True)


REPEAT = 5  # replays of traces/ per process, summed (one takes a quarter second)


def cpu_seconds(tree: Path, traces: Path, scratch: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", TIMED, str(traces), str(scratch / "log.jsonl"),
         str(scratch / "report.json"), str(REPEAT)],
        cwd=tree, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"replay at {tree} failed: {out.stderr.strip()[-500:]}")
    return float(out.stdout.strip().splitlines()[-1])


def compare(old: str, new: str, rounds: int) -> list[float]:
    ratios = []
    with worktree(old) as a, worktree(new) as b, tempfile.TemporaryDirectory() as scratch:
        traces = a / "traces"
        cpu_seconds(a, traces, Path(scratch))  # warm the file cache, write .pyc files
        cpu_seconds(b, traces, Path(scratch))
        for i in range(rounds):
            order = [(a, "A"), (b, "B")] if i % 2 == 0 else [(b, "B"), (a, "A")]
            got = {name: cpu_seconds(tree, traces, Path(scratch)) for tree, name in order}
            ratios.append(got["B"] / got["A"])
            print(f"  round {i + 1}: A {got['A']:.3f} s  B {got['B']:.3f} s  "
                  f"B/A {ratios[-1]:.3f}")
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pair", nargs=2, action="append", metavar=("OLD", "NEW"))
    args = parser.parse_args()
    for old, new in args.pair or PAIRS:
        print(f"replay traces/ (of {old}): A = {old}, B = {new}, CPU time of the replay call")
        ratios = compare(old, new, args.rounds)
        print(f"  B/A range {min(ratios):.3f}..{max(ratios):.3f}, "
              f"median {statistics.median(ratios):.3f} (target <= 1.10)")


if __name__ == "__main__":
    main()

"""Golden exchange logs: what the model logs today for the whole trace library and for three
simulations, byte for byte (a refactor that must not change behaviour is checked against
them by ``tests/replay/test_golden.py``).

Regenerate deliberately when behaviour changes, and say in the commit which lines changed
and why::

    .venv/bin/python tests/data/golden/regenerate.py

The cases are run in-process through the command line (``ue_stack.cli.main``), as a user
would run them; each writes ``<case>.xlog.jsonl`` beside this file.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

# Three simulations that between them exercise many UEs on one bus (ordering across UEs),
# a delayed message with timers in between (w1) and a lost SMC (a fault, W2).
SIMULATIONS: dict[str, list[str]] = {
    "sim-reauth-between-af-sessions-ues3": ["reauth-between-af-sessions", "--ues", "3"],
    "sim-w1-defer-off": ["w1-defer-off"],
    "sim-w2-smc-lost": ["w2-smc-lost"],
}


def cases() -> Iterator[tuple[str, list[str]]]:
    """(case name, ``ue-stack`` arguments without ``--log``) for every golden log."""
    for trace in sorted((ROOT / "traces").glob("*.jsonl")):
        yield f"replay-{trace.stem}", ["replay", str(trace.relative_to(ROOT))]
    for name, args in SIMULATIONS.items():
        yield name, ["simulate", *args]


def produce(name: str, args: list[str], out: Path) -> None:
    """Run one case from the repository root, writing its exchange log to ``out``."""
    from ue_stack.cli import main

    with contextlib.chdir(ROOT), contextlib.redirect_stdout(io.StringIO()):
        status = main([*args, "--log", str(out)])
    if status not in (0, 1):
        raise RuntimeError(f"golden case {name}: ue-stack exited {status}")


def regenerate() -> None:
    for old in HERE.glob("*.xlog.jsonl"):
        old.unlink()
    for name, args in cases():
        produce(name, args, HERE / f"{name}.xlog.jsonl")
        print(f"wrote {name}.xlog.jsonl", file=sys.stderr)


if __name__ == "__main__":
    regenerate()

"""``ue-stack explore``: bounded breadth-first exploration of the executable model
(``ue_stack.explore``), each finding written as a trace that ``ue-stack replay`` runs.
Exit 1 exactly when a finding labelled ``new`` exists (docs/explore.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from ..errors import InputError
from ..outputs import open_output
from . import add_engine_options, engine_of

MAX_DEPTH = 30
MAX_JOBS = 64


def register(sub: Any) -> None:
    p = sub.add_parser("explore")
    p.add_argument("--depth", type=int, default=6, help="moves per path (default 6)")
    p.add_argument("--app-mode", choices=("per-kaf", "legacy-cache"), default="per-kaf")
    p.add_argument("--akma-defer", choices=("on", "off"), default="on")
    p.add_argument("--attacker", choices=("none", "drop", "drop+replay", "forge"), default="none",
                   help="an on-path attacker on N1: drops downlinks, replays earlier ones; "
                        "forge also injects them plain, with a bad MAC, or replays a "
                        "protected one (no keys)")
    p.add_argument("-o", dest="outdir", metavar="DIR",
                   help="write DIR/summary.json and one trace per finding")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    add_engine_options(p)
    p.set_defaults(run=run)


def run(args: Any) -> int:
    from ..explore.search import Settings, explore
    from ..explore.summary import summary

    if not 1 <= args.depth <= MAX_DEPTH:
        raise InputError(f"--depth must be 1..{MAX_DEPTH}, got {args.depth}", field="--depth")
    if not 1 <= args.jobs <= MAX_JOBS:
        raise InputError(f"--jobs must be 1..{MAX_JOBS}, got {args.jobs}", field="--jobs")
    if args.outdir == "-":  # a folder of traces and a summary cannot go to stdout
        raise InputError("names a folder (summary.json and one trace per finding); '-' "
                         "(stdout) is not one", field="-o")
    engine = engine_of(args)
    outdir = Path(args.outdir) if args.outdir else None
    if outdir is not None:
        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create folder: {exc.strerror}", file=str(outdir),
                             field="-o") from None
        open_output(outdir / "summary.json", "-o").close()  # fails now, not after the run
    settings = Settings(args.app_mode, args.akma_defer == "on", args.attacker)

    def progress(result: Any, level: int) -> None:
        rate = result.transitions / result.seconds if result.seconds else 0.0
        print(f"explore: depth {level}/{args.depth}: {result.states} states, "
              f"{result.transitions} runs, {rate:.0f} runs/s", file=sys.stderr)

    result = explore(args.depth, settings, args.jobs, progress, engine)
    out = summary(result, outdir)
    print(f"states {out['states']}  runs {out['transitions']}  seconds {out['seconds']}  "
          f"states/s {out['states'] / max(out['seconds'], 1e-9):.0f}")
    print(f"NAS table rows covered {out['table_rows_covered']}/{out['table_rows_total']}")
    for row in out["rows_not_reached"]:
        print(f"  not reached: {row}")
    print("invariant  label  depth  trace")
    for f in out["findings"]:
        print(f"{f['invariant']:<10} {f['label']:<6} {f['depth']:>5}  {f.get('trace', '-')}")
    if not out["findings"]:
        print("no violation up to this depth")
    if outdir is not None:
        with open_output(outdir / "summary.json", "-o") as fh:
            fh.write(orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")
    return 1 if any(f["label"] == "new" for f in out["findings"]) else 0

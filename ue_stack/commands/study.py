"""``ue-stack study``: the desync study on the network twin (docs/study.md) — failure share of AF
sessions against the re-authentication interval, per upper-layer mode, with and without
SMC loss, checked against arithmetic; and how long a stale A-KID stays in use after each
KAUSF change and how many A-KID/AF pairs an observer could link. ``--refresh-period``
lets the twin's home network re-authenticate on its own timer instead (TS 33.501 6.1.5).
Writes study.csv, study.json, study.png/.svg and staleness.png/.svg.

Exit status: 0 unless the simulation's disagreement with the arithmetic is implausible
across all points — more points outside their 95% interval than chance explains (a
binomial test, ``ue_stack.study.agreement``); with ``--strict``, 0 only when every point
agrees. 1 otherwise (the table says which points), 2 unusable input.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from ..limits import MAX_JOBS, int_option
from ..outputs import output_folder
from . import add_engine_options, engine_of


def _floats(lo: float, hi: float, name: str) -> Callable[[str], tuple[float, ...]]:
    def parse(text: str) -> tuple[float, ...]:
        try:
            values = tuple(float(x) for x in text.split(",") if x.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be numbers separated by commas, got {text!r}") from None
        if not values or any(not lo <= v <= hi for v in values):
            raise argparse.ArgumentTypeError(f"each {name} must be in {lo:g}..{hi:g}")
        return tuple(sorted(set(values)))

    return parse


def register(sub: Any) -> None:
    from ..study.sweep import DEFAULT_LOSS, DEFAULT_RATES

    p = sub.add_parser("study")
    p.add_argument("-o", "--out", default="study", metavar="DIR",
                   help="folder for study.csv/.json/.png/.svg (created; default ./study)")
    p.add_argument("--seed", type=int_option(0, 2**63 - 1), default=0, metavar="S",
                   help="base seed; each parameter point derives its own (default 0)")
    p.add_argument("--jobs", type=int_option(1, MAX_JOBS), default=os.cpu_count() or 1,
                   metavar="N", help="worker processes (default: one per CPU)")
    p.add_argument("--ues", type=int_option(1, 10_000), default=30, metavar="N",
                   help="UEs per parameter point (default 30)")
    p.add_argument("--intervals", type=int_option(2, 1000), default=20, metavar="N",
                   help="re-authentication intervals per UE: D = N*T (default 20)")
    p.add_argument("--latency", type=float,
                   default=0.5, metavar="S",
                   help="one-way N1 delay in seconds, the length of W1 (default 0.5)")
    p.add_argument("--reauth-interval", type=_floats(10.0, 1e5, "interval"),
                   default=None, metavar="T,...",
                   help="re-authentication intervals T in seconds, the study starting each "
                   "(default 60,120,240,480)")
    p.add_argument("--refresh-period", type=_floats(10.0, 1e5, "period"), default=None,
                   metavar="T,...",
                   help="instead: the home network re-authenticates every T seconds on its "
                   "own timer (KAUSF refresh, TS 33.501 6.1.5)")
    p.add_argument("--afs", type=int_option(1, 1000), default=4, metavar="N",
                   help="AFs the application spreads its requests over (default 4)")
    p.add_argument("--af-failure-indication", action="store_true",
                   help="the AFs answer a stale A-KID with a failure indication and the "
                   "application retries (Rel-18): how many sessions recover, how late")
    p.add_argument("--kaf-rate", type=_floats(0.0, 600.0, "rate"), default=DEFAULT_RATES,
                   metavar="R,...", help="KAF requests per minute per UE (default 0.5,2)")
    p.add_argument("--smc-loss", type=_floats(0.0, 1.0, "probability"), default=DEFAULT_LOSS,
                   metavar="Q,...", help="SMC loss probability per re-authentication "
                   "(default 0,0.1)")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when any point's 95%% interval misses the arithmetic (default: "
                   "only when more miss than chance explains; docs/study.md)")
    add_engine_options(p)
    p.set_defaults(run=run)


def run(args: Any) -> int:
    from ..errors import InputError
    from ..progress import terminal_progress
    from ..study.agreement import agreement, verdict_line
    from ..study.model import HOME_NETWORK, SCHEDULED, Setup
    from ..study.sweep import DEFAULT_T, measured_w1, points, run_all, summarise, write_outputs
    from ..version import __version__

    if not 0.0 <= args.latency <= 5.0:
        raise InputError(f"study: argument --latency: must be in 0..5 s, got {args.latency:g}")
    if args.refresh_period is not None and args.reauth_interval is not None:
        raise InputError("study: argument --refresh-period: not with --reauth-interval "
                         "(the home network's timer or the study's schedule, not both)")
    option, intervals, trigger = (
        ("--refresh-period", args.refresh_period, HOME_NETWORK)
        if args.refresh_period is not None else
        ("--reauth-interval", args.reauth_interval or DEFAULT_T, SCHEDULED))
    if min(intervals) <= 8 * args.latency + 40:
        # a lost SMC keeps the AMF busy for 5 x T3560 (30 s): the next re-authentication
        # must find it idle, and W1 must stay small against T (docs/study.md: w << T)
        raise InputError(f"study: argument {option}: each T must exceed "
                         f"40 s + 8 x latency ({40 + 8 * args.latency:g} s)")
    engine = engine_of(args)
    outdir = output_folder(args.out, "-o", create=True)
    setup = Setup(ues=args.ues, intervals=args.intervals, latency_s=args.latency,
                  seed=args.seed, afs=args.afs,
                  af_failure_indication=args.af_failure_indication)
    todo = points(intervals, args.kaf_rate, args.smc_loss, trigger)

    with terminal_progress("study", "point", len(todo)) as bar:
        def progress(items: Any, _total: int) -> Any:
            for done, item in enumerate(items, 1):
                bar.update(done)
                yield item

        results = run_all(todo, setup, min(args.jobs, len(todo)), progress, engine)
    rows = [summarise(r, setup) for r in results]
    decision = agreement(rows, strict=args.strict)
    meta = {"agreement": decision, "ue_stack_version": __version__,
            "argv": ["ue-stack", "study", *_argv_of(args)]}
    written = write_outputs(outdir, rows, setup, measured_w1(results), meta)
    recovery = ["", *recovery_table(rows)] if args.af_failure_indication else []
    for line in [*table(rows), verdict_line(decision), "", *privacy_table(rows), *recovery]:
        print(line)
    print("wrote " + " ".join(str(p) for p in written))
    return 0 if decision["agrees"] else 1


def _argv_of(args: Any) -> list[str]:
    """The study's options as given on the command line (argparse keeps no copy): the
    command's own arguments when it was run from one, else the options' values."""
    import sys

    argv = sys.argv[1:]
    if argv and argv[0] == "study":
        return [a for a in argv[1:] if a != "--debug"]
    return [f"--{k.replace('_', '-')}={v}" for k, v in sorted(vars(args).items())
            if k not in ("run", "command", "debug") and v is not None]


_HEAD = f"{'mode':<26} {'T/s':>6} {'λ/min':>6} {'q':>5}"


def _point(r: dict[str, Any]) -> str:
    """The cells that name a point: mode, T, rate, loss (every table starts with them)."""
    from ..study.model import mode_label

    return (f"{mode_label(r['mode'], r['akma_defer']):<26} {r['reauth_interval_s']:>6g} "
            f"{r['kaf_rate_per_min']:>6g} {r['smc_loss']:>5g}")


def _p50_p99(p50: float | None, p99: float | None) -> str:
    return "-" if p50 is None else f"{p50:.0f}/{p99:.0f}"


def _share(r: dict[str, Any]) -> str:
    """Fail share and interval; n/a at a point with no session (no share to show)."""
    if not r["sessions"]:
        return f"{'n/a':>10} {'n/a':>19}"
    return f"{r['fail_share']:>10.4f} [{r['ci_low']:.4f}, {r['ci_high']:.4f}]"


def _agrees(flag: bool | None) -> str:
    return "n/a" if flag is None else "yes" if flag else "NO"


def table(rows: list[dict[str, Any]]) -> list[str]:
    out = [f"{_HEAD} {'sessions':>8} {'fail share':>10} {'95% interval':>19} "
           f"{'expected':>9}  agrees  {'deferred p50/p99 ms':>20}"]
    for r in rows:
        lat = _p50_p99(r["defer_latency_p50_ms"], r["defer_latency_p99_ms"])
        out.append(
            f"{_point(r)} {r['sessions']:>8} "
            f"{_share(r)} "
            f"{r['expected_share']:>9.4f}  {_agrees(r['agrees']):<6}  {lat:>20}")
    return out


def privacy_table(rows: list[dict[str, Any]]) -> list[str]:
    """After each KAUSF change: how long a replaced A-KID stays in use, and the A-KID/AF
    pairs per UE an observer could link across the change, each beside its arithmetic."""
    out = [f"{_HEAD} {'changes':>8} {'stale A-KID s':>13} {'95% interval':>17} "
           f"{'expected':>9} {'linkable/UE':>11} {'95% interval':>15} {'expected':>9}"]
    for r in rows:
        out.append(
            f"{_point(r)} {r['kausf_changes']:>8} "
            f"{r['stale_a_kid_s']:>13.2f} [{r['stale_a_kid_ci_low']:.1f}, "
            f"{r['stale_a_kid_ci_high']:.1f}] {r['expected_stale_a_kid_s']:>9.2f} "
            f"{r['linkable_pairs_per_ue']:>11.2f} [{r['linkable_ci_low']:.1f}, "
            f"{r['linkable_ci_high']:.1f}] {r['expected_linkable_pairs']:>9.2f}")
    trigger = rows[0]["reauth_trigger"] if rows else "scheduled"
    who = ("the home network's own timer" if trigger == "home-network"
           else "the study's schedule")
    out.append(f"re-authentications started by {who}; 'stale A-KID s': from a KAUSF change "
               "to the last session presenting a replaced A-KID (docs/study.md)")
    return out


def recovery_table(rows: list[dict[str, Any]]) -> list[str]:
    """With --af-failure-indication: the sessions an AF answered with a failure indication,
    how many of them then succeeded, and how long after the first indication."""
    out = [f"{_HEAD} {'indicated':>9} {'recovered':>9} {'after p50/p99 ms':>17}"]
    for r in rows:
        after = _p50_p99(r["recovery_p50_ms"], r["recovery_p99_ms"])
        out.append(f"{_point(r)} {r['sessions_needing_recovery']:>9} "
                   f"{r['sessions_recovered']:>9} {after:>17}")
    out.append("the AFs answer a stale A-KID with a failure indication; the application "
               "retries 1 s later, per-kaf after asking NAS again (docs/akma-rel18.md)")
    return out

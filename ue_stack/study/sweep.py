"""The sweep: every parameter point, run in worker processes, summarised per point with a
95% interval bootstrapped over UEs, written as CSV, JSON and plots (docs/study.md "Outputs").

The sessions of one UE are correlated (a cached key, a lost SMC fail a run of them), so
the interval resamples whole UEs: the share is the pooled ratio (failed over sessions) of
a resample, and the interval its 2.5 and 97.5 percentiles.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ..app.akma_client import LEGACY_CACHE
from ..outputs import open_output, write_output
from ..pool import LOCAL, Engine, run_many
from .arithmetic import expected_linkable, expected_share, expected_stale_s
from .model import MODES, SCHEDULED, Point, PointResult, Setup, mode_label, run_point

FORMAT, VERSION = "ue-stack/study", 1
COLUMNS = ("mode", "akma_defer", "reauth_interval_s", "kaf_rate_per_min", "smc_loss",
           "sessions", "failed", "fail_share", "ci_low", "ci_high", "expected_share",
           "defer_latency_p50_ms", "defer_latency_p99_ms")
EXTRA = ("deferred_share", "requests", "agrees",  # compatible additions, after the contract
         "reauth_trigger", "kausf_changes", "stale_a_kid_s", "stale_a_kid_ci_low",
         "stale_a_kid_ci_high", "expected_stale_a_kid_s", "linkable_pairs_per_ue",
         "linkable_ci_low", "linkable_ci_high", "expected_linkable_pairs",
         "sessions_needing_recovery", "sessions_recovered", "recovery_p50_ms",
         "recovery_p99_ms")
BOOTSTRAP = 2000

DEFAULT_T = (60.0, 120.0, 240.0, 480.0)
DEFAULT_RATES = (0.5, 2.0)
DEFAULT_LOSS = (0.0, 0.1)


def points(intervals: Iterable[float], rates: Iterable[float],
           losses: Iterable[float], trigger: str = SCHEDULED) -> list[Point]:
    return [Point(mode, defer, T, rate, q, trigger)
            for q, rate, (mode, defer), T in itertools.product(losses, rates, MODES, intervals)]


def run_all(todo: list[Point], setup: Setup, jobs: int,
            progress: Callable[[Iterable[Any], int], Iterable[Any]],
            engine: Engine = LOCAL) -> list[PointResult]:
    """Every point, in ``todo``'s order whatever ``jobs`` and ``engine`` are
    (``pool.run_many``)."""
    work = [(p, setup) for p in todo]
    return list(progress(run_many(_run, work, jobs, engine), len(todo)))


def _run(item: tuple[Point, Setup]) -> PointResult:
    return run_point(*item)


def summarise(result: PointResult, setup: Setup) -> dict[str, Any]:
    """One CSV/JSON row (docs/study.md column names, then the extras)."""
    p = result.point
    failed = np.array([u.failed for u in result.ues], dtype=float)
    sessions = np.array([u.sessions for u in result.ues], dtype=float)
    total, bad = int(sessions.sum()), int(failed.sum())
    share = bad / total if total else 0.0
    rng = np.random.default_rng(p.seed(setup.seed))
    idx = rng.integers(0, len(sessions), size=(BOOTSTRAP, len(sessions)))
    denom = sessions[idx].sum(axis=1)
    boot = np.divide(failed[idx].sum(axis=1), denom, out=np.zeros(BOOTSTRAP), where=denom > 0)
    low, high = (float(x) for x in np.percentile(boot, [2.5, 97.5]))
    if bad == 0 and total:
        # nothing failed: resampling has no spread to show. The upper end is then the
        # exact (Clopper-Pearson) 97.5% bound for zero events in `total` sessions.
        high = 1.0 - 0.025 ** (1.0 / total)
    args = (p.mode, p.akma_defer, p.reauth_interval_s, p.kaf_rate_per_min, p.smc_loss,
            setup.intervals, setup.latency_s, p.offset(setup.latency_s))
    expected = expected_share(*args, recovery=setup.af_failure_indication)
    recovery = np.array(result.recovery_s) * 1000.0
    # staleness: summed spans over summed changes; linkability: pairs per UE
    changes = np.array([u.kausf_changes for u in result.ues], dtype=float)
    stale = np.array([u.stale_s for u in result.ues], dtype=float)
    linkable = np.array([u.linkable for u in result.ues], dtype=float)
    n_changes = changes[idx].sum(axis=1)
    stale_boot = np.divide(stale[idx].sum(axis=1), n_changes, out=np.zeros(BOOTSTRAP),
                           where=n_changes > 0)
    stale_low, stale_high = (float(x) for x in np.percentile(stale_boot, [2.5, 97.5]))
    link_low, link_high = (float(x) for x in np.percentile(linkable[idx].mean(axis=1),
                                                           [2.5, 97.5]))
    lat = np.array(result.defer_latencies_s) * 1000.0
    requests = sum(u.requests for u in result.ues)
    deferred = sum(u.deferred for u in result.ues)
    row = {
        "mode": p.mode, "akma_defer": p.akma_defer, "reauth_interval_s": p.reauth_interval_s,
        "kaf_rate_per_min": p.kaf_rate_per_min, "smc_loss": p.smc_loss,
        "sessions": total, "failed": bad, "fail_share": share, "ci_low": low,
        "ci_high": high, "expected_share": expected,
        "defer_latency_p50_ms": float(np.percentile(lat, 50)) if lat.size else None,
        "defer_latency_p99_ms": float(np.percentile(lat, 99)) if lat.size else None,
        "deferred_share": deferred / requests if requests else 0.0,
        "requests": requests,
        # the arithmetic lies in the interval (an interval of width 0 at 0 failures
        # agrees with an expectation of exactly 0 only); None ("n/a") at a point with no
        # AF session at all (--kaf-rate 0): there is no share to compare
        "agrees": bool(low - 1e-12 <= expected <= high + 1e-12) if total else None,
        "reauth_trigger": p.trigger,
        "kausf_changes": int(changes.sum()),
        "stale_a_kid_s": float(stale.sum() / changes.sum()) if changes.sum() else 0.0,
        "stale_a_kid_ci_low": stale_low, "stale_a_kid_ci_high": stale_high,
        "expected_stale_a_kid_s": expected_stale_s(*args),
        "linkable_pairs_per_ue": float(linkable.mean()),
        "linkable_ci_low": link_low, "linkable_ci_high": link_high,
        "expected_linkable_pairs": expected_linkable(*args, afs=setup.afs),
        "sessions_needing_recovery": sum(u.needed_recovery for u in result.ues),
        "sessions_recovered": sum(u.recovered for u in result.ues),
        "recovery_p50_ms": float(np.percentile(recovery, 50)) if recovery.size else None,
        "recovery_p99_ms": float(np.percentile(recovery, 99)) if recovery.size else None,
    }
    return row


def measured_w1(results: list[PointResult]) -> float | None:
    """W1 as the twin produced it: AAnF switch to the UE's new KAUSF, mean over all."""
    samples = [w for r in results for w in r.w1_s]
    return sum(samples) / len(samples) if samples else None


def write_outputs(outdir: Path, rows: list[dict[str, Any]], setup: Setup,
                  w1: float | None, meta: dict[str, Any] | None = None) -> list[Path]:
    """study.csv, study.json, study.png/.svg/.pdf and staleness.png/.svg/.pdf in
    ``outdir``. ``meta``: what else study.json records (the decision over all points,
    version, argv)."""
    csv_path, json_path = outdir / "study.csv", outdir / "study.json"
    with open_output(csv_path, "-o", text=True) as out:
        writer = csv.DictWriter(out, fieldnames=[*COLUMNS, *EXTRA], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    doc = {"format": FORMAT, "version": VERSION,
           "setup": {**asdict(setup), "w1_measured_s": w1,
                     "bootstrap_resamples": BOOTSTRAP},
           **(meta or {}),
           "points": rows}
    write_output(json_path, "-o", orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
    return [csv_path, json_path, *plot(outdir, rows, setup), *plot_privacy(outdir, rows, setup)]


COLOURS = {("legacy-cache", True): "#cf222e", ("per-kaf", False): "#bf8700",
           ("per-kaf", True): "#1a7f37"}
# Figures are byte-for-byte the same for the same rows: no dates, fixed SVG ids.
SAVE_METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}, "png": {}}
STABLE_RC: Any = {"svg.hashsalt": "ue-stack study", "svg.fonttype": "path", "pdf.fonttype": 42}


def plot(outdir: Path, rows: list[dict[str, Any]], setup: Setup) -> list[Path]:
    """Failure share against T (log axis), one line per mode and rate, 95% intervals,
    the arithmetic dashed; one column without SMC loss, one per loss probability > 0.
    Each column has two panels: legacy-cache near 1 on a linear axis (where its gap to
    1 - T/D can be read), per-kaf on a symmetric log axis. A point with no failure shows
    its one-sided upper bound (an arrow pointing down); a point whose interval misses the
    arithmetic is ringed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    losses = sorted({r["smc_loss"] for r in rows})
    rates = sorted({r["kaf_rate_per_min"] for r in rows})
    markers = dict(zip(rates, "osD^v", strict=False))
    legacy = any(r["mode"] == LEGACY_CACHE for r in rows)
    with plt.rc_context(STABLE_RC):
        fig, axes = plt.subplots(
            2 if legacy else 1, len(losses), figsize=(6.4 * len(losses), 6.4 if legacy else 4.8),
            sharex=True, squeeze=False, height_ratios=[1, 2] if legacy else None)
        for column, q in enumerate(losses):
            top, bottom = (axes[0][column], axes[1][column]) if legacy else (None, axes[0][column])
            for (mode, defer), rate in itertools.product(MODES, rates):
                sel = _line(rows, mode, defer, rate, q)
                if sel:
                    ax = top if mode == LEGACY_CACHE and top is not None else bottom
                    _series(ax, sel, mode, defer, rate, markers[rate], q, setup)
            _decorate(bottom, rows, q, log=True, title=top is None)
            if top is not None:
                _decorate(top, rows, q, log=False, title=True)
        for row_axes in axes:
            row_axes[0].set_ylabel("share of AF sessions\nthat fail (95% interval)")
        title = (f"KAF desync after re-authentication — {setup.ues} UEs per point, "
                 f"D = {setup.intervals}·T, N1 one-way {setup.latency_s:g} s (W1)")
        return save_figure(fig, list(axes.flat), title, 0.13, outdir, "study", key=_key())


def _series(ax: Any, sel: list[dict[str, Any]], mode: str, defer: bool, rate: float,
            marker: str, q: float, setup: Setup) -> None:
    """One line of the failure-share figure: points with intervals (one-sided where
    nothing failed), disagreeing points ringed, the arithmetic dashed."""
    colour = COLOURS[(mode, defer)]
    t, y, err = _with_interval(sel, "fail_share", "ci_low", "ci_high")
    zero = np.array([r["failed"] == 0 for r in sel])
    err[:, zero] = 0  # drawn below as one-sided bounds
    ax.errorbar(t, y, yerr=err, color=colour, marker=marker, capsize=3, linewidth=1.4,
                label=f"{mode_label(mode, defer)}, λ={rate:g}/min")
    if zero.any():
        high = np.array([r["ci_high"] for r in sel])[zero]
        ax.errorbar(t[zero], high, yerr=high * 0.6, uplims=True, color=colour, linestyle="none",
                    marker="_", markersize=8, capsize=0, linewidth=1)
    missed = np.array([r["agrees"] is False for r in sel])
    if missed.any():
        ax.plot(t[missed], y[missed], linestyle="none", marker="o", markersize=13,
                markerfacecolor="none", markeredgecolor="black", markeredgewidth=1.2)
    grid = np.geomspace(t.min(), t.max(), 60)
    offset = Point(mode, defer, 0, rate, q, sel[0]["reauth_trigger"]).offset(setup.latency_s)
    ax.plot(grid, [expected_share(mode, defer, x, rate, q, setup.intervals, setup.latency_s,
                                  offset, setup.af_failure_indication) for x in grid],
            color=colour, linestyle="--", linewidth=1, alpha=0.8)


def _decorate(ax: Any, rows: list[dict[str, Any]], q: float, log: bool, title: bool) -> None:
    _t_axis(ax, rows)
    if log:
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_ylim(-2e-4, 1.5)
        ax.set_xlabel("re-authentication interval T (s)")
    else:  # legacy-cache: a linear axis from just below its lowest interval to 1
        low = min(min(r["ci_low"], r["expected_share"]) for r in rows
                  if r["mode"] == LEGACY_CACHE)
        ax.set_ylim(max(0.0, low - 0.05), 1.005)
    if title:
        ax.set_title(f"SMC loss q = {q:g}" + ("  (W1 only)" if q == 0 else "  (W1 + W2)"))
    ax.grid(True, which="both", alpha=0.3)


def _key() -> list[tuple[str, Any]]:
    """Legend entries every series shares: the arithmetic, a one-sided bound, a point
    outside its interval."""
    from matplotlib.lines import Line2D

    return [
        ("arithmetic (docs/study.md)", Line2D([], [], color="grey", linestyle="--")),
        ("no failure: one-sided 97.5% upper bound",
         Line2D([], [], color="grey", marker="v", linestyle="none")),
        ("interval misses the arithmetic",
         Line2D([], [], marker="o", markersize=10, markerfacecolor="none",
                markeredgecolor="black", linestyle="none")),
    ]


def _line(rows: list[dict[str, Any]], mode: str, defer: bool, rate: float,
          q: float) -> list[dict[str, Any]]:
    """The rows of one plotted line, by T."""
    return sorted((r for r in rows if r["mode"] == mode and r["akma_defer"] == defer
                   and r["kaf_rate_per_min"] == rate and r["smc_loss"] == q),
                  key=lambda r: r["reauth_interval_s"])


def _with_interval(sel: list[dict[str, Any]], key: str, lo: str,
                   hi: str) -> tuple[Any, Any, Any]:
    """T, the value and its error bars (distances to the interval's ends)."""
    t = np.array([r["reauth_interval_s"] for r in sel])
    y = np.array([r[key] for r in sel])
    err = np.array([[r[key] - r[lo] for r in sel], [r[hi] - r[key] for r in sel]]).clip(min=0)
    return t, y, err


def _t_axis(ax: Any, rows: list[dict[str, Any]]) -> None:
    """T on a log axis, ticked at the swept values."""
    ax.set_xscale("log")
    ticks = sorted({r["reauth_interval_s"] for r in rows})
    ax.set_xticks(ticks, [f"{x:g}" for x in ticks])
    ax.minorticks_off()


def save_figure(fig: Any, legend_axes: Any, title: str, legend_height: float, outdir: Path,
                stem: str, key: list[tuple[str, Any]] | None = None) -> list[Path]:
    """The legend of ``legend_axes`` (one axis or several; each label once, then ``key``)
    below the panels and the title above, then ``stem``.png, .svg and .pdf in ``outdir``,
    the SVG and PDF byte-stable; the figure is closed."""
    import matplotlib.pyplot as plt

    handles: list[Any] = []
    labels: list[str] = []
    for ax in legend_axes if isinstance(legend_axes, list) else [legend_axes]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    for label, handle in key or ():
        handles.append(handle)
        labels.append(label)
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, legend_height, 1, 1))
    written = []
    with plt.rc_context(STABLE_RC):
        for ext in ("png", "svg", "pdf"):
            path = outdir / f"{stem}.{ext}"
            with open_output(path, "-o") as out:
                fig.savefig(out, format=ext, dpi=130, metadata=SAVE_METADATA[ext])
            written.append(path)
    plt.close(fig)
    return written


def plot_privacy(outdir: Path, rows: list[dict[str, Any]], setup: Setup) -> list[Path]:
    """staleness.png/.svg: against T, the time a stale A-KID stays in use after a KAUSF
    change and the A-KID/AF pairs an observer can link per UE, one line per mode (and
    loss), 95% intervals over UEs, the arithmetic dashed (docs/study.md)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12.8, 4.8), squeeze=False)
    rate = max({r["kaf_rate_per_min"] for r in rows})  # one rate: the busiest
    losses = sorted({r["smc_loss"] for r in rows})
    styles = dict(zip(losses, ("-", ":", "-.", "--"), strict=False))
    panels = (("stale_a_kid_s", "stale_a_kid_ci_low", "stale_a_kid_ci_high",
               "expected_stale_a_kid_s", "stale A-KID in use after a KAUSF change (s)"),
              ("linkable_pairs_per_ue", "linkable_ci_low", "linkable_ci_high",
               "expected_linkable_pairs", f"linkable A-KID/AF pairs per UE ({setup.afs} AFs)"))
    for ax, (key, lo, hi, exp, label) in zip(axes[0], panels, strict=True):
        for (mode, defer), q in itertools.product(MODES, losses):
            sel = _line(rows, mode, defer, rate, q)
            if not sel:
                continue
            t, y, err = _with_interval(sel, key, lo, hi)
            colour = COLOURS[(mode, defer)]
            ax.errorbar(t, y, yerr=err, color=colour, marker="o", capsize=3,
                        linestyle=styles[q], label=f"{mode_label(mode, defer)}, q={q:g}")
            ax.plot(t, [r[exp] for r in sel], color=colour, linestyle="--", marker="x",
                    linewidth=0.8, alpha=0.7)
        _t_axis(ax, rows)
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("KAUSF refresh period T (s)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0][-1].plot([], [], color="grey", linestyle="--", marker="x",
                     label="arithmetic (docs/study.md)")
    title = (f"What a stale A-KID costs — λ = {rate:g}/min, {setup.ues} UEs per point, "
             f"D = {setup.intervals}·T")
    return save_figure(fig, axes[0][-1], title, 0.13, outdir, "staleness")

"""``ue-stack replay TRACE|DIR...``: replay traces through the UE model and check the
invariants (docs/trace-format.md, docs/exchange-log.md, docs/invariants.md, docs/report.md,
docs/README.md).

Exit status: 0 all invariants hold (with ``--check-expect``: every trace met its
``expect``), 1 a violation (or a missed expectation), 2 unusable input. With several
traces, ``--log`` and ``--diagram`` name folders that receive one file per trace.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import colour
from ..app.akma_client import APP_MODES
from ..colour import cell
from ..errors import InputError
from ..hnkeys import load_hn_keys, reveal
from ..invariants.checker import merge_results
from ..keyfile import load_keys, with_keys
from ..limits import MAX_JOBS, int_option
from ..network.shadow import plmn_of_snn
from ..outputs import per_input
from ..pool import LOCAL, run_many
from ..progress import Bar, terminal_progress
from ..report import (
    add_expected_states,
    build_report,
    error_result,
    summary_lines,
    violated,
    write_report,
)
from ..runner import CheckedRun
from ..trace.loader import open_trace
from ..trace.replay import AKMA_ON_CAPTURE, Options, Replay
from ..trace.schema import UeConfig, suci_name
from . import (
    add_ci_options,
    add_engine_options,
    add_pcap_epoch,
    add_property_option,
    engine_of,
    jsonl_inputs,
    only_ues,
    properties_of,
    refuse_capture,
    refuse_partial,
    write_ci,
)

if TYPE_CHECKING:
    from ..html_report import Timeline


def register(sub: Any) -> None:
    p = sub.add_parser("replay")
    p.add_argument("traces", nargs="+", metavar="TRACE|DIR",
                   help="trace files, or folders (every *.jsonl inside)")
    p.add_argument("--app-mode", choices=APP_MODES, help="override the traces' app_mode")
    p.add_argument("--akma-defer", choices=("on", "off"),
                   help="override the traces' akma_defer")
    p.add_argument("--log", metavar="FILE", help="exchange log (a folder for several traces)")
    p.add_argument("--report", metavar="FILE",
                   help="write the report JSON (docs/report.md); '-' for stdout")
    p.add_argument("--diagram", metavar="FILE",
                   help="Mermaid sequence diagram (a folder for several traces)")
    p.add_argument("--html", metavar="FILE",
                   help="one self-contained HTML report covering every trace")
    p.add_argument("--pcap", metavar="FILE",
                   help="what crossed N1 as a pcap Wireshark opens (a folder for several)")
    p.add_argument("--check-expect", action="store_true",
                   help="exit status reflects whether every trace met its `expect`")
    p.add_argument("--keys", metavar="FILE",
                   help="credentials CSV (supi,k,opc or supi,k,op) for traces without K/OPc")
    p.add_argument("--hn-key", metavar="FILE",
                   help="home network private keys CSV (key_id,profile,private): a trace's "
                   "concealed SUCI is de-concealed to its SUPI (and its --keys row)")
    p.add_argument("--jobs", type=int_option(1, MAX_JOBS), default=1, metavar="N",
                   help="replay N traces at once in separate processes")
    add_pcap_epoch(p)
    add_ci_options(p)
    add_property_option(p)
    add_engine_options(p)
    p.set_defaults(run=run)


@dataclass
class TraceOutcome:
    """What one trace's replay returns to the parent process (picklable)."""

    path: str
    report: dict[str, Any] | None = None
    error: str | None = None
    exc: InputError | None = None  # the error itself (file, line, field), for the API
    timeline: dict[str, Any] | None = None  # with --html: what the page draws
    skipped: bool = False  # --ue names none of this trace's UEs


def ue_names(ue: UeConfig) -> dict[str, str]:
    """How reports name the trace's UE: a concealed one by its SUCI, not the stand-in SUPI
    replay gives it."""
    return {ue.supi: suci_name(ue.suci)} if ue.suci is not None else {}


def replay_one(path: str, options: Options, log_path: str | None,
               diagram_path: str | None, progress: Any = None, *,
               pcap_path: str | None = None, html: bool = False,
               only_ues: frozenset[str] | None = None,
               properties: tuple[Any, ...] = (), pcap_epoch: float | None = None,
               ) -> TraceOutcome:
    """Replay one trace end to end; an input error becomes ``TraceOutcome.error``. With
    ``only_ues`` (``--ue``), a trace of another UE is skipped. ``properties``
    (``--property``) are checked beside the invariants."""
    try:
        refuse_partial(path, "trace")
        refuse_capture(path, "a trace")
        with open_trace(path) as trace:
            header = dataclasses.replace(trace.header,
                                         ue=with_keys(reveal(trace.header.ue, options.hn_keys),
                                                      options.keys))
            names = ue_names(header.ue)
            if only_ues is not None and not only_ues & {header.ue.supi, *names.values()}:
                return TraceOutcome(path, skipped=True)
            outputs: list[Any] = []
            if pcap_path:  # dpkt only when asked: start-up counts on many short traces
                from ..capture.writer import PcapWriter

                outputs.append(PcapWriter(pcap_path, _plmn(header), pcap_epoch))
            timeline: Timeline | None = None
            if html:  # imported only when asked, like dpkt above
                from ..html_report import Timeline

                timeline = Timeline(path)
                outputs.append(timeline)
            with CheckedRun(path, log_path, diagram_path, outputs=outputs,
                            ue_names=names, properties=properties) as run:
                run.checker.add_secret_values(header.ue.secret_values())
                replay = Replay(header, options, run.record, progress=progress)
                try:
                    run.execute(lambda sink, app1: replay.run(iter(trace), app1, sink))
                except InputError as exc:
                    if exc.file is None:
                        exc.file = path
                    raise
                report = run.report(header.expect, replay.not_checked, replay.stats.as_dict())
                add_expected_states(report, replay.states_checked,
                                    ({"input": path, **m} for m in replay.state_misses))
                if replay.from_capture:
                    report["notes"] = [AKMA_ON_CAPTURE]
                if replay.alternatives:  # permitted choices the recorded UE made
                    report["alternatives"] = [{**a, "input": path} for a in replay.alternatives]
        return TraceOutcome(path, report=report,
                            timeline=timeline.data() if timeline is not None else None)
    except InputError as exc:
        return TraceOutcome(path, error=str(exc), exc=exc)


def _replay_job(job: dict[str, Any]) -> TraceOutcome:
    """``replay_one`` in a worker process (``pool.run_many`` passes one picklable item)."""
    return replay_one(**job)


def _plmn(header: Any) -> tuple[str, str]:
    """The serving PLMN for a capture's user location: the header's, or the one its
    serving network name spells; a made-up test PLMN when neither says."""
    if header.serving_plmn is not None:
        return header.serving_plmn.mcc, header.serving_plmn.mnc
    try:
        return plmn_of_snn(header.snn)
    except InputError:
        return "001", "01"


def merge(outcomes: list[TraceOutcome]) -> dict[str, Any]:
    """One report over every trace that could be replayed; ``results`` also has an entry
    for each trace that could not."""
    reports = [o.report for o in outcomes if o.report is not None]
    per_input = [o.report["results"][0] if o.report is not None else error_result(o.path)
                 for o in outcomes if not o.skipped]
    expected = [r["expect"]["matched"] for r in reports if "expect" in r]
    stats: dict[str, int] = {}
    properties: dict[str, Any] = {}
    for r in reports:
        for k, v in r["stats"].items():
            stats[k] = stats.get(k, 0) + v
        properties.update(r.get("properties", {}))
    merged = build_report(
        [r["inputs"][0] for r in reports],
        merge_results(r["invariants"] for r in reports),
        [v for r in reports for v in r["violations"]],
        [n for r in reports for n in r["not_checked"]],
        all(expected) if expected else None,
        stats,
        per_input=per_input,
        properties=properties,
    )
    states = [m for r in reports for m in r.get("expect", {}).get("states", ())]
    if any("states" in r.get("expect", {}) for r in reports):
        merged["expect"]["states"] = states
    notes = list(dict.fromkeys(n for r in reports for n in r.get("notes", ())))
    if notes:  # said once however many traces they concern
        merged["notes"] = notes
    chosen = [a for r in reports for a in r.get("alternatives", ())]
    if chosen:
        merged["alternatives"] = chosen
    return merged


def verdict_table(outcomes: list[TraceOutcome], colour: bool = False) -> list[str]:
    """One line per trace (verdict, expectation, violated ids, trace) and the tally;
    ``colour``: the verdict and expectation cells coloured (``ue_stack.colour``)."""
    rows = [("verdict", "expect", "violated", "trace")]
    for o in outcomes:
        if o.skipped:
            continue
        if o.report is None:
            rows.append(("error", "-", "-", o.path))
            continue
        r = o.report
        ids = " ".join(violated(r["invariants"])) or "-"
        expect = "-" if "expect" not in r else ("met" if r["expect"]["matched"] else "MISSED")
        rows.append((r["verdict"], expect, ids, o.path))
    width = [max(len(row[i]) for row in rows) for i in range(3)]
    paint = cell if colour else str
    lines = ["  ".join(c.ljust(w) if i == 2 or n == 0 else paint(c.ljust(w))
                       for i, (c, w) in enumerate(zip(row[:3], width, strict=True)))
             + "  " + row[3] for n, row in enumerate(rows)]
    verdicts = [row[0] for row in rows[1:]]
    expects = [row[1] for row in rows[1:] if row[1] != "-"]
    tally = ", ".join(f"{verdicts.count(v)} {v}" for v in ("pass", "fail", "error")
                      if verdicts.count(v))
    if expects:
        missed = expects.count("MISSED")
        tally += (f"; {missed} of {len(expects)} MISSED their expect" if missed
                  else f"; all {len(expects)} with an expect met it")
    return [*lines, f"{len(verdicts)} traces: {tally}"]


def replay_report(args: Any, show_progress: bool = True,
                  ) -> tuple[dict[str, Any], list[TraceOutcome]]:
    """Replay the traces ``args`` names and write their outputs; the merged report (with
    ``errors`` for traces that could not be replayed) and each trace's outcome. Shared by
    the command and ``ue_stack.replay``."""
    engine = engine_of(args)
    paths = jsonl_inputs(args.traces, "trace", "TRACE")
    properties = properties_of(args)
    several = len(paths) > 1
    options = Options(
        app_mode=args.app_mode,
        akma_defer=None if args.akma_defer is None else args.akma_defer == "on",
        keys=load_keys(args.keys) if args.keys else None,
        hn_keys=load_hn_keys(args.hn_key) if args.hn_key else None,
    )
    logs = per_input(args.log, "--log", paths, ".xlog.jsonl")
    diagrams = per_input(args.diagram, "--diagram", paths, ".mmd")
    pcaps = per_input(args.pcap, "--pcap", paths, ".pcap")
    jobs: list[dict[str, Any]] = [
        {"path": str(p), "options": options, "log_path": log, "diagram_path": diagram,
         "pcap_path": pcap, "pcap_epoch": args.pcap_epoch, "html": bool(args.html),
         "only_ues": only_ues(args),
         "properties": properties}
        for p, log, diagram, pcap in zip(paths, logs, diagrams, pcaps, strict=True)]
    with terminal_progress("replay", "trace", len(jobs), enabled=show_progress) as bar:
        if several and (args.jobs > 1 or engine != LOCAL):
            results = run_many(_replay_job, jobs, args.jobs, engine)
        else:
            results = (replay_one(**job, progress=_records_of(bar, job["path"])) for job in jobs)
        outcomes: list[TraceOutcome] = []
        for outcome in results:
            outcomes.append(outcome)
            bar.update(len(outcomes))

    report = merge(outcomes)
    errors = [o.error for o in outcomes if o.error]
    if errors:  # a compatible extension: traces that could not be replayed, and why
        report["errors"] = errors
        report["verdict"] = "fail"  # nothing can be said to hold for an unreadable trace
    if args.report:
        write_report(args.report, report)
    if args.html:
        from ..html_report import write_html

        write_html(args.html, report, [o.timeline for o in outcomes if o.timeline],
                   "ue-stack replay", args.check_expect)
    write_ci(args, report)
    return report, outcomes


def run(args: Any) -> int:
    report, outcomes = replay_report(args)
    errors = report.get("errors", [])
    to_stdout = args.report == "-"  # then the report is all that goes there
    if len(outcomes) > 1 and not to_stdout:
        print("\n".join(verdict_table(outcomes, colour.enabled(sys.stdout))))
        print()
    if report["inputs"] and not to_stdout:  # a summary of nothing would only mislead
        print("\n".join(summary_lines(report, colour=colour.enabled(sys.stdout))))
    for error in errors:
        print(f"ue-stack: {error}", file=sys.stderr)
    if errors:
        return 2
    if args.check_expect:
        return 0 if all((o.report or {}).get("expect", {}).get("matched", True)
                        for o in outcomes) else 1
    return 0 if report["verdict"] == "pass" else 1


def _records_of(bar: Bar, name: str) -> Any:
    """A callback for one trace's replay: the records read so far, shown on the bar."""
    return (lambda n: bar.note(f"{name}: {n:,} records")) if bar.active else None

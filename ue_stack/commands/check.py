"""`ue-stack check LOG... [--report FILE] [--diagram FILE]` (docs/README.md).

Streams each exchange log through a fresh ``Checker`` (state never crosses logs: corr is
unique only within one), prints a short summary and writes the report. Exit status: 0 all
invariants hold, 1 a violation, 2 unusable input — and then the diagram drawn so far and a
report of what was checked (with ``errors`` and verdict ``fail``: an unfinished check never
passes) stay on disk. Several logs (docs/README.md): each unusable one gets one stderr line,
the others are checked and summarised on stdout, exit 2; ``--diagram`` then names a
folder (one diagram per log).

``--check-expect`` (a compatible extension, like replay's): each log may have an
expectation beside it, ``NAME.expect.json`` for ``NAME.jsonl``, holding what a trace
header's ``expect`` holds (``verdict``, ``violations``); the exit status then says whether
every log with one met it (0) or not (1). The trace library's hand-made foreign logs
(``traces/logs/``) use it as negative controls for invariants the model never breaks.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from .. import colour, inputs
from ..diagram import MermaidWriter
from ..errors import InputError
from ..html_report import Timeline, write_html
from ..inputs import read_input, without_bom
from ..invariants import REPLAY_ONLY, Checker, Violation, merge_results
from ..outputs import per_input
from ..report import (
    build_report,
    error_result,
    expect_matched,
    input_result,
    summary_lines,
    violated,
    write_report,
)
from ..runner import Evidence, selected
from ..trace.loader import parse_expect
from ..xlog import iter_log_lines
from . import (
    add_ci_options,
    add_property_option,
    jsonl_inputs,
    only_ues,
    properties_of,
    refuse_capture,
    refuse_partial,
    refuse_trace,
    write_ci,
)


def register(sub: Any) -> None:
    p = sub.add_parser("check")
    p.add_argument("logs", nargs="+", metavar="LOG", help="exchange log (*.jsonl) or folder")
    p.add_argument("--report", metavar="FILE",
                   help="write the report JSON (docs/report.md); '-' for stdout")
    p.add_argument("--html", metavar="FILE", help="one self-contained HTML report")
    p.add_argument("--diagram", metavar="FILE", help="write a Mermaid sequence diagram here")
    p.add_argument("--check-expect", action="store_true",
                   help="exit status reflects whether every log met the expectation "
                        "beside it (NAME.expect.json for NAME.jsonl)")
    add_ci_options(p)
    add_property_option(p)
    p.set_defaults(run=run)


def check_report(args: Any) -> tuple[dict[str, Any], list[InputError]]:
    """Check the logs ``args`` names and write the report; the report (with ``errors``
    for logs that could not be read to the end) and those errors. Shared by the command
    and ``ue_stack.check``."""
    logs = jsonl_inputs(args.logs, "exchange log", "LOG")
    properties = properties_of(args)
    described = {p.id: p.describe() for p in properties}
    diagrams = per_input(args.diagram, "--diagram", logs, ".mmd")
    results: list[dict[str, Any]] = []
    violations: list[Violation] = []
    stats: dict[str, int] = {}
    not_checked = [{"invariant": i, "reason": "decided by replay only"} for i in REPLAY_ONLY]
    errors: list[InputError] = []
    met: list[tuple[bool, str]] = []  # (expectation met, log) of logs that have one
    entries: list[dict[str, Any]] = []  # the report's results, one per log
    timelines: list[dict[str, Any]] = []
    only = only_ues(args)
    for path, diagram_path in zip(logs, diagrams, strict=True):
        checker = Checker(input=str(path), properties=properties)
        evidence = Evidence()  # a replay's log carries trace lines and frames
        timeline = Timeline(str(path)) if args.html else None
        found_here: list[Violation] = []
        try:
            expect = expectation_of(path) if getattr(args, "check_expect", False) else None
            with MermaidWriter(diagram_path) if diagram_path else nullcontext() as diagram:
                refuse_partial(path, "exchange log")
                refuse_capture(path, "an exchange log")
                refuse_trace(path)
                outputs = [o for o in (diagram, timeline) if o is not None]
                log_line = 0
                for log_line, record in iter_log_lines(path):
                    if only is not None and not selected(record.get("ue"), only):
                        continue  # --ue: another UE's line is neither checked nor drawn
                    evidence.feed(record)
                    found = [replace(evidence.attach(v), log_line=log_line)
                             for v in checker.feed(record)]
                    _draw(outputs, record, found)
                    found_here.extend(found)
                # what only the end reveals is found at the log's last line
                found = [replace(evidence.attach(v), log_line=log_line or None)
                         for v in checker.finish()]
                _draw(outputs, None, found)
                found_here.extend(found)
            ids = violated(checker.results())
            verdict = "fail" if ids else "pass"
            matched = None
            if expect is not None:
                invariant_ids = [i for i in ids if i not in described]
                matched = expect_matched(expect, verdict, invariant_ids)
                met.append((matched, str(path)))
            entries.append(input_result(path, verdict, expect, matched, len(found_here),
                                          evidence.named_ues()))
        except InputError as exc:
            # docs/README.md, several inputs: say so once for this log and go on
            errors.append(exc)
            entries.append(error_result(path))
        violations.extend(found_here)
        if timeline is not None:
            timelines.append(timeline.data())
        results.append(checker.results())
        for key, value in checker.stats().items():
            stats[key] = stats.get(key, 0) + value
        for entry in checker.not_checked():
            if entry not in not_checked:
                not_checked.append(entry)
    report = build_report(logs, merge_results(results), violations, not_checked,
                          all(ok for ok, _ in met) if met else None, stats,
                          per_input=entries, properties=described)
    if met:  # a compatible extension: which log met its expectation
        report["expect"]["logs"] = [{"input": log, "matched": ok} for ok, log in met]
    if errors:  # an unfinished check never passes; the report says what was checked
        report["verdict"] = "fail"
        report["errors"] = [str(e) for e in errors]
    if args.report:
        write_report(args.report, report)
    if args.html:
        write_html(args.html, report, timelines, "ue-stack check", args.check_expect)
    write_ci(args, report)
    return report, errors


def run(args: Any) -> int:
    report, errors = check_report(args)
    if errors and len(report["inputs"]) == 1:
        raise errors[0]  # one input: one line on stderr, nothing on stdout
    if args.report != "-":  # else the report is all that goes to stdout
        for line in summary_lines(report, colour=colour.enabled(sys.stdout)):
            print(line)
        for entry in report.get("expect", {}).get("logs", []):
            print(f"expect {'met' if entry['matched'] else 'MISSED'}  {entry['input']}")
    sys.stdout.flush()
    for error in errors:
        print(f"ue-stack: {error}", file=sys.stderr)
    if errors:
        return 2
    if args.check_expect:
        return 0 if report.get("expect", {}).get("matched", True) else 1
    return 1 if report["verdict"] == "fail" else 0


def expectation_of(log: Path) -> dict[str, Any] | None:
    """The expectation beside a log (``NAME.expect.json`` for ``NAME.jsonl``), or None."""
    sidecar = log.with_name(log.name.removesuffix(".jsonl") + ".expect.json")
    if not sidecar.exists():
        return None
    inputs.register(sidecar, "expectation")  # read by this run: no output may replace it
    raw = read_input(sidecar, "expectation")
    try:
        obj = orjson.loads(without_bom(raw))
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc}", file=str(sidecar)) from None
    return parse_expect(obj, str(sidecar))


def _draw(outputs: list[Any], record: dict[str, Any] | None, found: list[Violation]) -> None:
    for output in outputs:
        if record is not None:
            output.feed(record)
        for v in found:
            output.violation(v)

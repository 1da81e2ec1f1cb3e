"""`ue-stack check LOG... [--report FILE] [--diagram FILE]` (FORMATS.md section 5).

Streams each exchange log through a fresh ``Checker`` (state never crosses logs: corr is
unique only within one), prints a short summary and writes the report. Exit status: 0 all
invariants hold, 1 a violation, 2 unusable input — and then the diagram drawn so far and a
report of what was checked (with ``errors`` and verdict ``fail``: an unfinished check never
passes) stay on disk. Several logs (FORMATS.md 5): each unusable one gets one stderr line,
the others are checked and summarised on stdout, exit 2; ``--diagram`` then names a
folder (one diagram per log).
"""

from __future__ import annotations

import sys
from contextlib import nullcontext

from ..diagram import MermaidWriter
from ..errors import InputError
from ..invariants import REPLAY_ONLY, Checker, Violation, merge_results
from ..outputs import per_input
from ..report import build_report, summary_lines, write_report
from ..xlog import iter_log
from . import jsonl_inputs, refuse_capture, refuse_trace


def register(sub) -> None:
    p = sub.add_parser("check", help="check the invariants over exchange logs")
    p.add_argument("logs", nargs="+", metavar="LOG", help="exchange log (*.jsonl) or folder")
    p.add_argument("--report", metavar="FILE",
                   help="write the report JSON (docs/report.md); '-' for stdout")
    p.add_argument("--diagram", metavar="FILE", help="write a Mermaid sequence diagram here")
    p.set_defaults(run=run)


def check_report(args) -> tuple[dict, list[InputError]]:
    """Check the logs ``args`` names and write the report; the report (with ``errors``
    for logs that could not be read to the end) and those errors. Shared by the command
    and ``ue_stack.check``."""
    logs = jsonl_inputs(args.logs, "exchange log")
    diagrams = per_input(args.diagram, "--diagram", logs, ".mmd")
    results, violations, stats = [], [], {}
    not_checked = [{"invariant": i, "reason": "decided by replay only"} for i in REPLAY_ONLY]
    errors: list[InputError] = []
    for path, diagram_path in zip(logs, diagrams, strict=True):
        checker = Checker(input=str(path))
        try:
            with MermaidWriter(diagram_path) if diagram_path else nullcontext() as diagram:
                refuse_capture(path, "an exchange log")
                refuse_trace(path)
                for record in iter_log(path):
                    found = checker.feed(record)
                    _draw(diagram, record, found)
                    violations.extend(found)
                found = checker.finish()
                _draw(diagram, None, found)
                violations.extend(found)
        except InputError as exc:
            # FORMATS.md 5, several inputs: say so once for this log and go on
            errors.append(exc)
        results.append(checker.results())
        for key, value in checker.stats().items():
            stats[key] = stats.get(key, 0) + value
        for entry in checker.not_checked():
            if entry not in not_checked:
                not_checked.append(entry)
    report = build_report(logs, merge_results(results), violations, not_checked, None, stats)
    if errors:  # an unfinished check never passes; the report says what was checked
        report["verdict"] = "fail"
        report["errors"] = [str(e) for e in errors]
    if args.report:
        write_report(args.report, report)
    return report, errors


def run(args) -> int:
    report, errors = check_report(args)
    if errors and len(report["inputs"]) == 1:
        raise errors[0]  # one input: one line on stderr, nothing on stdout
    if args.report != "-":  # else the report is all that goes to stdout
        for line in summary_lines(report):
            print(line)
    sys.stdout.flush()
    for error in errors:
        print(f"ue-stack: {error}", file=sys.stderr)
    if errors:
        return 2
    return 1 if report["verdict"] == "fail" else 0


def _draw(diagram: MermaidWriter | None, record: dict | None, found: list[Violation]) -> None:
    if diagram is None:
        return
    if record is not None:
        diagram.feed(record)
    for v in found:
        diagram.violation(v)

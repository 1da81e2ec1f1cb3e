"""`ue-stack check LOG... [--report FILE] [--diagram FILE]` (FORMATS.md section 5).

Streams each exchange log through a fresh ``Checker`` (state never crosses logs: corr is
unique only within one), prints a short summary and writes the report. Exit status: 0 all
invariants hold, 1 a violation, 2 unusable input — and then the diagram drawn so far and a
report of what was checked (with ``error`` and verdict ``fail``: an unfinished check never
passes) stay on disk.
"""

from __future__ import annotations

import sys

from ..diagram import MermaidWriter
from ..errors import InputError
from ..invariants import REPLAY_ONLY, Checker, Violation, merge_results
from ..report import build_report, summary_lines, write_report
from ..xlog import iter_log
from . import jsonl_inputs


def register(sub) -> None:
    p = sub.add_parser("check", help="check the invariants over exchange logs")
    p.add_argument("logs", nargs="+", metavar="LOG", help="exchange log (*.jsonl) or folder")
    p.add_argument("--report", metavar="FILE", help="write the ue-stack/report JSON here")
    p.add_argument("--diagram", metavar="FILE", help="write a Mermaid sequence diagram here")
    p.set_defaults(run=run)


def run(args) -> int:
    logs = jsonl_inputs(args.logs, "exchange log")
    diagram = _writable(MermaidWriter, args.diagram) if args.diagram else None
    results, violations, stats = [], [], {}
    not_checked = [{"invariant": i, "reason": "decided by replay only"} for i in REPLAY_ONLY]
    error: InputError | None = None
    try:
        for path in logs:
            checker = Checker(input=str(path))
            try:
                for record in iter_log(path):
                    found = checker.feed(record)
                    _draw(diagram, record, found)
                    violations.extend(found)
                found = checker.finish()
                _draw(diagram, None, found)
                violations.extend(found)
            except InputError as exc:
                error = exc
            results.append(checker.results())
            for key, value in checker.stats().items():
                stats[key] = stats.get(key, 0) + value
            for entry in checker.not_checked():
                if entry not in not_checked:
                    not_checked.append(entry)
            if error is not None:
                break
    finally:
        if diagram is not None:
            diagram.close()
    report = build_report(logs, merge_results(results), violations, not_checked, None, stats)
    if error is not None:
        report["verdict"] = "fail"
        report["error"] = str(error)
    if args.report:
        _writable(write_report, args.report, report)
    if error is not None:
        raise error  # one line on stderr; the report on disk says what was checked
    for line in summary_lines(report):
        print(line)
    sys.stdout.flush()
    return 1 if report["verdict"] == "fail" else 0


def _writable(write, path: str, *more):
    """Run ``write(path, ...)``; a path we cannot write is unusable input (exit 2)."""
    try:
        return write(path, *more)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=path) from None


def _draw(diagram: MermaidWriter | None, record: dict | None, found: list[Violation]) -> None:
    if diagram is None:
        return
    if record is not None:
        diagram.feed(record)
    for v in found:
        diagram.violation(v)

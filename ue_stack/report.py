"""The ue-stack/report v1 document (docs/report.md) and its short human summary."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from .colour import cell
from .invariants import INVARIANT_IDS, Violation
from .outputs import write_output

FORMAT = "ue-stack/report"
VERSION = 1
STAT_KEYS = ("records", "exchanges", "kaf_derivations", "kausf_updates", "ul_skipped")


def violated(invariants: Mapping[str, Mapping[str, int]]) -> list[str]:
    """The ids with at least one violation, in the order given."""
    return [i for i, c in invariants.items() if c["violations"]]


def violated_invariants(report: Mapping[str, Any]) -> list[str]:
    """The violated ids of a report that are invariants, not ``--property`` properties
    (expectations name invariants: a trace's ``expect`` never names a property)."""
    properties = report.get("properties", {})
    return [i for i in violated(report["invariants"]) if i not in properties]


def expect_matched(expect: Mapping[str, Any], verdict: str, violated: Iterable[str]) -> bool:
    """Does the outcome match a trace's ``expect`` (verdict, and the set of violated ids)?"""
    if "verdict" in expect and expect["verdict"] != verdict:
        return False
    return "violations" not in expect or set(expect["violations"]) == set(violated)


def input_result(input: str | Path, verdict: str, expect: Mapping[str, Any] | None,
                 matched: bool | None, violations: int, ues: Iterable[str]) -> dict[str, Any]:
    """One entry of the report's ``results`` (docs/report.md): what one input came to.
    ``verdict`` is ``pass``, ``fail`` or ``error`` (the input could not be used)."""
    return {"input": str(input), "verdict": verdict,
            "expect": None if expect is None else dict(expect), "matched": matched,
            "violations": violations, "ues": sorted(set(ues))}


def error_result(input: str | Path) -> dict[str, Any]:
    """The ``results`` entry of an input that could not be used (its error is in ``errors``)."""
    return input_result(input, "error", None, None, 0, ())


def build_report(
    inputs: Iterable[str | Path],
    results: Mapping[str, Mapping[str, int]],
    violations: Iterable[Violation | Mapping[str, Any]],
    not_checked: Iterable[Mapping[str, str]] = (),
    expect: Mapping[str, Any] | bool | None = None,
    stats: Mapping[str, int] | None = None,
    *,
    ues: Iterable[str] = (),
    per_input: Iterable[Mapping[str, Any]] | None = None,
    properties: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The report dict. ``results`` is ``Checker.results()`` (ids missing there are listed
    with ``checked: 0``); ``expect`` is the trace's expectation (compared here), an
    already-computed bool, or None (then the report has no ``expect``). ``per_input`` is
    the report's ``results`` (one entry per input, ``input_result``); without it the report
    covers one input, whose entry is made here with ``ues``, the UEs it involved.
    ``properties``: what each ``--property`` says (``Checker.described_properties()``);
    their counts are in ``results`` beside the invariants', and an expectation is
    compared with the invariants only."""
    invariants: dict[str, dict[str, int]] = {}
    for i in (*INVARIANT_IDS, *(k for k in results if k not in INVARIANT_IDS)):
        counts = results.get(i, {})
        invariants[i] = {
            "checked": int(counts.get("checked", 0)),
            "violations": int(counts.get("violations", 0)),
        }
    listed = [v.to_dict() if isinstance(v, Violation) else dict(v) for v in violations]
    ids = violated(invariants)
    verdict = "fail" if ids or listed else "pass"
    report: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "inputs": [str(p) for p in inputs],
        "verdict": verdict,
        "invariants": invariants,
        "violations": listed,
        "not_checked": [dict(n) for n in not_checked],
    }
    if properties:
        report["properties"] = {i: dict(p) for i, p in properties.items()}
    matched: bool | None = None
    if expect is not None:
        invariant_ids = [i for i in ids if i not in (properties or {})]
        matched = (expect if isinstance(expect, bool)
                   else expect_matched(expect, verdict, invariant_ids))
        report["expect"] = {"matched": matched}
    if per_input is None:
        stated = expect if isinstance(expect, Mapping) else None
        per_input = [input_result(report["inputs"][0] if report["inputs"] else "", verdict,
                                  stated, matched, len(listed), ues)]
    report["results"] = [dict(r) for r in per_input]
    report["stats"] = {**dict.fromkeys(STAT_KEYS, 0), **(stats or {})}
    return report


def add_expected_states(report: dict[str, Any], checked: int,
                        misses: Iterable[Mapping[str, Any]]) -> None:
    """Fold a replay's ``expect_state`` results (docs/trace-format.md) into its report: with any
    stated, ``expect.states`` lists the ones not met, and a miss is a missed expectation
    (``--check-expect`` fails), for the report and for its input's ``results`` entry."""
    if not checked:
        return
    missed = [dict(m) for m in misses]
    expect = report.setdefault("expect", {"matched": True})
    expect["states"] = missed
    expect["matched"] = bool(expect["matched"]) and not missed
    for entry in report.get("results", ()):
        entry["matched"] = (entry["matched"] is not False) and not missed


def write_report(path: str | Path, report: Mapping[str, Any]) -> None:
    """Write the report as indented JSON (one document, newline-terminated); ``-`` is
    stdout, and the commands then print nothing else there."""
    data = orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n"
    if str(path) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_output(path, "--report", data)


def not_checked_lines(entries: Iterable[Mapping[str, Any]], most: int = 3) -> list[str]:
    """One line per distinct reason, naming the invariants and the inputs it concerns: the
    same reason for many traces (or for AKMA-1..4 at once) is said once, never repeated."""
    grouped: dict[str, tuple[list[str], list[str]]] = {}
    for n in entries:
        ids, names = grouped.setdefault(str(n.get("reason")), ([], []))
        for value, seen in ((n.get("invariant"), ids), (n.get("input"), names)):
            if value is not None and str(value) not in seen:
                seen.append(str(value))
    lines = []
    for reason, (ids, names) in grouped.items():
        where = ", ".join(names[:most]) + (f" and {len(names) - most} more"
                                           if len(names) > most else "")
        lines.append(f"  not checked: {', '.join(ids)}: {reason}"
                     + (f" [{where}]" if where else ""))
    return lines


def summary_lines(report: Mapping[str, Any], max_violations: int = 5,
                  colour: bool = False) -> list[str]:
    """A few lines for people: verdict, counts per invariant, the first violations;
    ``colour``: the verdict and each invariant's status coloured (``ue_stack.colour``)."""
    paint = cell if colour else str
    violations = report.get("violations", [])
    inputs = report.get("inputs", [])
    lines = [
        f"verdict: {paint(report['verdict'])} ({len(violations)} violation"
        f"{'' if len(violations) == 1 else 's'}, {len(inputs)} input"
        f"{'' if len(inputs) == 1 else 's'})"
    ]
    ids = report.get("invariants", {})
    width = max((len(i) for i in ids), default=7)  # --property ids may be longer
    for i, counts in ids.items():
        mark = "FAIL" if counts["violations"] else ("ok" if counts["checked"] else "-")
        lines.append(
            f"  {i:<{width}} {paint(f'{mark:<4}')} checked {counts['checked']:>6}  "
            f"violations {counts['violations']}"
        )
    for v in violations[:max_violations]:
        where = f"{v['input']} " if v.get("input") else ""
        at = f"{where}seq {v.get('seq')} t {v.get('t')}"
        lines.append(f"  {v['invariant']} at {at}: {v['message']}")
    if len(violations) > max_violations:
        lines.append(f"  ... and {len(violations) - max_violations} more (see the report)")
    lines.extend(not_checked_lines(report.get("not_checked", [])))
    lines.extend(f"  note: {n}" for n in report.get("notes", []))
    chosen = report.get("alternatives", [])
    if chosen:
        kinds = {f"{a['alternative']} ({a['clause']})": 0 for a in chosen}
        for a in chosen:
            kinds[f"{a['alternative']} ({a['clause']})"] += 1
        lines.append(f"  permitted alternatives the recorded UE took: {len(chosen)} — "
                     + ", ".join(f"{k} x{n}" for k, n in kinds.items()))
    if "expect" in report:
        lines.append(f"expectation {'matched' if report['expect']['matched'] else 'NOT matched'}")
    return lines

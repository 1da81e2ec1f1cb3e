"""Reports for CI: JUnit XML (``--junit``) and SARIF 2.1.0 (``--sarif``), both made from
the ue-stack/report document alone (docs/report.md, "For CI").

Both go through ``rules(report)``: every id the report counts — the invariants of
docs/invariants.md and any property, whose report entries have the same shape — with
what it states, its clause and its violations. A new kind of rule therefore shows up in
both outputs (and in the HTML) without code here, as long as its entries look like an
invariant's. What a property states comes from the report's ``properties`` object
(``{id: {"text", "clause"}}``) when there is one.

JUnit: one ``testcase`` per input (with ``per_ue``, per UE of each input: ``simulate``).
Without ``check_expect`` a testcase fails when its verdict is fail; with it, exactly when
its input missed its stated expectation. Each violation of a failing testcase is a
``failure`` element (type = the invariant, message, and the trace line). SARIF: one rule
per id, one result per violation located at a file and line (``locate``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .invariants.catalog import CATALOG
from .report import expect_matched
from .version import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"


@dataclass(frozen=True)
class Rule:
    """One invariant or property as CI shows it, with the violations of this report."""

    id: str
    title: str
    statement: str
    clause: str | None
    checked: int
    violations: tuple[dict[str, Any], ...]


def describe(rule_id: str, report: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """(title, statement, clause) of an invariant (the catalogue of ``ue-stack explain``)
    or of a property (the report's ``properties``); an unknown id stands for itself."""
    explained = CATALOG.get(rule_id)
    if explained is not None:
        return explained.title, explained.statement, explained.clauses
    prop = report.get("properties", {}).get(rule_id, {})
    text = prop.get("text") or prop.get("statement") or rule_id
    return text, text, prop.get("clause")


def rules(report: Mapping[str, Any]) -> list[Rule]:
    """Every id the report counts, in its order, then any id only a violation names."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for v in report.get("violations", []):
        by_id.setdefault(v["invariant"], []).append(v)
    counts = dict(report.get("invariants", {}))
    for rule_id in by_id:
        counts.setdefault(rule_id, {"checked": 0, "violations": len(by_id[rule_id])})
    out = []
    for rule_id, c in counts.items():
        title, statement, clause = describe(rule_id, report)
        out.append(Rule(rule_id, title, statement, clause, int(c.get("checked", 0)),
                        tuple(by_id.get(rule_id, ()))))
    return out


# -- JUnit -----------------------------------------------------------------------------


@dataclass
class Case:
    """One JUnit testcase: an input, or one UE of an input."""

    name: str
    input: str
    violations: list[dict[str, Any]]
    failing: bool
    missed: str | None = None  # why the expectation was missed, when it was
    error: str | None = None
    ue: str | None = None
    notes: list[str] = field(default_factory=list)


def _ids(violations: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({v["invariant"] for v in violations})


def _expect_text(expect: Mapping[str, Any]) -> str:
    parts = [f"verdict {expect['verdict']}"] if "verdict" in expect else []
    if "violations" in expect:
        parts.append("violations " + (" ".join(sorted(expect["violations"])) or "none"))
    return ", ".join(parts) or "anything"


def _case(name: str, result: Mapping[str, Any], violations: list[dict[str, Any]],
          check_expect: bool, ue: str | None = None, matched: bool | None = None,
          properties: Mapping[str, Any] | None = None) -> Case:
    ids = _ids(violations)
    verdict = "fail" if violations else "pass"
    expect = result.get("expect")
    if matched is None and expect is not None:
        # an expectation names invariants only, never a --property (docs/report.md)
        matched = expect_matched(expect, verdict, [i for i in ids if i not in (properties or {})])
    missed = None
    if expect is not None and matched is False:
        missed = (f"expectation missed: expected {_expect_text(expect)}; got verdict "
                  f"{verdict}, violations {' '.join(ids) or 'none'}")
    failing = missed is not None if check_expect else bool(violations)
    return Case(name, str(result["input"]), violations, failing, missed, ue=ue)


def cases(report: Mapping[str, Any], *, check_expect: bool, per_ue: bool = False,
          ) -> list[Case]:
    """The testcases of a report (see the module docstring)."""
    errors = [str(e) for e in report.get("errors", [])]
    out: list[Case] = []
    for result in report.get("results", []):
        name = str(result["input"])
        if result["verdict"] == "error":
            why = next((e for e in errors if e.startswith(name)), "the input could not be used")
            out.append(Case(name, name, [], True, error=why))
            continue
        mine = [v for v in report.get("violations", []) if v.get("input", name) == name]
        if not per_ue:
            out.append(_case(name, result, mine, check_expect, matched=result.get("matched")))
            continue
        # every UE of a batch behaves like the scenario's own, so each is held to its expect
        ues: list[str | None] = list(result.get("ues", []))
        if any(v.get("ue") is None for v in mine):
            ues.append(None)  # violations of no UE in particular: their own testcase
        for ue in ues:
            of_ue = [v for v in mine if v.get("ue") == ue]
            out.append(_case(f"{name} [{ue or 'network'}]", result, of_ue, check_expect, ue,
                             properties=report.get("properties")))
    return out


def where(v: Mapping[str, Any]) -> str:
    """Where a violation was found, for people: input, trace line, log seq, t, UE."""
    parts = [str(v.get("input", ""))]
    if v.get("line") is not None:
        parts[0] += f":{v['line']}"
    for key in ("seq", "t", "frame", "ue"):
        if v.get(key) is not None:
            parts.append(f"{key} {v[key]}")
    return ", ".join(p for p in parts if p)


def junit(report: Mapping[str, Any], suite: str, *, check_expect: bool,
          per_ue: bool = False) -> bytes:
    """The JUnit XML document (UTF-8, with its declaration)."""
    found = cases(report, check_expect=check_expect, per_ue=per_ue)
    failures = sum(1 for c in found if c.failing and c.error is None)
    errors = sum(1 for c in found if c.error is not None)
    totals = {"tests": str(len(found)), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": suite, **totals})
    testsuite = ET.SubElement(root, "testsuite", {"name": suite, **totals, "skipped": "0"})
    classname = suite.replace(" ", ".")
    for case in found:
        element = ET.SubElement(testsuite, "testcase",
                                {"classname": classname, "name": case.name, "file": case.input})
        if case.error is not None:
            ET.SubElement(element, "error", {"type": "input", "message": case.error})
            continue
        if case.failing:
            if check_expect and case.missed is not None:
                ET.SubElement(element, "failure",
                              {"type": "expect", "message": case.missed}).text = case.missed
            for v in case.violations:
                text = f"{v['invariant']} at {where(v)}: {v['message']}"
                attrs = {"type": v["invariant"], "message": f"{v['invariant']}: {v['message']}"}
                ET.SubElement(element, "failure", attrs).text = text
        elif case.violations:  # expected ones: kept for the reader, not failing the case
            ET.SubElement(element, "system-out").text = "\n".join(
                f"expected: {v['invariant']} at {where(v)}: {v['message']}"
                for v in case.violations)
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml + b"\n"


# -- SARIF -----------------------------------------------------------------------------


def uri(path: str) -> str:
    """A file name as a SARIF artifact URI: relative names stay relative (the reader's
    source root), absolute ones become file: URIs."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(p.as_posix())


def locate(v: Mapping[str, Any], logs: Mapping[str, str]) -> tuple[str, int]:
    """The file and line a violation points at: the exchange-log line that revealed it
    (``check``: ``log_line``), the trace line of the record behind it (``replay``), the log
    written with ``--log`` at its ``seq`` (``simulate``: one log line per seq), else the
    input's first line."""
    name = str(v.get("input", ""))
    if v.get("log_line") is not None:
        return name, int(v["log_line"])
    if v.get("line") is not None and name not in logs:
        return name, int(v["line"])
    if name in logs and v.get("seq") is not None:
        return logs[name], int(v["seq"])
    return name, 1


def sarif(report: Mapping[str, Any], logs: Mapping[str, str] | None = None,
          ) -> dict[str, Any]:
    """The SARIF 2.1.0 log: one run of ue-stack, one rule per id, one result per
    violation. ``logs`` maps an input (a simulated scenario) to the exchange log written
    for it."""
    logs = logs or {}
    found = rules(report)
    sarif_rules = []
    for rule in found:
        help_text = f"{rule.statement} ({rule.clause})" if rule.clause else rule.statement
        described: dict[str, Any] = {
            "id": rule.id,
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.statement},
            "help": {"text": help_text},
            "defaultConfiguration": {"level": "error"},
        }
        if rule.clause:
            described["properties"] = {"clause": rule.clause}
        sarif_rules.append(described)
    index = {rule.id: i for i, rule in enumerate(found)}
    results = []
    for v in report.get("violations", []):  # in the report's order
        file, line = locate(v, logs)
        extra = {k: v[k] for k in ("ue", "seq", "t", "frame", "line") if v.get(k) is not None}
        results.append({
            "ruleId": v["invariant"],
            "ruleIndex": index[v["invariant"]],
            "level": "error",
            "message": {"text": v["message"]},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri(file)},
                "region": {"startLine": max(line, 1)},
            }}],
            "properties": extra,
        })
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "ue-stack", "version": __version__,
                            "rules": sarif_rules}},
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}

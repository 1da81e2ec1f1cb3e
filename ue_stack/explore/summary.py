"""What ``ue-stack explore -o DIR`` writes: each finding as an ``ue-stack/trace`` whose
``expect`` is what replay of it shows, and ``DIR/summary.json`` (docs/explore.md,
``docs/schema/explore.schema.json``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from ..commands.replay import replay_one
from ..nas.states import TRANSITIONS
from ..outputs import open_output
from ..trace.replay import Options
from .alphabet import header
from .search import Result


def row_name(index: int) -> str:
    trigger, source, dest = TRANSITIONS[index]
    sources = source if isinstance(source, list | tuple) else [source]
    names = ",".join(s.value for s in sources) if len(sources) <= 2 else f"{len(sources)} states"
    return f"nas: {trigger} [{names}] -> {dest.value if dest is not None else '(internal)'}"


def write_finding(path: Path, invariant: str, label: str, result: Result,
                  records: tuple[dict[str, Any], ...]) -> list[str]:
    """Write the finding's trace with the expect its replay meets; returns what replay
    of it violates."""
    s = result.settings
    title = f"ue-stack explore: shortest path to {invariant} ({label})"

    def write(expect: dict[str, Any] | None) -> None:
        with open_output(path, "-o") as out:
            for rec in (header(s.app_mode, s.akma_defer, title, expect), *records):
                out.write(orjson.dumps(rec) + b"\n")

    write(None)
    outcome = replay_one(str(path), Options(), None, None)
    assert outcome.report is not None
    violated = sorted({v["invariant"] for v in outcome.report["violations"]})
    write({"verdict": "fail" if violated else "pass", "violations": violated})
    return violated


def summary(result: Result, outdir: Path | None) -> dict[str, Any]:
    s = result.settings
    findings = []
    for (invariant, label), node in sorted(result.findings.items(),
                                           key=lambda kv: (kv[1].depth, kv[0])):
        entry: dict[str, Any] = {"invariant": invariant, "label": label, "depth": node.depth}
        if outdir is not None:
            path = outdir / f"{invariant.lower()}-{label.lower()}.jsonl"
            entry["trace"] = str(path)
            entry["replays"] = invariant in write_finding(path, invariant, label, result,
                                                          node.records)
        findings.append(entry)
    total = len(TRANSITIONS)
    return {
        "format": "ue-stack/explore", "version": 1, "depth": result.depth,
        "attacker": s.attacker, "app_mode": s.app_mode, "akma_defer": s.akma_defer,
        "states": result.states, "transitions": result.transitions,
        "seconds": round(result.seconds, 3), "exhaustive": True,
        "table_rows_covered": len(result.rows), "table_rows_total": total,
        "rows_not_reached": [row_name(i) for i in range(total) if i not in result.rows],
        "tables": {"nas": {"covered": len(result.rows), "total": total},
                   "amf": {"driven": False,
                           "why": "the explorer plays the network on N1 itself; the "
                                  "twin's AMF is not run"}},
        "snapshot": "prefix re-run",
        "findings": findings,
    }

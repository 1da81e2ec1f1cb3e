"""The shipped property file (ue_stack/properties/invariants.toml) restates the invariants:
on the trace library, the negative controls, the explorer's findings and a 20-UE
simulation, each property finds the violations its invariant finds, at the same lines
(docs/properties.md, "The invariants as properties")."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from ue_stack.cli import main
from ue_stack.properties import load_properties, shipped_path
from ue_stack.properties.shipped import regenerate

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "traces"
SHIPPED = str(shipped_path())

# property id -> the invariant it restates
RESTATES = {
    "P-AKMA-1": "AKMA-1", "P-AKMA-2": "AKMA-2", "P-AKMA-3": "AKMA-3", "P-AKMA-4": "AKMA-4",
    "P-XL-1-ANSWER": "XL-1", "P-XL-1-REQUEST": "XL-1", "P-NAS-1": "NAS-1",
    "P-NAS-2": "NAS-2", "P-NAS-4": "NAS-4", "P-SEC-1": "SEC-1",
}
# Judged at a later line than the invariant's (the line that acts on the downlink): their
# violations are compared per input and trace line (the same trace record caused both),
# not per log seq. tests/properties/test_nas4_property.py ties each to its downlink.
LATER_LINE = {"NAS-4"}
# What the file says it cannot state (its header), by the invariant's message
NOT_STATABLE = {"XL-1": "was never answered"}


def run(tmp_path: Path, *argv: str) -> dict[str, Any]:
    report = tmp_path / "report.json"
    status = main([*argv, "--property", SHIPPED, "--report", str(report)])
    assert status in (0, 1)
    return json.loads(report.read_text())


def violations_by_invariant(report: dict[str, Any]) -> tuple[dict, dict]:
    """(invariant -> its violations, invariant -> its properties' violations), each a set
    of (input, seq, line)."""
    by_invariant: dict[str, set] = defaultdict(set)
    by_property: dict[str, set] = defaultdict(set)
    for v in report["violations"]:
        invariant = RESTATES.get(v["invariant"], v["invariant"])
        where = (v.get("input"), None if invariant in LATER_LINE else v["seq"], v.get("line"))
        if v["invariant"] in RESTATES:
            by_property[RESTATES[v["invariant"]]].add(where)
        elif v["invariant"] in RESTATES.values():
            gap = NOT_STATABLE.get(v["invariant"])
            if gap is None or gap not in v["message"]:
                by_invariant[v["invariant"]].add(where)
    return dict(by_invariant), dict(by_property)


def assert_same_verdicts(report: dict[str, Any], at_least: set[str]) -> None:
    by_invariant, by_property = violations_by_invariant(report)
    assert by_property == by_invariant
    assert at_least <= set(by_invariant)  # the comparison is not vacuous
    counts = report["invariants"]
    for invariant in set(RESTATES.values()) - set(NOT_STATABLE):
        stated = sum(counts[p]["violations"] for p, i in RESTATES.items() if i == invariant)
        assert stated == counts[invariant]["violations"], invariant


def test_the_file_spells_out_the_model_transition_table_and_the_secret_names():
    """NAS-2's pairs and SEC-1's names are data: when the tables change,
    `python -m ue_stack.properties.shipped` rewrites them in the file."""
    text = shipped_path().read_text()
    assert regenerate(text) == text, "run python -m ue_stack.properties.shipped"
    assert '"5GMM-REGISTERED-INITIATED" and to in [' in text and "not has(kausf)" in text


def test_the_file_loads_and_names_every_statable_invariant():
    ids = [p.id for p in load_properties([SHIPPED])]
    assert ids == list(RESTATES)


def test_same_violations_on_the_whole_trace_library(tmp_path):
    report = run(tmp_path, "replay", str(TRACES))
    assert_same_verdicts(report, {"AKMA-1", "AKMA-4"})


def test_same_violations_on_the_library_with_legacy_cache_upper_layers(tmp_path):
    """The legacy-cache application (TS 24.501 4.21 before the change): AKMA-1 on every
    trace whose application derives a second KAF."""
    report = run(tmp_path, "replay", str(TRACES), "--app-mode", "legacy-cache")
    assert_same_verdicts(report, {"AKMA-1", "AKMA-4"})
    assert report["invariants"]["P-AKMA-1"]["violations"] >= 5


def test_same_violations_on_the_negative_controls(tmp_path):
    """The hand-written foreign logs of traces/logs/: one per invariant the model never
    breaks (AKMA-2, AKMA-3, NAS-1, NAS-2, NAS-4, SEC-1, XL-1; NAS-5 is not stated)."""
    report = run(tmp_path, "check", str(TRACES / "logs"))
    assert_same_verdicts(report, {"AKMA-2", "AKMA-3", "NAS-1", "NAS-2", "NAS-4", "SEC-1", "XL-1"})
    # the one difference the file documents: a request never answered (end of the log)
    never = [v for v in report["violations"] if "was never answered" in v["message"]]
    assert len(never) == 1 and never[0]["input"].endswith("xl-1-deferred-request-lost.jsonl")


@pytest.mark.parametrize("control", ["akma-2-confirm-from-pending-kausf",
                                     "akma-3-confirm-after-auth-reject"])
def test_the_akma_controls_fail_their_property_at_the_invariants_line(tmp_path, control):
    report = run(tmp_path, "check", str(TRACES / "logs" / f"{control}.jsonl"))
    invariant = control[:6].upper()
    found = {v["invariant"]: v["seq"] for v in report["violations"]}
    assert found == {invariant: found[invariant], f"P-{invariant}": found[invariant]}


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> list[str]:
    """The explorer's counterexamples at depth 5 with legacy-cache upper layers (AKMA-1
    new, AKMA-4 W2: docs/explore.md)."""
    out = tmp_path_factory.mktemp("explore")
    assert main(["explore", "--depth", "5", "--app-mode", "legacy-cache", "-o", str(out),
                 "--jobs", "1"]) == 1
    summary = json.loads((out / "summary.json").read_text())
    return [f["trace"] for f in summary["findings"]]


def test_same_violations_on_the_explorers_findings(tmp_path, findings):
    assert len(findings) >= 2
    report = run(tmp_path, "replay", *findings)
    assert_same_verdicts(report, {"AKMA-1", "AKMA-4"})


@pytest.mark.parametrize(("scenario", "app_mode", "violated"), [
    ("reauth-between-af-sessions", "legacy-cache", {"AKMA-1", "AKMA-4"}),
    ("w1-defer-off", "per-kaf", {"AKMA-4"}),
])
def test_same_violations_per_ue_in_a_20_ue_simulation(tmp_path, scenario, app_mode, violated):
    log = tmp_path / "log.jsonl"
    report = run(tmp_path, "simulate", scenario, "--ues", "20", "--app-mode", app_mode,
                 "--seed", "7", "--log", str(log))
    assert_same_verdicts(report, violated)
    ue_of = {}
    for line in log.read_text().splitlines():
        record = json.loads(line)
        ue_of[record["seq"]] = record.get("ue")
    per_ue: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for v in report["violations"]:
        name = RESTATES.get(v["invariant"], v["invariant"])
        side = "property" if v["invariant"] in RESTATES else "invariant"
        per_ue[ue_of[v["seq"]]][side].add((name, v["seq"]))
    assert len(per_ue) == 20  # every UE violates, each on its own lines
    for ue, sides in per_ue.items():
        assert sides["property"] == sides["invariant"], ue

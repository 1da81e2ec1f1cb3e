"""Reports for CI (docs/report.md, "For CI"): per-input results, the UE in every
violation, ``--ue``, JUnit XML and SARIF 2.1.0 from replay, check and simulate."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "traces"
REPORT_SCHEMA = json.loads((ROOT / "docs" / "schema" / "report.schema.json").read_text())

# The parts of SARIF 2.1.0 (OASIS, sarif-schema-2.1.0.json) that code-scanning views read:
# no PyPI package ships the official schema, so its required properties and types for
# what we write are restated here.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {
                    "driver": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id"],
                            "properties": {"id": {"type": "string"},
                                           "shortDescription": _MESSAGE,
                                           "fullDescription": _MESSAGE,
                                           "help": _MESSAGE}}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": _MESSAGE,
                        "locations": {"type": "array", "items": {
                            "type": "object", "properties": {"physicalLocation": {
                                "type": "object", "properties": {
                                    "artifactLocation": {
                                        "type": "object",
                                        "properties": {"uri": {"type": "string",
                                                               "format": "uri-reference"}}},
                                    "region": {"type": "object", "properties": {
                                        "startLine": {"type": "integer",
                                                      "minimum": 1}}}}}}}}}}}}}}},
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    out, _ = capsys.readouterr()
    return status, out


def read_report(path: Path) -> dict:
    report = json.loads(path.read_text())
    errors = [e.message for e in Draft202012Validator(REPORT_SCHEMA).iter_errors(report)]
    assert not errors, errors
    return report


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The whole trace library replayed once, with its report, JUnit and SARIF files."""
    out = tmp_path_factory.mktemp("library")
    files = {k: out / f"library.{k}" for k in ("json", "xml", "sarif")}
    assert main(["replay", str(TRACES), "--check-expect", "--report", str(files["json"]),
                 "--junit", str(files["xml"]), "--sarif", str(files["sarif"])]) == 0
    return files


@pytest.fixture
def missed(tmp_path: Path) -> list[str]:
    """Three traces: one passing, one failing as it expects, one failing although it
    expects a pass (its expectation is missed)."""
    happy = TRACES / "happy-path.jsonl"
    lost = TRACES / "w2-smc-lost.jsonl"
    lines = lost.read_text().splitlines()
    header = json.loads(lines[0])
    header["expect"] = {"verdict": "pass", "violations": []}
    wrong = tmp_path / "w2-smc-lost-expects-pass.jsonl"
    wrong.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    return [str(happy), str(lost), str(wrong)]


def junit_cases(path: Path) -> dict[str, list[ET.Element]]:
    """testcase name -> its failure elements."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    return {case.get("name"): case.findall("failure") for case in root.iter("testcase")}


# -- report: results and ue --------------------------------------------------------------


def test_the_report_has_one_result_per_trace_with_its_expectation(library):
    report = read_report(library["json"])
    results = report["results"]
    assert [r["input"] for r in results] == report["inputs"]
    assert len(results) == len(list(TRACES.glob("*.jsonl")))
    assert all(r["matched"] is True and r["expect"] is not None for r in results)
    by_input = {r["input"]: r for r in results}
    lost = by_input[str(TRACES / "w2-smc-lost.jsonl")]
    assert (lost["verdict"], lost["violations"], lost["ues"]) == ("fail", 1, ["001010000000001"])
    assert sum(r["violations"] for r in results) == len(report["violations"])


def test_every_violation_of_the_trace_library_names_its_ue(library):
    report = read_report(library["json"])
    assert report["violations"]
    for v in report["violations"]:
        result = next(r for r in report["results"] if r["input"] == v["input"])
        assert v["ue"] in result["ues"], v


def test_a_ue_known_only_by_its_suci_is_named_by_the_suci_not_a_stand_in(library):
    report = read_report(library["json"])
    (result,) = [r for r in report["results"] if "suci-scheme1" in r["input"]]
    assert result["ues"] == ["suci-0-208-93-1234-1-1-5a3c9e17d2"]


def test_an_unreadable_trace_has_an_error_result(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "header"}\n')
    out = tmp_path / "r.json"
    status, _ = run(["replay", str(TRACES / "happy-path.jsonl"), str(bad), "--report", str(out)],
                    capsys)
    assert status == 2
    results = read_report(out)["results"]
    assert [(r["input"], r["verdict"]) for r in results] == [
        (str(TRACES / "happy-path.jsonl"), "pass"), (str(bad), "error")]


def test_check_gives_each_log_its_result_and_the_log_line_of_each_violation(tmp_path, capsys):
    out = tmp_path / "r.json"
    logs = TRACES / "logs"
    status, _ = run(["check", str(logs), "--check-expect", "--report", str(out)], capsys)
    assert status == 0
    report = read_report(out)
    assert [r["input"] for r in report["results"]] == report["inputs"]
    assert all(r["matched"] and r["verdict"] == "fail" for r in report["results"])
    for v in report["violations"]:
        lines = Path(v["input"]).read_text().splitlines()
        assert 1 <= v["log_line"] <= len(lines)
        # the line that revealed it: the violation's own, or a later one (an end of log,
        # NAS-4/NAS-5 deciding on what the UE did next)
        assert json.loads(lines[v["log_line"] - 1])["seq"] >= v["seq"]
    akma2 = next(v for v in report["violations"] if v["invariant"] == "AKMA-2")
    assert akma2["log_line"] == 14


# -- --ue ------------------------------------------------------------------------------------


def test_ue_restricts_a_simulation_to_the_ues_named(tmp_path, capsys):
    out = tmp_path / "r.json"
    run(["simulate", "w2-smc-lost", "--ues", "3", "--report", str(out)], capsys)
    everyone = read_report(out)
    assert len(everyone["violations"]) == 3
    assert {v["ue"] for v in everyone["violations"]} == set(everyone["results"][0]["ues"])

    run(["simulate", "w2-smc-lost", "--ues", "3", "--ue", "001010000000002",
         "--report", str(out)], capsys)
    one = read_report(out)
    assert [v["ue"] for v in one["violations"]] == ["001010000000002"]
    assert one["results"][0]["ues"] == ["001010000000002"]
    assert one["invariants"]["AKMA-4"]["violations"] == 1
    assert one["invariants"]["XL-1"]["checked"] < everyone["invariants"]["XL-1"]["checked"]


def test_ue_restricts_check_to_the_lines_of_those_ues(tmp_path, capsys):
    log, out = tmp_path / "three.jsonl", tmp_path / "r.json"
    run(["simulate", "w2-smc-lost", "--ues", "3", "--log", str(log)], capsys)
    status, _ = run(["check", str(log), "--ue", "001010000000001", "--ue", "001010000000003",
                     "--report", str(out)], capsys)
    assert status == 1
    report = read_report(out)
    assert sorted(v["ue"] for v in report["violations"]) == ["001010000000001",
                                                             "001010000000003"]
    assert report["results"][0]["ues"] == ["001010000000001", "001010000000003"]


def test_ue_leaves_out_the_traces_of_other_ues(tmp_path, capsys):
    out = tmp_path / "r.json"
    capture = TRACES / "capture-oai-registration-nia2-208950000000031.jsonl"
    status, _ = run(["replay", str(TRACES / "happy-path.jsonl"), str(capture),
                     "--ue", "208950000000031", "--report", str(out)], capsys)
    assert status == 0
    report = read_report(out)
    assert report["inputs"] == [str(capture)]
    assert [r["ues"] for r in report["results"]] == [["208950000000031"]]


# -- JUnit ---------------------------------------------------------------------------------


def test_junit_has_one_testcase_per_trace(library):
    cases = junit_cases(library["xml"])
    assert sorted(cases) == sorted(str(p) for p in TRACES.glob("*.jsonl"))
    assert not any(cases.values())  # every trace met its expectation


def test_junit_without_check_expect_fails_the_failing_verdicts(missed, tmp_path, capsys):
    junit = tmp_path / "j.xml"
    run(["replay", *missed, "--junit", str(junit)], capsys)
    cases = junit_cases(junit)
    assert [len(cases[name]) for name in missed] == [0, 1, 1]
    (failure,) = cases[missed[1]]
    assert failure.get("type") == "AKMA-4"
    assert failure.get("message").startswith("AKMA-4: af_session of app 'mail'")
    assert f"{missed[1]}:15," in failure.text  # the trace line of the AF session request


def test_junit_with_check_expect_fails_exactly_the_missed_expectations(missed, tmp_path,
                                                                       capsys):
    junit = tmp_path / "j.xml"
    status, _ = run(["replay", *missed, "--check-expect", "--junit", str(junit)], capsys)
    assert status == 1
    cases = junit_cases(junit)
    assert [bool(cases[name]) for name in missed] == [False, False, True]
    assert [f.get("type") for f in cases[missed[2]]] == ["expect", "AKMA-4"]
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "0")


def test_junit_of_a_simulation_has_a_testcase_per_ue(tmp_path, capsys):
    junit = tmp_path / "j.xml"
    run(["simulate", "w2-smc-lost", "--ues", "2", "--junit", str(junit)], capsys)
    cases = junit_cases(junit)
    assert sorted(cases) == ["w2-smc-lost [001010000000001]", "w2-smc-lost [001010000000002]"]
    assert all(len(f) == 1 for f in cases.values())
    run(["simulate", "w2-smc-lost", "--ues", "2", "--check-expect", "--junit", str(junit)],
        capsys)
    assert not any(junit_cases(junit).values())


def test_junit_shows_an_unreadable_trace_as_an_error(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "header"}\n')
    junit = tmp_path / "j.xml"
    run(["replay", str(TRACES / "happy-path.jsonl"), str(bad), "--junit", str(junit)], capsys)
    (case,) = [c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == str(bad)]
    assert case.find("error") is not None


# -- SARIF ---------------------------------------------------------------------------------


def test_sarif_is_2_1_0_with_a_rule_per_invariant_and_every_result_at_its_trace_line(library):
    sarif = json.loads(library["sarif"].read_text())
    errors = [e.message for e in Draft202012Validator(
        SARIF_SUBSET, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(sarif)]
    assert not errors, errors
    (run_,) = sarif["runs"]
    rules = run_["tool"]["driver"]["rules"]
    report = read_report(library["json"])
    assert [r["id"] for r in rules] == list(report["invariants"])
    assert all(r["fullDescription"]["text"] and r["properties"]["clause"] for r in rules)
    assert len(run_["results"]) == len(report["violations"])
    for result, v in zip(run_["results"], report["violations"], strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == v["invariant"]
        (location,) = result["locations"]
        where = location["physicalLocation"]
        assert where["artifactLocation"]["uri"] == Path(v["input"]).as_uri()
        assert where["region"]["startLine"] == v["line"]
        assert result["properties"]["ue"] == v["ue"]


def test_sarif_of_check_points_at_the_log_line(tmp_path, capsys):
    sarif = tmp_path / "s.sarif"
    run(["check", "traces/logs/akma-2-confirm-from-pending-kausf.jsonl", "--sarif", str(sarif)],
        capsys)
    (result,) = json.loads(sarif.read_text())["runs"][0]["results"]
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "traces/logs/akma-2-confirm-from-pending-kausf.jsonl"
    assert where["region"]["startLine"] == 14


def test_sarif_of_a_simulation_points_at_its_exchange_log(tmp_path, capsys):
    sarif, log = tmp_path / "s.sarif", tmp_path / "x.jsonl"
    run(["simulate", "w2-smc-lost", "--log", str(log), "--sarif", str(sarif)], capsys)
    (result,) = json.loads(sarif.read_text())["runs"][0]["results"]
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == log.as_uri()
    line = log.read_text().splitlines()[where["region"]["startLine"] - 1]
    assert json.loads(line)["event"] == "af_session"


def test_the_api_takes_several_ues_and_returns_the_results():
    import ue_stack

    report = ue_stack.simulate("w2-smc-lost", ues=3, ue=["001010000000001", "001010000000003"])
    assert [r["ues"] for r in report.results] == [["001010000000001", "001010000000003"]]
    assert sorted(v["ue"] for v in report.violations) == ["001010000000001", "001010000000003"]


def test_properties_appear_in_junit_and_sarif_like_invariants(tmp_path, capsys):
    """A --property reports like an invariant, so CI shows it without more: a SARIF rule
    with its text and clause, results at the trace line, JUnit failures; an expectation
    names invariants only, so --check-expect still passes."""
    shipped = ROOT / "ue_stack" / "properties" / "invariants.toml"
    sarif, junit = tmp_path / "s.sarif", tmp_path / "j.xml"
    run(["replay", str(TRACES / "w2-smc-lost.jsonl"), "--property", str(shipped),
         "--sarif", str(sarif), "--junit", str(junit)], capsys)
    (run_,) = json.loads(sarif.read_text())["runs"]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert rules["P-AKMA-4"]["fullDescription"]["text"] and rules["P-AKMA-4"]["properties"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in run_["results"]] == [("AKMA-4", 15), ("P-AKMA-4", 15)]
    assert [f.get("type") for f in junit_cases(junit)[str(TRACES / "w2-smc-lost.jsonl")]] == [
        "AKMA-4", "P-AKMA-4"]
    run(["simulate", "w2-smc-lost", "--ues", "2", "--property", str(shipped), "--check-expect",
         "--junit", str(junit)], capsys)
    assert not any(junit_cases(junit).values())

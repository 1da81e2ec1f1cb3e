"""The checker's results, the report (docs/report.md), the Mermaid diagram and
`ue-stack check` (docs/README.md: exit 0 all hold, 1 a violation, 2 unusable input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from xlog_fixtures import KAKMA_1, KAUSF_2, STATES, Log

from ue_stack.cli import main
from ue_stack.diagram import MermaidWriter, label
from ue_stack.invariants import INVARIANT_IDS, Checker, check_records
from ue_stack.report import build_report, expect_matched, summary_lines

DOCUMENTED_IDS = {"AKMA-1", "AKMA-2", "AKMA-3", "AKMA-4", "APP-1", "XL-1", "NAS-1", "NAS-2",
               "NAS-3", "NAS-4", "NAS-5", "SEC-1"}  # §3 and §8.1


def write_log(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def without_states(log: Log) -> list[dict]:
    # The default NAS-2 table is the NAS model's; these CLI logs carry no state lines so
    # their verdict does not depend on it.
    return [r for r in log.records if r["event"] != "state"]


def legacy_cache(log: Log) -> Log:
    """docs/behaviour.md timeline: a KAF from the cached KAKMA1 after re-authentication."""
    log.register()
    log.kaf_session("mail", "c1")
    log.authenticate(KAUSF_2)
    log.kaf("mail", None, k_akma_fp=KAKMA_1)
    log.af_session("mail", result="unknown_a_kid")
    return log


# -- checker results -----------------------------------------------------------------------
def test_results_cover_every_invariant_of_formats_section_3(healthy):
    checker, _ = check_records(healthy.records, allowed_state_changes=STATES)
    results = checker.results()
    assert set(results) == DOCUMENTED_IDS == set(INVARIANT_IDS)
    for i in ("AKMA-1", "AKMA-2", "AKMA-3", "AKMA-4", "XL-1", "NAS-1", "NAS-2", "SEC-1"):
        assert results[i]["checked"] > 0 and results[i]["violations"] == 0, i


def test_a_log_without_evidence_reports_checked_zero():
    """docs/invariants.md: absent evidence is `checked: 0`, not a violation."""
    checker, violations = check_records(
        [{"seq": 1, "t": 0, "event": "note", "text": "hello"}], allowed_state_changes=STATES
    )
    assert violations == []
    results = checker.results()
    assert all(results[i] == {"checked": 0, "violations": 0} for i in DOCUMENTED_IDS - {"SEC-1"})


def test_replay_records_app1_and_nas3_through_the_checker():
    checker = Checker(allowed_state_changes=STATES)
    assert checker.record("NAS-3", True, 3, 1.0, "ok") is None
    v = checker.record("APP-1", False, 7, 2.0, "kaf_request for mail expected ok, got rejected")
    assert (v.invariant, v.seq, v.t) == ("APP-1", 7, 2.0)
    results = checker.results()
    assert results["NAS-3"] == {"checked": 1, "violations": 0}
    assert results["APP-1"] == {"checked": 1, "violations": 1}
    with pytest.raises(ValueError):
        checker.record("AKMA-9", True, 1, 0.0, "")


def test_checker_state_stays_bounded_on_a_long_healthy_log():
    """README.md "How it is built": online checking keeps memory flat — answered requests and used
    confirms leave no state behind beyond fixed bounds."""
    log = Log()
    log.register()
    for i in range(6000):
        log.kaf_session("mail", f"c{i}")
    checker, violations = check_records(log.records, allowed_state_changes=STATES)
    assert violations == []
    xl1, akma1 = checker._invariants[4], checker._invariants[0]
    assert xl1._open == {} and akma1._unused == {}
    assert len(akma1._used) <= 4096


# -- report --------------------------------------------------------------------------------
def test_report_follows_formats_section_4(legacy):
    checker, violations = check_records(legacy.records, allowed_state_changes=STATES, input="x")
    report = build_report(["x.jsonl"], checker.results(), violations, [], None,
                          {**checker.stats(), "ul_skipped": 0})
    assert list(report) == ["format", "version", "inputs", "verdict", "invariants",
                            "violations", "not_checked", "results", "stats"]
    assert (report["format"], report["version"], report["verdict"]) == ("ue-stack/report", 1,
                                                                         "fail")
    assert set(report["invariants"]) == DOCUMENTED_IDS
    assert {v["invariant"] for v in report["violations"]} == {"AKMA-1", "AKMA-4"}
    assert set(report["violations"][0]) == {"invariant", "input", "seq", "t", "message"}
    assert set(report["stats"]) >= {"records", "exchanges", "kaf_derivations", "kausf_updates",
                                    "ul_skipped"}
    assert report["stats"]["kaf_derivations"] == 2 and report["stats"]["kausf_updates"] == 2
    json.dumps(report)


def test_report_compares_the_expectation_or_omits_it(healthy):
    checker, violations = check_records(healthy.records, allowed_state_changes=STATES)
    results = checker.results()
    passing = build_report([], results, violations, expect={"verdict": "pass", "violations": []})
    assert passing["verdict"] == "pass" and passing["expect"] == {"matched": True}
    wrong = build_report([], results, violations, expect={"verdict": "fail"})
    assert wrong["expect"] == {"matched": False}
    assert "expect" not in build_report([], results, violations)
    assert expect_matched({"violations": ["AKMA-1"]}, "fail", ["AKMA-1"])
    assert not expect_matched({"violations": ["AKMA-1"]}, "fail", ["AKMA-1", "AKMA-4"])


def test_summary_names_verdict_counts_and_first_violations(legacy):
    checker, violations = check_records(legacy.records, allowed_state_changes=STATES)
    report = build_report(["x"], checker.results(), violations)
    lines = summary_lines(report, max_violations=1)
    assert lines[0].startswith("verdict: fail (2 violations")
    assert any(line.strip().startswith("AKMA-1") and "FAIL" in line for line in lines)
    assert any("AKMA-1 at seq" in line for line in lines)
    assert any("1 more" in line for line in lines)


@pytest.fixture
def legacy() -> Log:
    return legacy_cache(Log())


# -- diagram -------------------------------------------------------------------------------
def test_diagram_is_a_mermaid_sequence_with_escaped_labels_and_violation_notes(tmp_path,
                                                                               legacy):
    path = tmp_path / "d.mmd"
    with MermaidWriter(path) as diagram:
        checker = Checker(allowed_state_changes=STATES)
        for record in legacy.records:
            diagram.feed(record)
            for v in checker.feed(record):
                diagram.violation(v)
    lines = path.read_text().splitlines()
    assert lines[0] == "sequenceDiagram"
    assert "    participant N1 as Network" in lines
    assert any(line.strip().startswith("App->>NAS: mail: ObtainAkmaKeyRequest")
               for line in lines)
    # produced by the model, not recorded: dotted
    assert any(line.strip().startswith("N1-->>NAS: authentication_request") for line in lines)
    assert any(line.strip().startswith("App--xAF: mail: AF session") and "unknown_a_kid" in line
               for line in lines)
    note = next(i for i, line in enumerate(lines) if "Note over App,AF: AKMA-1" in line)
    assert "mail: KAF derived" in lines[note - 1]
    body = "\n".join(lines[1:])
    assert ";" not in body.replace("#59;", "").replace("#35;", "").replace("#quot;", "")
    arrows = [line for line in lines[6:] if "Note over" not in line]
    assert KAKMA_1 not in body and not any(KAKMA_1[:8] in line for line in arrows)


def test_diagram_labels_escape_what_mermaid_would_misread():
    assert label('a;b #1 "q" <br>') == "a#59;b #35;1 #quot;q#quot; #lt;br#gt;"
    assert len(label("x" * 500)) == 80


# -- the command ---------------------------------------------------------------------------
def test_check_exits_0_when_every_invariant_holds(tmp_path, healthy, capsys):
    log = write_log(tmp_path / "ok.jsonl", without_states(healthy))
    report = tmp_path / "r.json"
    assert main(["check", str(log), "--report", str(report)]) == 0
    data = json.loads(report.read_text())
    assert data["verdict"] == "pass" and data["inputs"] == [str(log)]
    assert data["invariants"]["AKMA-1"] == {"checked": 3, "violations": 0}
    assert {"invariant": "NAS-3", "reason": "decided by replay only"} in data["not_checked"]
    assert capsys.readouterr().out.startswith("verdict: pass")


def test_check_exits_1_on_a_violation_and_draws_it(tmp_path, legacy, capsys):
    log = write_log(tmp_path / "bad.jsonl", without_states(legacy))
    report, diagram = tmp_path / "r.json", tmp_path / "d.mmd"
    code = main(["check", str(log), "--report", str(report), "--diagram", str(diagram)])
    assert code == 1
    data = json.loads(report.read_text())
    assert data["verdict"] == "fail"
    assert data["violations"][0]["input"] == str(log)
    assert "Note over App,AF: AKMA-1" in diagram.read_text()
    assert "AKMA-1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"seq": 9, "t": 1.0, "event": "primitive"', None),  # truncated JSON
        ('{"seq": 1, "t": 9.0, "event": "note"}', "seq"),  # seq not increasing
        ('{"seq": 99, "event": "note"}', "t"),
        ('{"seq": 99, "t": 9.0}', "event"),
        ('["not", "an", "object"]', None),
    ],
)
def test_check_exits_2_naming_file_line_and_field_and_keeps_the_partial_report(
    tmp_path, healthy, capsys, line, field
):
    """docs/README.md: unusable input gives exit 2, one line naming file, line and field;
    the report and diagram written so far stay on disk."""
    records = without_states(healthy)[:5]
    log = tmp_path / "broken.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records) + line + "\n")
    report, diagram = tmp_path / "r.json", tmp_path / "d.mmd"
    code = main(["check", str(log), "--report", str(report), "--diagram", str(diagram)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{log}:6" in err
    if field is not None:
        assert f"field '{field}'" in err
    data = json.loads(report.read_text())
    assert data["verdict"] == "fail" and f"{log}:6" in data["errors"][0]
    assert data["invariants"]["SEC-1"]["checked"] == 5
    # the diagram of an unfinished check keeps the name that says so
    assert not diagram.exists()
    assert (tmp_path / "d.mmd.partial").read_text().startswith("sequenceDiagram")


def test_check_exits_2_for_a_missing_log(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_check_reads_every_log_of_a_folder(tmp_path, healthy, legacy):
    folder = tmp_path / "logs"
    folder.mkdir()
    write_log(folder / "a.jsonl", without_states(healthy))
    write_log(folder / "b.jsonl", without_states(legacy))
    report = tmp_path / "r.json"
    assert main(["check", str(folder), "--report", str(report)]) == 1
    data = json.loads(report.read_text())
    assert data["inputs"] == [str(folder / "a.jsonl"), str(folder / "b.jsonl")]
    assert {v["input"] for v in data["violations"]} == {str(folder / "b.jsonl")}


def test_an_unusable_log_gives_one_stderr_line_nothing_on_stdout_and_a_failing_report(
        tmp_path, capsys):
    log = tmp_path / "bad.xlog.jsonl"
    log.write_text('{"seq": 1, "t": 0, "event": "note"}\n{"seq": 1, "t": 0, "event": "note"}\n')
    report = tmp_path / "report.json"
    assert main(["check", str(log), "--report", str(report)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and "bad.xlog.jsonl:2" in captured.err
    written = json.loads(report.read_text())
    assert written["verdict"] == "fail" and "seq" in written["errors"][0]


# -- check --check-expect (the foreign logs of traces/logs/) -------------------------------
def expect_beside(log: Path, expect: dict | str) -> None:
    text = expect if isinstance(expect, str) else json.dumps(expect)
    log.with_name(log.name.removesuffix(".jsonl") + ".expect.json").write_text(text)


def test_check_expect_exits_0_when_each_log_meets_the_expectation_beside_it(
        tmp_path, healthy, legacy, capsys):
    """A log breaking exactly the ids its sidecar names meets it, as a trace's expect."""
    folder = tmp_path / "logs"
    folder.mkdir()
    write_log(folder / "ok.jsonl", without_states(healthy))
    bad = write_log(folder / "bad.jsonl", without_states(legacy))
    expect_beside(bad, {"verdict": "fail", "violations": ["AKMA-1", "AKMA-4"]})
    report = tmp_path / "r.json"
    assert main(["check", str(folder), "--check-expect", "--report", str(report)]) == 0
    assert json.loads(report.read_text())["expect"] == {
        "matched": True, "logs": [{"input": str(bad), "matched": True}]}
    assert f"expect met  {bad}" in capsys.readouterr().out


@pytest.mark.parametrize("violations", [["AKMA-1"], ["AKMA-1", "AKMA-4", "XL-1"], []])
def test_check_expect_exits_1_unless_exactly_the_expected_ids_are_reported(
        tmp_path, legacy, capsys, violations):
    log = write_log(tmp_path / "bad.jsonl", without_states(legacy))
    expect_beside(log, {"verdict": "fail" if violations else "pass", "violations": violations})
    assert main(["check", str(log), "--check-expect"]) == 1
    assert f"expect MISSED  {log}" in capsys.readouterr().out


def test_check_without_check_expect_ignores_the_sidecar(tmp_path, legacy):
    log = write_log(tmp_path / "bad.jsonl", without_states(legacy))
    expect_beside(log, {"verdict": "fail", "violations": ["AKMA-1", "AKMA-4"]})
    assert main(["check", str(log)]) == 1


@pytest.mark.parametrize(("text", "field"), [
    ("{not json", None),
    ('{"verdict": "maybe"}', "expect.verdict"),
    ('{"violations": "AKMA-1"}', "expect.violations"),
    ('["fail"]', "expect"),
])
def test_check_expect_names_a_bad_sidecar_and_exits_2(tmp_path, healthy, capsys, text, field):
    log = write_log(tmp_path / "x.jsonl", without_states(healthy))
    expect_beside(log, text)
    assert main(["check", str(log), "--check-expect"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x.expect.json" in err and "Traceback" not in err
    if field is not None:
        assert f"field '{field}'" in err

"""The traces/ library replayed end to end through `ue-stack replay` (docs/trace-format.md,
docs/README.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main
from ue_stack.crypto.secret import SECRET_NAMES
from ue_stack.nas.messages import MESSAGES, PROTECTION_FIELDS
from ue_stack.trace.loader import open_trace
from ue_stack.xlog import iter_log

ROOT = Path(__file__).resolve().parents[2]
TRACES = sorted((ROOT / "traces").glob("*.jsonl"))
MALFORMED = ROOT / "tests" / "trace" / "malformed"

# docs/exchange-log.md: the fields each event needs
REQUIRED = {
    "primitive": {"src", "dst", "name", "corr"},
    "n1": {"dir", "msg"},
    "state": {"layer", "from", "to"},
    "usim": {"action"},
    "kausf": {"action", "k_ausf_fp"},
    "kaf_derived": {"app", "corr", "af_id", "a_kid", "k_akma_fp", "k_af_fp"},
    "aanf": {"action", "a_kid", "k_akma_fp"},
    "af_session": {"app", "af_id", "a_kid", "result", "k_af_fp_ue", "k_af_fp_net"},
}


def violated(report: dict) -> list[str]:
    return sorted(i for i, c in report["invariants"].items() if c["violations"])


def test_the_library_has_what_the_issue_asks_for():
    assert len(TRACES) >= 12
    with_expect = 0
    for path in TRACES:
        with open_trace(path) as trace:
            with_expect += trace.header.expect is not None
            assert trace.header.source, f"{path.name} has no provenance"
    assert with_expect == len(TRACES)


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_each_trace_meets_its_expect(path, tmp_path):
    report_path = tmp_path / "report.json"
    status = main(["replay", str(path), "--check-expect", "--report", str(report_path)])
    report = orjson.loads(report_path.read_bytes())
    with open_trace(path) as trace:
        expect = trace.header.expect
    assert (report["verdict"], violated(report)) == (
        expect["verdict"], sorted(expect.get("violations", [])))
    assert report["expect"] == {"matched": True}
    assert status == 0


@pytest.mark.parametrize(
    "trace",
    ["reauth-between-af-sessions.jsonl", "sim-eap-aka-prime-reauth-between-af-sessions.jsonl"],
)
def test_legacy_cache_negative_control_fails_on_akma1_and_akma4(tmp_path, trace):
    """docs/behaviour.md t4: upper layers that cache KAKMA derive KAF_b' from KAKMA1 and send
    A-KID1, which the AAnF deleted at re-authentication — with 5G AKA and with EAP-AKA'
    (TS 33.535 6.1: KAUSF from either primary authentication)."""
    report_path = tmp_path / "report.json"
    status = main(["replay", str(ROOT / "traces" / trace),
                   "--app-mode", "legacy-cache", "--report", str(report_path)])
    assert status == 1
    assert violated(orjson.loads(report_path.read_bytes())) == ["AKMA-1", "AKMA-4"]


def test_every_log_line_meets_the_xlog_contract_and_holds_no_secret(tmp_path):
    """docs/exchange-log.md, over the logs of the whole library: seq/t/event on every
    line, each event's fields, n1 fields named as in the section 1 table, and no secret
    by name or by value (the traces' K and OPc never appear)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    main(["replay", *map(str, TRACES), "--log", str(logs)])
    secrets = set()
    for path in TRACES:
        ue = orjson.loads(path.read_bytes().split(b"\n", 1)[0])["ue"]
        secrets |= {ue[k] for k in ("k", "opc") if k in ue}
    files = sorted(logs.glob("*.xlog.jsonl"))
    assert len(files) == len(TRACES)
    lines = 0
    for log in files:
        assert not any(s in log.read_text() for s in secrets), log.name
        for rec in iter_log(log):
            lines += 1
            assert REQUIRED.get(rec["event"], set()) <= rec.keys(), rec
            assert not SECRET_NAMES & rec.keys(), rec
            if rec["event"] == "n1" and rec["msg"] in MESSAGES:
                extra = rec.keys() - {"seq", "t", "event", "dir", "msg", "ue", "pdu", "line",
                                      "frame", *PROTECTION_FIELDS}
                assert extra <= set(MESSAGES[rec["msg"]][1]), rec
    assert lines > 300


def _malformed_index() -> dict[str, tuple[int, str | None]]:
    spec = importlib.util.spec_from_file_location(
        "malformed_index", ROOT / "tests" / "trace" / "test_trace_malformed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXPECTED


MALFORMED_INDEX = _malformed_index()


@pytest.mark.parametrize("name", sorted(MALFORMED_INDEX))
def test_a_malformed_trace_gives_exit_2_and_one_line_naming_file_line_and_field(
        name, capsys, tmp_path):
    line, field = MALFORMED_INDEX[name]
    status = main(["replay", str(MALFORMED / name), "--log", str(tmp_path / "x.jsonl")])
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert status == 2
    assert len(err) == 1, err
    assert captured.out == ""  # no summary of nothing replayed
    assert f"{name}:{line}" in err[0]
    if field is not None:
        assert f"'{field}'" in err[0]
    assert "Traceback" not in captured.err + captured.out


def test_what_was_logged_before_a_bad_line_stays_on_disk(tmp_path):
    good = (ROOT / "traces" / "happy-path.jsonl").read_text()
    trace = tmp_path / "cut.jsonl"
    trace.write_text(good + '{"t": 99, "kind": "dl", "msg": "authentication_request", '
                     '"ngksi": 1, "rand": "00", "autn": "00"}\n')
    log = tmp_path / "cut.xlog.jsonl"
    assert main(["replay", str(trace), "--log", str(log)]) == 2
    # kept, under the name that says the run did not finish (docs/README.md)
    assert not log.exists()
    kept = list(iter_log(tmp_path / "cut.xlog.jsonl.partial"))
    assert [r["msg"] for r in kept if r["event"] == "n1"][-1] == "registration_complete"


def test_jobs_2_merges_the_same_report_as_one_process(tmp_path):
    """Issue 12: the pool hands results back in input order, so the merged report is
    identical, byte for byte, whatever the number of processes."""
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    main(["replay", str(ROOT / "traces"), "--report", str(one)])
    main(["replay", str(ROOT / "traces"), "--jobs", "2", "--report", str(two)])
    assert one.read_bytes() == two.read_bytes()


def test_diagram_marks_each_violation_with_a_note(tmp_path):
    diagram = tmp_path / "w2.mmd"
    main(["replay", str(ROOT / "traces" / "w2-smc-lost.jsonl"), "--diagram", str(diagram)])
    text = diagram.read_text()
    assert "sequenceDiagram" in text
    assert "AKMA-4" in text and "Note" in text


def test_an_empty_folder_or_a_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["replay", str(tmp_path)]) == 2
    assert main(["replay", str(tmp_path / "nope.jsonl")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_a_folder_with_bad_traces_names_each_and_still_reports_the_good_ones(tmp_path, capsys):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for src in (ROOT / "traces" / "happy-path.jsonl", MALFORMED / "rand_15_octets.jsonl",
                MALFORMED / "empty.jsonl"):
        (folder / src.name).write_bytes(src.read_bytes())
    report_path = tmp_path / "report.json"
    assert main(["replay", str(folder), "--report", str(report_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "rand_15_octets.jsonl:4" in err[1]
    report = orjson.loads(report_path.read_bytes())
    assert [Path(p).name for p in report["inputs"]] == ["happy-path.jsonl"]
    assert len(report["errors"]) == 2


def test_jobs_below_one_is_a_usage_error(capsys):
    assert main(["replay", str(ROOT / "traces"), "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_a_long_replay_reports_its_progress_in_records(monkeypatch):
    """The progress display of a long trace is fed every PROGRESS_EVERY records."""
    from ue_stack.commands import replay as replay_command
    from ue_stack.trace import replay as replay_module

    monkeypatch.setattr(replay_module, "PROGRESS_EVERY", 5)
    seen: list[int] = []
    outcome = replay_command.replay_one(str(ROOT / "traces" / "happy-path.jsonl"),
                                        replay_module.Options(), None, None, seen.append)
    assert outcome.report["verdict"] == "pass"
    assert seen == [5, 10]

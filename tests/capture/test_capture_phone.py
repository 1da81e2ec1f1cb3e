"""Captures of real phones replay honestly (issue 26): what phones do on a test core's N2 tap
(tests/capture/phonegen.py), imported with `--expect` and replayed with `--check-expect`,
with and without keys, with and without AKMA probes."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main

from .pcapgen import ngap_pcap
from .phonegen import phone_capture

GNBSIM = "gnbsim-free5gc-ngap.json"


def _capture(captures: Path, tmp_path: Path, **kw) -> Path:
    doc = orjson.loads((captures / GNBSIM).read_bytes())
    path = tmp_path / "phone.pcap"
    path.write_bytes(ngap_pcap(phone_capture(doc, **kw)))
    return path


def _import(capture: Path, out: Path, *options: str) -> tuple[int, dict, Path]:
    out.mkdir(parents=True, exist_ok=True)
    report = out / "import.json"
    rc = main(["import", str(capture), "-o", str(out), "--expect", "--report", str(report),
               *options])
    data = orjson.loads(report.read_bytes())
    (trace,) = data["traces"]
    return rc, data, Path(trace)


def _records(trace: Path) -> list[dict]:
    return [orjson.loads(line) for line in trace.read_bytes().splitlines()][1:]


def _replay(trace: Path, out: Path, *options: str) -> tuple[int, dict]:
    report = out / "replay.json"
    rc = main(["replay", str(trace), "--check-expect", "--report", str(report), *options])
    return rc, orjson.loads(report.read_bytes())


def _keys(captures: Path, keyed: bool) -> tuple[str, ...]:
    return ("--keys", str(captures / "keys.csv")) if keyed else ()


@pytest.mark.parametrize("keyed", [True, False])
@pytest.mark.parametrize("smc_too", [False, True])
def test_a_challenge_received_twice_is_answered_twice_and_nothing_after_it_is_skipped(
        captures, tmp_path, keyed, smc_too):
    """The phone gets the same AUTHENTICATION REQUEST twice, 1 ms apart, and answers both
    (TS 24.501 5.4.1.3.7: the stored RES* for the same RAND); a SECURITY MODE COMMAND
    received twice is completed twice. Each answer is paired with a copy: no gap, no
    `skip`, `ok` stays true, and the model, fed both copies, answers both challenges, so
    replay finds what the importer expects — and the model gets its KAUSF (AKMA-1
    checked). The SMC copy carries the NAS COUNT already taken: the model discards it
    (TS 24.501 4.4.3.1, NAS-5), so the phone's second COMPLETE is a rule breach the
    importer names and replay reports (NAS-3)."""
    capture = _capture(captures, tmp_path, duplicate_smc=smc_too)
    keys = _keys(captures, keyed)
    rc, report, trace = _import(capture, tmp_path / "out", "--akma-probe", "all", *keys)
    assert (rc, report["ok"]) == (0, True), report["problems"]
    records = _records(trace)
    assert not [r for r in records if "skip" in r]
    answers = [r["frame"] for r in records if r.get("msg") == "authentication_response"]
    assert answers == [4, 5]
    rc, replayed = _replay(trace, tmp_path, *keys)
    if smc_too:
        (breach,) = [r for r in records if "breaks a rule" in r.get("note", "")]
        assert breach["msg"] == "security_mode_complete" and "4.4.3.1" in breach["note"]
        (v,) = replayed["violations"]
        assert (rc, v["invariant"]) == (0, "NAS-3")
        line = 1 + next(n for n, text in enumerate(trace.read_text().splitlines())
                        if "breaks a rule" in text)
        assert f"security_mode_complete (trace line {line})" in v["message"]
        assert replayed["invariants"]["NAS-5"]["violations"] == 0
    else:
        assert (rc, replayed["verdict"], replayed["violations"]) == (0, "pass", [])
    assert replayed["invariants"]["NAS-3"]["checked"] == (6 if smc_too else 5)
    assert replayed["invariants"]["AKMA-1"]["checked"] > 0


def test_a_copy_the_phone_did_not_answer_is_skipped_with_a_note(captures, tmp_path):
    """Two copies, one answer: the copy left unanswered is skipped (a note, not an error),
    and the SECURITY MODE COMMAND after it is no gap."""
    doc = orjson.loads((captures / GNBSIM).read_bytes())
    msgs = [m for m in phone_capture(doc) if m["frame"] != 5]  # the second RESPONSE
    path = tmp_path / "one-answer.pcap"
    path.write_bytes(ngap_pcap(msgs))
    rc, report, trace = _import(path, tmp_path / "out")
    assert (rc, report["ok"]) == (0, True)
    assert [r["frame"] for r in _records(trace) if "skip" in r] == [3]
    (note,) = [p for p in report["problems"] if "repeated" in p["problem"]]
    assert note["severity"] == "note" and note["frame"] == 3
    rc, replayed = _replay(trace, tmp_path)
    assert (rc, replayed["violations"]) == (0, [])


def test_ciphered_without_keys_is_a_note_naming_the_algorithm(captures, tmp_path):
    """A capture whose AMF selected 128-NEA1, imported without keys: the ciphered
    messages are a note naming 128-NEA1 (the capture is fine, the keys are missing), not
    an error saying they do not decode; `ok` stays true and the import exits 0."""
    from .pcapgen import reprotected_gnbsim
    from .phonegen import KAMF

    doc = orjson.loads((captures / GNBSIM).read_bytes())
    path = tmp_path / "nea1.json"
    path.write_bytes(orjson.dumps(reprotected_gnbsim(doc, KAMF, nea=1, nia=2)))
    rc, report, _trace = _import(path, tmp_path / "out")
    (ciphered,) = [p for p in report["problems"] if "ciphered" in p["problem"]]
    assert ciphered["severity"] == "note" and "128-NEA1" in ciphered["problem"]
    assert not any("do not decode" in p["problem"] for p in report["problems"])
    assert (rc, report["ok"]) == (0, True)


def test_import_exits_1_when_its_report_is_not_ok_and_still_writes_the_trace(captures,
                                                                               tmp_path):
    """docs/report.md: a gap (the challenge lost) is an error, `ok` is false, exit 1; the
    trace is on disk and replays to its expectation."""
    doc = orjson.loads((captures / GNBSIM).read_bytes())
    msgs = [m for m in phone_capture(doc, duplicate_challenge=False) if m["frame"] != 2]
    path = tmp_path / "lost.pcap"
    path.write_bytes(ngap_pcap(msgs))
    rc, report, trace = _import(path, tmp_path / "out")
    assert (rc, report["ok"]) == (1, False) and trace.exists()
    assert _replay(trace, tmp_path)[0] == 0


def test_each_not_checked_line_names_its_inputs_and_is_said_once(captures, tmp_path,
                                                                   capsys):
    """Two keyless traces share the stand-in reason: one line for both, naming them."""
    capture = _capture(captures, tmp_path)
    _rc, _report, trace = _import(capture, tmp_path / "out")
    twin = trace.with_name("twin.jsonl")
    twin.write_bytes(trace.read_bytes())
    capsys.readouterr()
    main(["replay", str(trace), str(twin)])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "not checked" in ln]
    stand_in = [ln for ln in lines if "stand-ins" in ln]
    assert len(stand_in) == 1
    assert str(trace) in stand_in[0] and str(twin) in stand_in[0]
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize("probe", [None, "all"])
def test_akma_on_a_capture_is_explained_and_never_silently_unchecked(captures, tmp_path,
                                                                      probe):
    """A capture carries no AKMA traffic. Without probes, AKMA-1..4 are checked 0 and
    `not_checked` says why (naming --akma-probe); with them they are checked. Either way
    the report and the HTML say in one sentence what an AKMA verdict on a capture means."""
    capture = _capture(captures, tmp_path)
    options = ("--akma-probe", probe) if probe else ()
    _rc, _report, trace = _import(capture, tmp_path / "out", *options)
    html = tmp_path / "r.html"
    rc, replayed = _replay(trace, tmp_path, "--html", str(html))
    assert rc == 0
    akma = {i: replayed["invariants"][i]["checked"] for i in
            ("AKMA-1", "AKMA-2", "AKMA-3", "AKMA-4")}
    reasons = {n["invariant"]: n["reason"] for n in replayed["not_checked"]
               if n["invariant"].startswith("AKMA")}
    if probe:
        assert akma["AKMA-1"] > 0 and akma["AKMA-4"] > 0
    else:
        assert set(akma.values()) == {0}
        assert set(reasons) == set(akma) and all("--akma-probe" in r for r in reasons.values())
    (note,) = replayed["notes"]
    assert "no AKMA traffic" in note and "capture's timing" in note
    assert "no AKMA traffic" in html.read_text()


@pytest.mark.parametrize("keyed", [True, False])
def test_a_phone_answering_20_where_the_model_checks_the_ngksi_first_is_a_permitted_choice(
        captures, tmp_path, keyed):
    """A re-authentication with the ngKSI in use and an AUTN whose MAC fails: the phone
    answers #20, the model would answer #71, and TS 24.501 5.4.1.3.5/5.4.1.3.7 order neither
    check first. Replay takes the phone's choice (the model follows it), counts it under
    `alternatives` with its clause, and finds no NAS-3: the importer's `pass` holds."""
    capture = _capture(captures, tmp_path, reauth_cause=20)
    keys = _keys(captures, keyed)
    rc, _report, trace = _import(capture, tmp_path / "out", *keys)
    assert rc == 0
    rc, replayed = _replay(trace, tmp_path, *keys)
    assert (rc, replayed["verdict"], replayed["violations"]) == (0, "pass", [])
    (alt,) = replayed["alternatives"]
    assert alt["alternative"] == "ngksi-or-autn-first"
    assert alt["clause"] == "TS 24.501 5.4.1.3.5, 5.4.1.3.7"
    assert (alt["recorded"], alt["model"]) == ("authentication_failure #20",
                                               "authentication_failure #71")
    assert alt["input"] == str(trace) and isinstance(alt["line"], int)


def test_20_for_an_autn_whose_mac_verifies_is_still_nas3(captures, tmp_path):
    """With keys the importer sees that the AUTN's MAC-A verifies: #20 is not a permitted
    choice there (only #71 or the USIM's #21 for this stale SQN), so replay reports NAS-3 and
    the importer's expectation says so."""
    capture = _capture(captures, tmp_path, reauth_cause=20, reauth_bad_mac=False)
    keys = _keys(captures, True)
    _rc, _report, trace = _import(capture, tmp_path / "out", *keys)
    header = orjson.loads(trace.read_bytes().splitlines()[0])
    assert header["expect"] == {"verdict": "fail", "violations": ["NAS-3"]}
    rc, replayed = _replay(trace, tmp_path, *keys)
    assert rc == 0 and replayed["expect"]["matched"]
    (violation,) = replayed["violations"]
    assert violation["invariant"] == "NAS-3" and "expected 20, model 71" in violation["message"]
    assert "alternatives" not in replayed


START_OP = {"mobility": "mobility_update", "periodic": "periodic_update",
            "service": "service_request"}


@pytest.mark.parametrize("update", sorted(START_OP))
@pytest.mark.parametrize("keyed", [True, False])
def test_a_registration_update_after_a_release_replays_to_its_expectation(
        captures, tmp_path, update, keyed):
    """The UE goes idle (NGAP UE context release) and later starts a mobility or periodic
    registration update, or a service request, on a new connection (docs/trace-format.md). Where
    the trace format has the `ue` ops, the importer writes `release` at the release and
    the op before the UE's uplink, so replay drives the model into the same procedure; where it has
    not, that procedure is skipped with a note. Either way the expectation is what replay
    finds — never a "missing uplink registration_request"."""
    from ue_stack.trace.schema import UE_OPS

    capture = _capture(captures, tmp_path, update=update)
    keys = _keys(captures, keyed)
    rc, report, trace = _import(capture, tmp_path / "out", *keys)
    assert (rc, report["ok"]) == (0, True)
    records = _records(trace)
    ops = [r["op"] for r in records if r["kind"] == "ue"]
    request = next(r for r in records if r.get("registration_type") == update
                   or (update == "service" and r.get("msg") == "service_request"))
    if START_OP[update] in UE_OPS:
        assert ops == ["power_on", "register", "release", START_OP[update]]
        assert "skip" not in request
    else:
        assert ops == ["power_on", "register"] and "skip" in request
    rc, replayed = _replay(trace, tmp_path, *keys)
    assert (rc, replayed["verdict"], replayed["violations"]) == (0, "pass", [])


def test_the_importer_writes_release_and_the_update_op_the_format_defines(
        captures, tmp_path, monkeypatch):
    """The importer's side of docs/trace-format.md's `ue` records, whatever the model
    supports: with the ops in the trace format, `release` comes at the NGAP UE Context
    Release Command (no frame: synthetic) and `mobility_update` just before the
    REGISTRATION REQUEST it starts."""
    from ue_stack.trace import schema

    for op in ("release", "mobility_update", "periodic_update", "service_request"):
        monkeypatch.setitem(schema.UE_OPS, op, {})
    from ue_stack.capture.importer import Importer, ImportOptions

    result = Importer(ImportOptions()).run(_capture(captures, tmp_path, update="mobility"))
    records = result.traces[0].records
    kinds = [(r["kind"], r.get("op") or r.get("msg")) for r in records]
    at = kinds.index(("ue", "release"))
    assert kinds[at - 1] == ("ul", "registration_complete")
    assert kinds[at + 1:at + 3] == [("ue", "mobility_update"), ("ul", "registration_request")]
    assert "frame" not in records[at] and records[at]["t"] == pytest.approx(1.134)
    assert not any("skip" in r for r in records)


def test_each_import_problem_line_names_its_capture(captures, tmp_path, capsys):
    """Item 6: a "not checked" line of import (no keys) names the capture it is about."""
    capture = _capture(captures, tmp_path)
    capsys.readouterr()
    _import(capture, tmp_path / "out")
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines and all(line.startswith("ue-stack: import: phone.pcap: ") for line in lines)
    assert any("not checked" in line for line in lines)
    assert len(lines) == len(set(lines))

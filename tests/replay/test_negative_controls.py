"""The negative controls of the trace library: each breaks one invariant, and the report
says exactly where and why (docs/invariants.md, "How NAS-3 matches"; APP-1)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main

TRACES = Path(__file__).resolve().parents[2] / "traces"


def replay(name: str, tmp_path: Path) -> dict:
    report = tmp_path / "report.json"
    assert main(["replay", str(TRACES / f"{name}.jsonl"), "--report", str(report)]) == 1
    return orjson.loads(report.read_bytes())


# A UE with the TS 35.208 test set 1 K/OPc, and the start of its initial registration.
HEADER = {"kind": "header", "format": "ue-stack/trace", "version": 1,
          "ue": {"supi": "001010000000001", "k": "465b5ce8b199b49faa5f0a2ee238a6bc",
                 "opc": "cd63cb71954a9f4e48a5994e37a02baf"},
          "serving_plmn": {"mcc": "001", "mnc": "01"}}
REGISTERING = (
    {"t": 0, "kind": "ue", "op": "power_on"},
    {"t": 0.1, "kind": "ue", "op": "register"},
    {"t": 0.2, "kind": "ul", "msg": "registration_request", "registration_type": "initial",
     "ngksi": 7},
)


def write_trace(tmp_path: Path, records: list[dict]) -> Path:
    """A trace of HEADER then ``records``."""
    trace = tmp_path / "t.jsonl"
    trace.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in [HEADER, *records]))
    return trace


def only_violation(report: dict, invariant: str) -> dict:
    (v,) = report["violations"]
    assert v["invariant"] == invariant
    return v


@pytest.mark.parametrize(("trace", "field", "expected", "model"), [
    ("nas-3-res-star-differs", "res_star", "c8e567e21d52ff3bbd0f4b891250ac99", None),
    ("nas-3-cause-differs", "cause", "20", "21"),
    ("nas-3-auts-differs", "auts", None, None),
])
def test_nas3_reports_an_uplink_whose_field_differs(tmp_path, capsys, trace, field, expected,
                                                   model):
    """docs/invariants.md: each field present in the `ul` record is compared; a differing one is
    a violation naming the field and both values, octets in hex (same `msg`, so not
    "unexpected")."""
    v = only_violation(replay(trace, tmp_path), "NAS-3")
    capsys.readouterr()
    assert "differs from trace line 6" in v["message"] and isinstance(v["seq"], int)
    assert f"{field}: expected " in v["message"]
    assert "unexpected" not in v["message"] and "missing" not in v["message"]
    if expected is not None:
        assert f"{field}: expected {expected}, model " in v["message"]
    if model is not None:
        assert f", model {model}" in v["message"]


def test_nas3_reports_a_missing_uplink_at_the_next_input(tmp_path, capsys):
    """docs/invariants.md: an expectation still pending when a later input record is fed is
    "missing" — when the kaf_request of line 12 is fed (t 0.74), not one input later
    (t 1.74); the report points at the downlink it answers (line 9)."""
    v = only_violation(replay("nas-3-missing-uplink", tmp_path), "NAS-3")
    capsys.readouterr()
    assert v["message"].startswith("missing uplink registration_complete (trace line 10)")
    assert (v["line"], v["t"]) == (9, 0.74)


def test_app1_reports_the_outcome_the_author_did_not_expect(tmp_path, capsys):
    """APP-1: the request expects ok; after AUTHENTICATION REJECT NAS rejects it."""
    v = only_violation(replay("app-1-expects-ok-after-reject", tmp_path), "APP-1")
    capsys.readouterr()
    assert "expected ok, got rejected" in v["message"]


def test_app1_holds_when_the_outcome_is_the_expected_one(tmp_path, capsys):
    report = tmp_path / "report.json"
    assert main(["replay", str(TRACES / "auth-reject-akma-rejected.jsonl"),
                 "--report", str(report)]) == 0
    capsys.readouterr()
    assert orjson.loads(report.read_bytes())["invariants"]["APP-1"] == {
        "checked": 1, "violations": 0}


def test_replay_counts_and_notes_what_it_does_not_feed(tmp_path, capsys):
    """docs/trace-format.md: a `dl` with `skip`, a message the model does not implement and
    a `ciphered` downlink are not fed (each counted and noted in the log); a
    simulation-only `net` op is noted and ignored."""
    trace = write_trace(tmp_path, [
        *REGISTERING,
        {"t": 0.3, "kind": "dl", "msg": "authentication_request", "ngksi": 0, "abba": "0000",
         "rand": "00" * 16, "autn": "00" * 16, "skip": "gap before it"},
        {"t": 0.4, "kind": "dl", "msg": "dl_nas_transport"},
        {"t": 0.5, "kind": "net", "op": "reauthenticate"},
        {"t": 0.6, "kind": "dl", "pdu": "7e02aabbccdd01"},  # ciphered, not deciphered
    ])
    log, report = tmp_path / "x.jsonl", tmp_path / "r.json"
    assert main(["replay", str(trace), "--log", str(log), "--report", str(report)]) == 0
    capsys.readouterr()
    summary = orjson.loads(report.read_bytes())
    stats = summary["stats"]
    assert (stats["records"], stats["dl_skipped"], stats["dl_passed_through"],
            stats["ciphered"], stats["ignored_net_ops"]) == (7, 1, 1, 1, 1)
    nas3 = [n for n in summary["not_checked"] if n["invariant"] == "NAS-3"]
    assert nas3 == [{"invariant": "NAS-3", "input": str(trace),
                     "reason": "gap before it (trace lines 5)"}]
    notes = [(r["line"], r["layer"], r["text"])
             for r in map(orjson.loads, log.read_bytes().splitlines()) if r["event"] == "note"]
    assert notes == [(5, "n1", "downlink skipped: not fed to the model"),
                     (6, "n1", "downlink not modelled: passed through"),
                     (7, "network", "net reauthenticate is simulation only: ignored in replay"),
                     (8, "n1", "downlink not modelled: passed through")]


def test_usim_inserted_without_a_ue_object_puts_the_header_usim_back(tmp_path, capsys):
    """docs/trace-format.md `usim_inserted`: the `ue` object is optional; without one the
    header's USIM is inserted again, and the UE registers with it (TS 24.501 5.5.1.2.2)."""
    trace = write_trace(tmp_path, [
        {"t": 0, "kind": "ue", "op": "power_on"},
        {"t": 0.1, "kind": "ue", "op": "usim_removed"},
        {"t": 0.2, "kind": "ue", "op": "usim_inserted"},
        {"t": 0.3, "kind": "ue", "op": "register"},
        {"t": 0.4, "kind": "ul", "msg": "registration_request", "registration_type": "initial",
         "ngksi": 7},
    ])
    log = tmp_path / "x.jsonl"
    assert main(["replay", str(trace), "--log", str(log)]) == 0
    capsys.readouterr()
    usim = [(r["action"], r["ue"]) for r in map(orjson.loads, log.read_bytes().splitlines())
            if r["event"] == "usim"]
    assert usim[-1] == ("inserted", "001010000000001")


def test_nas3_reports_an_uplink_other_than_the_one_the_trace_expects(tmp_path, capsys):
    """docs/invariants.md NAS-3: after a downlink that is fed (not skipped), the model's
    answer is compared: AUTHENTICATION FAILURE (#20, the AUTN's MAC does not verify,
    TS 24.501 5.4.1.3.7) where the trace has AUTHENTICATION RESPONSE is a violation."""
    trace = write_trace(tmp_path, [
        *REGISTERING,
        {"t": 0.3, "kind": "dl", "msg": "authentication_request", "ngksi": 0, "abba": "0000",
         "rand": "00" * 16, "autn": "00" * 16},
        {"t": 0.4, "kind": "ul", "msg": "authentication_response", "res_star": "00" * 16},
    ])
    report = tmp_path / "r.json"
    assert main(["replay", str(trace), "--report", str(report)]) == 1
    capsys.readouterr()
    first = orjson.loads(report.read_bytes())["violations"][0]
    assert (first["invariant"], first["message"]) == (
        "NAS-3", "unexpected uplink: expected authentication_response (trace line 6), "
        "model sent authentication_failure")

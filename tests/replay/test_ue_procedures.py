"""The rest of 5GMM in traces (docs/trace-format.md): the UE-initiated procedures driven by `ue`
ops, the fields that complete the messages, and `expect_state` — each replayed from a
trace, read from the exchange log and the report."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import orjson

from ue_stack.cli import main

ROOT = Path(__file__).resolve().parents[2]
HEADER = {"kind": "header", "format": "ue-stack/trace", "version": 1,
          "ue": {"supi": "001010000000001", "k": "465b5ce8b199b49faa5f0a2ee238a6bc",
                 "opc": "cd63cb71954a9f4e48a5994e37a02baf",
                 "imei": "490154203237518", "imeisv": "4901542032375181"},
          "serving_plmn": {"mcc": "001", "mnc": "01"}}
RAND, AUTN = "fdb8f08c0b2d87ad45ae76905c06d3ae", "dc83ad21e6e1800066eb572c395966a3"
GUTI = "00f110010040000000a1"
REGISTERED = [
    {"t": 0, "kind": "ue", "op": "power_on"},
    {"t": 0.1, "kind": "ue", "op": "register"},
    {"t": 0.2, "kind": "dl", "msg": "authentication_request", "ngksi": 0, "abba": "0000",
     "rand": RAND, "autn": AUTN},
    {"t": 0.3, "kind": "dl", "msg": "security_mode_command", "ngksi": 0, "nea": 2, "nia": 2},
    {"t": 0.4, "kind": "dl", "msg": "registration_accept", "guti": GUTI, "t3512": 600},
]


def run(tmp_path: Path, records: list[dict], *extra: str) -> tuple[int, list[dict], dict]:
    trace, log, report = tmp_path / "t.jsonl", tmp_path / "log.jsonl", tmp_path / "r.json"
    trace.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [HEADER, *records]))
    code = main(["replay", str(trace), "--log", str(log), "--report", str(report), *extra])
    lines = [orjson.loads(x) for x in log.read_bytes().splitlines()]
    return code, lines, orjson.loads(report.read_bytes())


def uplinks(lines: list[dict]) -> list[dict]:
    return [x for x in lines if x["event"] == "n1" and x["dir"] == "ul"]


def states(lines: list[dict]) -> list[str]:
    return [x["to"] for x in lines if x["event"] == "state" and x["layer"] == "5gmm"]


def test_service_request_from_idle_is_accepted_and_ends_registered(tmp_path):
    """TS 24.501 5.6.1: `ue service_request` after `ue release` -> SERVICE REQUEST with the
    ngKSI of the context in use; SERVICE ACCEPT -> 5GMM-REGISTERED.NORMAL-SERVICE."""
    code, lines, report = run(tmp_path, [
        *REGISTERED,
        {"t": 1, "kind": "ue", "op": "release"},
        {"t": 2, "kind": "ue", "op": "service_request",
         "expect_state": {"5gmm": "5GMM-SERVICE-REQUEST-INITIATED"}},
        {"t": 2.1, "kind": "ul", "msg": "service_request", "service_type": "data", "ngksi": 0},
        {"t": 2.2, "kind": "dl", "msg": "service_accept",
         "expect_state": {"5gmm": "5GMM-REGISTERED.NORMAL-SERVICE", "update_status": "5U1"}},
    ], "--check-expect")
    assert code == 0, report
    assert report["expect"] == {"matched": True, "states": []}
    assert states(lines)[-2:] == ["5GMM-SERVICE-REQUEST-INITIATED",
                                  "5GMM-REGISTERED.NORMAL-SERVICE"]


def test_service_reject_9_makes_the_ue_register_initially(tmp_path):
    """TS 24.501 5.6.1.5 #9: 5U2, 5G-GUTI and ngKSI deleted, then an initial registration
    with SUCI and ngKSI "111"."""
    _, lines, _ = run(tmp_path, [
        *REGISTERED,
        {"t": 1, "kind": "ue", "op": "release"},
        {"t": 2, "kind": "ue", "op": "service_request"},
        {"t": 2.2, "kind": "dl", "msg": "service_reject", "cause": 9},
    ])
    last = uplinks(lines)[-1]
    assert (last["msg"], last["registration_type"], last["ngksi"]) == (
        "registration_request", "initial", 7)


def test_t3517_expiry_abandons_the_service_request(tmp_path):
    """TS 24.501 5.6.1.7: T3517 (15 s) expires -> back to 5GMM-REGISTERED.NORMAL-SERVICE."""
    _, lines, report = run(tmp_path, [
        *REGISTERED,
        {"t": 1, "kind": "ue", "op": "release"},
        {"t": 2, "kind": "ue", "op": "service_request"},
        {"t": 18, "kind": "ue", "op": "advance",
         "expect_state": {"5gmm": "5GMM-REGISTERED.NORMAL-SERVICE"}},
    ], "--check-expect")
    assert report["expect"]["matched"] is True
    assert any(x.get("text") == "service request abandoned" for x in lines)


def test_release_starts_t3512_with_the_accepts_value_and_its_expiry_updates(tmp_path):
    """TS 24.501 10.2 / 5.3.7: `ue release` -> 5GMM-IDLE, T3512 with REGISTRATION ACCEPT's
    value (600 s here); at expiry a periodic registration update."""
    _, lines, _ = run(tmp_path, [
        *REGISTERED,
        {"t": 1, "kind": "ue", "op": "release"},
        {"t": 600.5, "kind": "ue", "op": "advance"},
        {"t": 601.5, "kind": "ue", "op": "advance"},
    ])
    updates = [x for x in uplinks(lines) if x.get("registration_type") == "periodic"]
    assert [x["t"] for x in updates] == [601.0]


def test_mobility_and_periodic_update_ops_send_their_registration_type(tmp_path):
    """docs/trace-format.md: `mobility_update` and `periodic_update` start the registration update
    of that type (TS 24.501 5.5.1.3.2) with the 5G-GUTI's context."""
    _, lines, _ = run(tmp_path, [
        *REGISTERED,
        {"t": 1, "kind": "ue", "op": "mobility_update"},
        {"t": 1.1, "kind": "dl", "msg": "registration_accept"},
        {"t": 2, "kind": "ue", "op": "periodic_update"},
    ])
    types = [x["registration_type"] for x in uplinks(lines) if x["msg"] == "registration_request"]
    assert types == ["initial", "mobility", "periodic"]


def test_identity_request_for_imei_and_imeisv_is_answered_from_the_header(tmp_path):
    """TS 24.501 5.4.3.2: IDENTITY REQUEST for the IMEI (type 3) and IMEISV (type 5) is
    answered with `ue.imei`/`ue.imeisv` in the BCD layout of 9.11.3.4."""
    _, lines, _ = run(tmp_path, [
        *REGISTERED,
        {"t": 1, "kind": "dl", "msg": "identity_request", "identity_type": 3},
        {"t": 2, "kind": "dl", "msg": "identity_request", "identity_type": 5},
    ])
    answers = [x["identity"] for x in uplinks(lines) if x["msg"] == "identity_response"]
    assert answers == ["4b09512430325781", "4509512430325781f1"]


def test_smc_with_imeisv_request_is_completed_with_the_imeisv(tmp_path):
    """TS 24.501 5.4.2.3: an SMC with IMEISV request -> SECURITY MODE COMPLETE with it."""
    records = [dict(r) for r in REGISTERED[:4]]
    records[3]["imeisv_request"] = True
    _, lines, _ = run(tmp_path, records)
    complete = [x for x in uplinks(lines) if x["msg"] == "security_mode_complete"]
    assert complete[0]["identity"] == "4509512430325781f1"


def test_configuration_update_command_with_a_guti_is_completed_and_the_guti_kept(tmp_path):
    """TS 24.501 5.4.4.3: a new 5G-GUTI is stored and acknowledged with CONFIGURATION
    UPDATE COMPLETE; the 5G-S-TMSI then comes from it (IDENTITY REQUEST type 4)."""
    new = "00f1100100400000bbbb"
    _, lines, _ = run(tmp_path, [
        *REGISTERED,
        {"t": 1, "kind": "dl", "msg": "configuration_update_command", "guti": new},
        {"t": 2, "kind": "dl", "msg": "identity_request", "identity_type": 4},
    ])
    ups = uplinks(lines)
    assert ups[-2]["msg"] == "configuration_update_complete"
    assert ups[-1]["identity"] == "f4" + new[-12:]


def test_a_missed_expect_state_fails_check_expect_and_is_listed_in_the_report(tmp_path):
    """docs/trace-format.md: `expect_state` that the UE does not meet is a missed expectation:
    exit 1 with --check-expect, listed in expect.states (line, stated, found), and the
    report still validates against docs/schema/report.schema.json."""
    code, _, report = run(tmp_path, [
        *REGISTERED[:2],
        {"t": 0.1, "kind": "ul", "msg": "registration_request"},
        {"t": 0.15, "kind": "ue", "op": "advance",
         "expect_state": {"5gmm": "5GMM-REGISTERED.NORMAL-SERVICE", "update_status": "5U2"}},
    ], "--check-expect")
    assert code == 1
    assert report["verdict"] == "pass" and report["expect"]["matched"] is False
    (miss,) = report["expect"]["states"]
    assert miss["line"] == 5
    assert miss["expected"] == {"5gmm": "5GMM-REGISTERED.NORMAL-SERVICE", "update_status": "5U2"}
    assert miss["actual"] == {"5gmm": "5GMM-REGISTERED-INITIATED", "update_status": "5U2"}
    schema = json.loads((ROOT / "docs/schema/report.schema.json").read_text())
    jsonschema.validate(report, schema)


def test_an_unknown_state_in_expect_state_is_an_input_error(tmp_path, capsys):
    """Errors are for people: a misspelt state is exit 2 with one line naming the field."""
    trace = tmp_path / "t.jsonl"
    records = [HEADER, {"t": 0, "kind": "ue", "op": "power_on",
                        "expect_state": {"5gmm": "5GMM-REGISTERED"}}]
    trace.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    assert main(["replay", str(trace)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expect_state.5gmm" in err[0] and ":2:" in err[0]


def test_trace_records_with_the_new_fields_validate_against_the_trace_schema():
    """docs/schema/trace.schema.json knows the `ue` ops and `expect_state` of
    docs/trace-format.md."""
    schema = json.loads((ROOT / "docs/schema/trace.schema.json").read_text())
    for record in [HEADER, {"t": 1, "kind": "ue", "op": "plmn_change", "mcc": "001", "mnc": "02"},
                   {"t": 1, "kind": "ue", "op": "service_request", "service_type": "data",
                    "expect_state": {"update_status": "5U1"}},
                   {"t": 1, "kind": "dl", "msg": "registration_reject", "cause": 22,
                    "t3346": 60}]:
        jsonschema.validate(record, schema)


def test_eap_failure_after_a_verified_answer_leaves_the_networks_akma_context(tmp_path):
    """TS 33.535 6.1: AKMA belongs to a successful primary authentication. The second
    EAP-AKA' run of traces/sim-eap-aka-prime-reauth-between-af-sessions.jsonl, answered
    correctly but ended by the recorded network with EAP-Failure: the UE keeps KAUSF1, and
    the shadow network must keep A-KID1 too — the next AF session is no AKMA-4."""
    source = ROOT / "traces/sim-eap-aka-prime-reauth-between-af-sessions.jsonl"
    lines = [orjson.loads(x) for x in source.read_bytes().splitlines()]
    header = {**lines[0], "options": {"app_mode": "per-kaf"}}
    header.pop("expect", None)
    cut = next(i for i, r in enumerate(lines) if r.get("msg") == "authentication_result"
               and r.get("eap_id") == 2)
    failure = {"t": 10.0, "kind": "dl", "msg": "authentication_result", "ngksi": 1,
               "eap": "04020004"}
    kaf = {"t": 15.0, "kind": "app", "op": "kaf_request", "app": "mail",
           "af_fqdn": "af.example.com", "ua_id": "0100000007", "expect": "ok"}
    trace, report = tmp_path / "t.jsonl", tmp_path / "r.json"
    trace.write_bytes(b"".join(orjson.dumps(r) + b"\n"
                               for r in [header, *lines[1:cut], failure, kaf]))
    main(["replay", str(trace), "--report", str(report)])
    result = orjson.loads(report.read_bytes())
    assert result["invariants"]["AKMA-4"] == {"checked": 2, "violations": 0}, result

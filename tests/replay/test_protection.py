"""The UE checks what it receives (TS 24.501 4.4.4.2, 4.4.3.1; docs/behaviour.md "Message
protection"): each test feeds a trace whose downlinks carry `sht`/`mac`/`count` and reads
the exchange log — what the UE answered, what it discarded and why, and what NAS-4/NAS-5
say about it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main

HEADER = {"kind": "header", "format": "ue-stack/trace", "version": 1,
          "ue": {"supi": "001010000000001", "k": "465b5ce8b199b49faa5f0a2ee238a6bc",
                 "opc": "cd63cb71954a9f4e48a5994e37a02baf"},
          "serving_plmn": {"mcc": "001", "mnc": "01"}}
# traces/happy-path.jsonl's challenge (TS 35.208 set 1, SQN 0x21)
RAND, AUTN = "fdb8f08c0b2d87ad45ae76905c06d3ae", "dc83ad21e6e1800066eb572c395966a3"


GUTI = "00f110010040000000a1"
START = [
    {"t": 0, "kind": "ue", "op": "power_on"},
    {"t": 0.1, "kind": "ue", "op": "register"},
]
AUTH_PLAIN = {"t": 0.2, "kind": "dl", "msg": "authentication_request", "sht": 0, "ngksi": 0,
              "abba": "0000", "rand": RAND, "autn": AUTN}
SMC = {"t": 0.3, "kind": "dl", "msg": "security_mode_command", "sht": 3, "mac": "verified",
       "count": 0, "ngksi": 0, "nea": 2, "nia": 2}
ACCEPT = {"t": 0.4, "kind": "dl", "msg": "registration_accept", "sht": 2, "mac": "verified",
          "count": 1, "guti": GUTI}
REGISTERED = [*START, AUTH_PLAIN, SMC, ACCEPT]
KAF = {"kind": "app", "op": "kaf_request", "app": "mail", "af_fqdn": "af.example.com",
       "ua_id": "0100000007"}


def run(tmp_path: Path, records: list[dict]) -> tuple[list[dict], dict]:
    """Replay HEADER + records; the exchange log and the report."""
    trace, log, report = tmp_path / "t.jsonl", tmp_path / "log.jsonl", tmp_path / "r.json"
    trace.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [HEADER, *records]))
    assert main(["replay", str(trace), "--log", str(log), "--report", str(report)]) in (0, 1)
    lines = [orjson.loads(x) for x in log.read_bytes().splitlines()]
    return lines, orjson.loads(report.read_bytes())


def after_line(lines: list[dict], line: int) -> list[dict]:
    """The log lines from the n1 line of trace line ``line`` to the next input."""
    start = next(i for i, x in enumerate(lines) if x.get("line") == line and x["event"] == "n1")
    out = []
    for x in lines[start + 1:]:
        if x["event"] in ("input",) or (x["event"] == "n1" and x.get("dir") == "dl"):
            break
        out.append(x)
    return out


def discarded(lines: list[dict], line: int) -> dict | None:
    caused = after_line(lines, line)
    found = [x for x in caused if x["event"] == "discarded"]
    assert len(found) <= 1
    return found[0] if found else None


def uplinks(lines: list[dict], line: int) -> list[str]:
    return [x["msg"] for x in after_line(lines, line) if x["event"] == "n1"]


def assert_nas45_clean(report: dict) -> None:
    assert report["invariants"]["NAS-4"]["violations"] == 0
    assert report["invariants"]["NAS-5"]["violations"] == 0


# -- after secure exchange: nothing plain -----------------------------------------------------

PLAIN_AFTER_SECURITY = {
    "authentication_request": {"ngksi": 1, "abba": "0000", "rand": RAND, "autn": AUTN},
    "registration_accept": {"guti": GUTI},
    "identity_request": {"identity_type": 1},
    "authentication_reject": {},
    "deregistration_request": {"switch_off": False, "re_registration_required": False,
                               "cause": 3},
    "registration_reject": {"cause": 3},
    "configuration_update_command": {"ack_requested": True},
}


@pytest.mark.parametrize("msg", sorted(PLAIN_AFTER_SECURITY))
def test_ue_discards_a_plain_message_after_secure_exchange(tmp_path, msg):
    """4.4.4.2: once the network established secure exchange (the UE accepted the SMC), a
    message that is not integrity protected is discarded: no answer, no state change, and
    AKMA keeps working (the probe: a plain DEREGISTRATION REQUEST #3 used to make the USIM
    invalid, switching AKMA off for anyone on the air)."""
    probe = {"t": 1.0, "kind": "dl", "msg": msg, "sht": 0, **PLAIN_AFTER_SECURITY[msg]}
    lines, report = run(tmp_path, [*REGISTERED, probe, {**KAF, "t": 2.0, "expect": "ok"}])
    probe_line = 1 + len(REGISTERED) + 1  # the header is line 1
    d = discarded(lines, probe_line)
    assert d is not None and d["msg"] == msg and d["clause"] == "TS 24.501 4.4.4.2"
    assert "after secure exchange" in d["reason"] and d["line"] == probe_line
    assert uplinks(lines, probe_line) == []
    assert not [x for x in after_line(lines, probe_line) if x["event"] in ("state", "usim")]
    assert report["invariants"]["APP-1"]["violations"] == 0  # AKMA still answered
    assert_nas45_clean(report)


def test_ue_discards_a_message_whose_mac_failed_after_secure_exchange(tmp_path):
    probe = {"t": 1.0, "kind": "dl", "msg": "deregistration_request", "sht": 2, "mac": "failed",
             "count": 2, "switch_off": False, "cause": 3}
    lines, report = run(tmp_path, [*REGISTERED, probe])
    d = discarded(lines, 7)
    assert d is not None and "integrity check failed" in d["reason"]
    assert_nas45_clean(report)


def test_ue_acts_on_a_protected_message_with_a_good_mac_after_secure_exchange(tmp_path):
    """The control: the same DEREGISTRATION REQUEST #3, protected and verified, is acted on
    (DEREGISTRATION ACCEPT, USIM invalid: 5.5.2.3.2)."""
    probe = {"t": 1.0, "kind": "dl", "msg": "deregistration_request", "sht": 2,
             "mac": "verified", "count": 2, "switch_off": False, "cause": 3}
    lines, report = run(tmp_path, [*REGISTERED, probe])
    assert discarded(lines, 7) is None
    assert "deregistration_accept" in uplinks(lines, 7)
    assert any(x["event"] == "usim" and x["action"] == "invalid" for x in after_line(lines, 7))
    assert_nas45_clean(report)


def test_ue_discards_a_replayed_nas_count(tmp_path):
    """4.4.3.1: a protected message whose NAS COUNT is not above the last accepted one in
    the context is a replay: discarded."""
    replayed = {**ACCEPT, "t": 1.0}
    lines, report = run(tmp_path, [*REGISTERED, replayed])
    assert "registration_complete" in uplinks(lines, 6)
    d = discarded(lines, 7)
    assert d is not None and d["clause"] == "TS 24.501 4.4.3.1" and "replay" in d["reason"]
    assert uplinks(lines, 7) == []
    assert report["invariants"]["NAS-5"]["checked"] >= 2
    assert_nas45_clean(report)


def test_ue_acts_on_the_next_nas_count(tmp_path):
    probe = {"t": 1.0, "kind": "dl", "msg": "identity_request", "sht": 2, "mac": "verified",
             "count": 2, "identity_type": 2}
    lines, _report = run(tmp_path, [*REGISTERED, probe])
    assert discarded(lines, 7) is None and uplinks(lines, 7) == ["identity_response"]


def test_ue_does_not_act_on_a_plain_configuration_update_command(tmp_path):
    probe = {"t": 1.0, "kind": "dl", "msg": "configuration_update_command", "sht": 0}
    lines, report = run(tmp_path, [*REGISTERED, probe])
    assert not [x for x in lines if x["event"] == "n1" and x["dir"] == "ul"
                and x["t"] >= 1.0]
    assert_nas45_clean(report)


# -- the SECURITY MODE COMMAND ------------------------------------------------------------

def test_ue_discards_an_smc_whose_mac_failed_and_keeps_the_old_kausf(tmp_path):
    """5.4.2.2 / 4.4.4.2: the SMC is checked with the keys of the ngKSI it names; a failed
    check is discarded — not answered, and the pending KAUSF does not become valid."""
    bad = {**SMC, "mac": "failed"}
    lines, report = run(tmp_path, [*START, AUTH_PLAIN, bad])
    d = discarded(lines, 5)
    assert d is not None and "integrity check" in d["reason"]
    assert uplinks(lines, 5) == []
    assert not any(x["event"] == "kausf" and x["action"] == "valid" for x in lines)
    assert_nas45_clean(report)


def test_ue_discards_a_plain_smc(tmp_path):
    plain = {k: v for k, v in SMC.items() if k not in ("mac", "count")} | {"sht": 0}
    lines, _report = run(tmp_path, [*START, AUTH_PLAIN, plain])
    assert discarded(lines, 5) is not None and uplinks(lines, 5) == []


def test_ue_discards_a_replayed_smc(tmp_path):
    """5GBaseChecker's `nas_sm_cmd_replay`: the SMC again, same COUNT, after it was
    accepted: a replay (4.4.3.1), not a second SECURITY MODE COMPLETE."""
    lines, report = run(tmp_path, [*REGISTERED, {**SMC, "t": 1.0}])
    assert discarded(lines, 7) is not None and uplinks(lines, 7) == []
    assert_nas45_clean(report)


def test_ue_rejects_an_smc_replaying_other_security_capabilities_with_23(tmp_path):
    header_cap = {**HEADER, "ue": {**HEADER["ue"], "sec_cap": "e0e0"}}
    trace = tmp_path / "t.jsonl"
    records = [*START, AUTH_PLAIN, {**SMC, "replayed_ue_sec_cap": "8020"}]
    trace.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [header_cap, *records]))
    log = tmp_path / "log.jsonl"
    main(["replay", str(trace), "--log", str(log)])
    lines = [orjson.loads(x) for x in log.read_bytes().splitlines()]
    (reject,) = [x for x in lines if x.get("msg") == "security_mode_reject"]
    assert reject["cause"] == 23


# -- before secure exchange: only the listed messages -----------------------------------------

def test_ue_discards_a_plain_imei_request_before_security(tmp_path):
    """4.4.4.2: before secure exchange an IDENTITY REQUEST is processed only when it asks for
    the SUCI; a plain request for the IMEI is discarded."""
    probe = {"t": 0.2, "kind": "dl", "msg": "identity_request", "sht": 0, "identity_type": 2}
    lines, report = run(tmp_path, [*START, probe])
    d = discarded(lines, 4)
    assert d is not None and "SUCI" in d["reason"]
    assert uplinks(lines, 4) == []
    assert_nas45_clean(report)


@pytest.mark.parametrize("probe", [
    {"msg": "identity_request", "identity_type": 1},
    {"msg": "authentication_request", "ngksi": 0, "abba": "0000", "rand": RAND, "autn": AUTN},
    {"msg": "registration_reject", "cause": 3},
    {"msg": "authentication_reject"},
], ids=lambda p: p["msg"])
def test_ue_acts_on_the_listed_plain_messages_before_security(tmp_path, probe):
    lines, report = run(tmp_path, [*START, {"t": 0.2, "kind": "dl", "sht": 0, **probe}])
    assert discarded(lines, 4) is None
    caused = after_line(lines, 4)
    assert any(x["event"] in ("n1", "state", "usim") for x in caused)
    assert_nas45_clean(report)


@pytest.mark.parametrize("msg", ["registration_accept", "deregistration_request", "status"])
def test_ue_discards_other_plain_messages_before_security(tmp_path, msg):
    fields = {"registration_accept": {"guti": GUTI},
              "deregistration_request": {"switch_off": False, "cause": 3},
              "status": {"cause": 98}}[msg]
    lines, report = run(tmp_path, [*START, {"t": 0.2, "kind": "dl", "msg": msg, "sht": 0,
                                            **fields}])
    d = discarded(lines, 4)
    assert d is not None and "before secure exchange" in d["reason"]
    assert_nas45_clean(report)


def test_ue_discards_a_plain_registration_reject_76(tmp_path):
    lines, _ = run(tmp_path, [*START, {"t": 0.2, "kind": "dl", "msg": "registration_reject",
                                       "sht": 0, "cause": 76}])
    d = discarded(lines, 4)
    assert d is not None and "#76" in d["reason"]


def test_a_trace_without_protection_fields_keeps_its_v1_meaning(tmp_path):
    """docs/trace-format.md: a dl record without sht is what a spec network sends — acted
    on, and its n1 line carries no protection fields (v1 logs unchanged)."""
    records = [*START, {k: v for k, v in AUTH_PLAIN.items() if k != "sht"},
               {k: v for k, v in SMC.items() if k not in ("sht", "mac", "count")}]
    lines, report = run(tmp_path, records)
    assert not any("sht" in x for x in lines)
    assert not any(x["event"] == "discarded" for x in lines)
    assert report["invariants"]["NAS-4"]["checked"] == 0


# -- the trace format ---------------------------------------------------------------------

@pytest.mark.parametrize(("record", "field"), [
    ({"sht": 5}, "sht"),
    ({"sht": "2"}, "sht"),
    ({"sht": 0, "mac": "verified"}, "mac"),
    ({"sht": 2, "mac": "good"}, "mac"),
    ({"sht": 2, "count": -1}, "count"),
    ({"sht": 0, "count": 3}, "count"),
    ({"mac": "verified"}, "sht"),
    ({"sht": 2, "pdu": "7e00560002000021" + RAND + "2010" + AUTN}, "sht"),
])
def test_bad_protection_fields_are_input_errors(tmp_path, capsys, record, field):
    dl = {"t": 0.2, "kind": "dl", "msg": "authentication_request", "ngksi": 0,
          "abba": "0000", "rand": RAND, "autn": AUTN, **record}
    trace = tmp_path / "t.jsonl"
    trace.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [HEADER, *START, dl]))
    assert main(["replay", str(trace)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ":4:" in err[0] and field in err[0]


def test_replay_checks_a_captured_mac_with_the_ues_own_keys(tmp_path):
    """A captured SMC (with K/OPc in the header) is checked with the keys of the context it
    names, from its octets — not taken on the recorder's word: one MAC bit flipped in the
    pdu of traces/capture-oai-*, still labelled `verified`, and the UE discards it."""
    source = Path(__file__).resolve().parents[2] / "traces" / (
        "capture-oai-registration-nia2-208950000000031.jsonl")
    lines = source.read_bytes().splitlines()
    out = []
    for raw in lines:
        rec = orjson.loads(raw)
        if rec.get("msg") == "security_mode_command":
            assert rec["mac"] == "verified"
            pdu = bytearray.fromhex(rec["pdu"])
            pdu[5] ^= 0x01
            rec["pdu"] = pdu.hex()
            rec.pop("note", None)
        out.append(orjson.dumps(rec))
    trace, log = tmp_path / "forged.jsonl", tmp_path / "log.jsonl"
    trace.write_bytes(b"\n".join(out) + b"\n")
    assert main(["replay", str(trace), "--log", str(log)]) == 1
    logged = [orjson.loads(x) for x in log.read_bytes().splitlines()]
    (d,) = [x for x in logged if x["event"] == "discarded"]
    assert d["msg"] == "security_mode_command" and "integrity check" in d["reason"]
    assert not [x for x in logged if x.get("msg") == "security_mode_complete"
                and x["event"] == "n1"]

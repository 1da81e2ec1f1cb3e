"""A UE that starts with a stored 5G NAS security context *with its keys*, and KAUSF
(docs/trace-format.md header ``ue.stored``; TS 24.501 Annex C.1 d, TS 33.501 6.2.2.2): it
resumes the context — REGISTRATION REQUEST names its ngKSI and the 5G-GUTI, secure
exchange counts as established, downlinks are checked with the NAS keys of the stored
KAMF — and answers AKMA from the stored KAUSF. Each test replays a trace and reads the
exchange log (the REGISTRATION REQUEST: tests/unit/test_nas_stored_context.py)."""

from __future__ import annotations

from pathlib import Path

import orjson

from ue_stack.cli import main
from ue_stack.crypto import fp
from ue_stack.crypto.akma import a_kid, a_tid, k_akma
from ue_stack.crypto.secret import Key
from ue_stack.nas.context import NasSecurityContext
from ue_stack.nas.messages import nas
from ue_stack.nas.protection import DOWNLINK, SHT_CIPHERED, protect
from ue_stack.trace.loader import open_trace

SUPI = "001010000000001"
KAMF = "a1" * 32  # made-up keys: what matters is that they are the UE's, not their value
KAUSF = "5c" * 32
GUTI = "f200f110010040000000a1"  # type octet (5G-GUTI), PLMN 001/01, AMF 010040, 5G-TMSI a1
STORED = {"ngksi": 3, "kamf": KAMF, "kausf": KAUSF, "guti": GUTI, "ul_count": 7,
          "dl_count": 4, "nea": 0, "nia": 2}
HEADER = {"kind": "header", "format": "ue-stack/trace", "version": 1,
          "ue": {"supi": SUPI, "k": "465b5ce8b199b49faa5f0a2ee238a6bc",
                 "opc": "cd63cb71954a9f4e48a5994e37a02baf", "stored": STORED},
          "serving_plmn": {"mcc": "001", "mnc": "01"}}
START = [{"t": 0, "kind": "ue", "op": "power_on"}, {"t": 0.1, "kind": "ue", "op": "register"},
         {"t": 0.1, "kind": "ul", "msg": "registration_request", "ngksi": 3}]
PROBE_LINE = 5  # the header is line 1, START lines 2-4


def run(tmp_path: Path, records: list[dict], header: dict = HEADER) -> tuple[list[dict], bytes]:
    trace, log = tmp_path / "t.jsonl", tmp_path / "log.jsonl"
    trace.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [header, *records]))
    assert main(["replay", str(trace), "--log", str(log)]) in (0, 1)
    raw = log.read_bytes()
    return [orjson.loads(x) for x in raw.splitlines()], raw


def caused_by(lines: list[dict], line: int) -> list[dict]:
    start = next(i for i, x in enumerate(lines) if x.get("line") == line and x["event"] == "n1")
    out = []
    for x in lines[start + 1:]:
        if x["event"] == "input" or (x["event"] == "n1" and x.get("dir") == "dl"):
            break
        out.append(x)
    return out


def protected_dl(kamf: str, count: int) -> dict:
    """IDENTITY REQUEST (SUCI) integrity protected with NIA2 under a context of ``kamf``."""
    ctx = NasSecurityContext(3, Key(bytes.fromhex(kamf)), nea=0, nia=2)
    message = protect(nas("identity_request", identity_type=1), ctx, SHT_CIPHERED, count,
                      DOWNLINK)
    assert message.protection is not None and message.protection.pdu is not None
    return {"t": 1.0, "kind": "dl", "pdu": message.protection.pdu.hex(), "sht": SHT_CIPHERED,
            "count": count}


def test_a_ue_started_with_a_stored_context_discards_a_plain_authentication_request(tmp_path):
    """Resuming the stored context establishes secure exchange (docs/protection.md): a plain
    AUTHENTICATION REQUEST — processed by a UE without one (4.4.4.2) — is discarded."""
    plain = {"t": 1.0, "kind": "dl", "msg": "authentication_request", "sht": 0, "ngksi": 0,
             "abba": "0000", "rand": "fdb8f08c0b2d87ad45ae76905c06d3ae",
             "autn": "dc83ad21e6e1800066eb572c395966a3"}
    lines, _ = run(tmp_path, [*START, plain])
    caused = caused_by(lines, PROBE_LINE)
    (dropped,) = [x for x in caused if x["event"] == "discarded"]
    assert "after secure exchange" in dropped["reason"]
    assert not [x for x in caused if x["event"] == "n1"]


def test_a_protected_downlink_is_checked_with_the_nas_keys_of_the_stored_kamf(tmp_path):
    """TS 33.501 A.8: K_NASint from the stored KAMF and NIA; a MAC made with it is acted on
    (IDENTITY RESPONSE), one made with another KAMF fails and is discarded."""
    lines, _ = run(tmp_path, [*START, protected_dl(KAMF, 5)])
    assert [x["msg"] for x in caused_by(lines, PROBE_LINE) if x["event"] == "n1"] == [
        "identity_response"]
    lines, _ = run(tmp_path, [*START, protected_dl("b2" * 32, 5)])
    (dropped,) = [x for x in caused_by(lines, PROBE_LINE) if x["event"] == "discarded"]
    assert "integrity check failed" in dropped["reason"]


def test_akma_request_before_any_authentication_is_answered_from_the_stored_kausf(tmp_path):
    """TS 33.535 6.1, A.2, A.3: KAKMA and A-TID from the stored KAUSF — no 5G AKA ran."""
    kaf = {"t": 0.05, "kind": "app", "op": "kaf_request", "app": "mail",
           "af_fqdn": "af.example.com", "ua_id": "0100000007"}
    lines, _ = run(tmp_path, [START[0], kaf])
    (confirm,) = [x for x in lines if x.get("name") == "ObtainAkmaKeyConfirm"]
    kausf = bytes.fromhex(KAUSF)
    assert confirm["k_akma_fp"] == fp(k_akma(kausf, SUPI))
    assert confirm["k_ausf_fp"] == fp(kausf)
    assert confirm["a_kid"] == a_kid("0", a_tid(kausf, SUPI), "001", "01")


def test_stored_key_material_never_appears_in_the_log_and_sec1_looks_for_it(tmp_path):
    """SEC-1: ``kamf``/``kausf`` are secrets like ``k``: not in any log line, and replay
    hands them to SEC-1 so a leak would be found by value."""
    _, raw = run(tmp_path, [*START, protected_dl(KAMF, 5)])
    assert KAMF.encode() not in raw.lower() and KAUSF.encode() not in raw.lower()
    with open_trace(_write(tmp_path, HEADER)) as trace:
        assert {KAMF, KAUSF} <= set(trace.header.ue.secret_values())


def test_bad_stored_kausf_is_one_line_naming_the_field_without_the_value(tmp_path, capsys):
    short = KAUSF[:-2] + "zz"
    header = {**HEADER, "ue": {**HEADER["ue"], "stored": {**STORED, "kausf": short}}}
    assert main(["replay", str(_write(tmp_path, header))]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert ":1:" in err and "ue.stored.kausf" in err and short not in err.lower()


def _write(tmp_path: Path, header: dict) -> Path:
    path = tmp_path / "h.jsonl"
    path.write_bytes(orjson.dumps(header) + b"\n")
    return path

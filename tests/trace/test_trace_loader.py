"""The trace loader: typed header and records, streaming, pdu agreement (docs/trace-format.md)."""

from __future__ import annotations

import gc
import json
import sys
import tracemalloc
import types
from pathlib import Path

import pytest

from ue_stack.errors import TraceFormatError
from ue_stack.trace.loader import open_trace
from ue_stack.trace.schema import Plmn

# TS 35.208 test set 1
K = "465b5ce8b199b49faa5f0a2ee238a6bc"
OP = "cdc202d5123e20f62b6d676ac72cb318"
OPC = "cd63cb71954a9f4e48a5994e37a02baf"
RAND = "23553cbe9637a89d218ae64dae47bf35"
AUTN = "55f328b43577b9b94a9ffac354dfafb3"


def header(**over) -> dict:
    h = {
        "kind": "header",
        "format": "ue-stack/trace",
        "version": 1,
        "title": "t",
        "source": "written by the test",
        "ue": {"supi": "001010000000001", "k": K, "opc": OPC},
        "serving_plmn": {"mcc": "001", "mnc": "01"},
    }
    h.update(over)
    return h


def write(path: Path, *lines: dict | str) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    )
    return path


def load(path: Path):
    with open_trace(path) as trace:
        return trace.header, list(trace)


def test_header_is_typed_with_defaults_and_computed_snn(tmp_path):
    """docs/trace-format.md: sqn_ms defaults to zero, rid to "0", the SNN comes from the serving
    PLMN with a 3-digit MNC (TS 24.501 9.12.1), options keep only what is given."""
    hdr, records = load(write(tmp_path / "t.jsonl", header(options={"app_mode": "legacy-cache"})))
    assert records == []
    assert hdr.ue.supi == "001010000000001"
    assert hdr.ue.k == bytes.fromhex(K) and hdr.ue.opc == bytes.fromhex(OPC)
    assert hdr.ue.sqn_ms == bytes(6) and hdr.ue.rid == "0"
    assert hdr.serving_plmn == Plmn("001", "01") and hdr.home_plmn == Plmn("001", "01")
    assert hdr.snn == "5G:mnc001.mcc001.3gppnetwork.org"
    assert hdr.options == {"app_mode": "legacy-cache"}
    assert hdr.expect is None
    assert K not in repr(hdr) and K.upper() not in repr(hdr)


def test_opc_is_computed_from_op_when_only_op_is_given(tmp_path):
    """docs/trace-format.md: `ue.op` may replace `ue.opc` (TS 35.208 set 1: OP -> OPc)."""
    ue = {"supi": "001010000000001", "k": K.upper(), "op": OP}
    hdr, _ = load(write(tmp_path / "t.jsonl", header(ue=ue, snn="5G:odd.name")))
    assert hdr.ue.opc == bytes.fromhex(OPC)
    assert hdr.snn == "5G:odd.name"


def test_op_contradicting_opc_is_refused(tmp_path):
    ue = {"supi": "001010000000001", "k": K, "op": OP, "opc": "00" * 16}
    with pytest.raises(TraceFormatError) as caught:
        load(write(tmp_path / "t.jsonl", header(ue=ue)))
    assert caught.value.field == "ue.opc"


def test_records_are_typed_and_annotations_skipped(tmp_path):
    """Records carry line numbers; `//` and blank lines and `x-` kinds are skipped; dl
    fields are typed per nas.messages; op fields are typed."""
    path = write(
        tmp_path / "t.jsonl",
        header(),
        "// switch on",
        {"t": 0, "kind": "ue", "op": "power_on"},
        "",
        {"t": 0.5, "kind": "x-vendor", "anything": [1, 2]},
        {"t": 1, "kind": "ue", "op": "register"},
        {"t": 1.2, "kind": "ul", "msg": "registration_request", "registration_type": "initial",
         "ngksi": 7},
        {"t": 1.5, "kind": "dl", "msg": "authentication_request", "ngksi": 0, "abba": "0000",
         "rand": RAND.upper(), "autn": AUTN, "vendor_note": "kept"},
        {"t": 2, "kind": "app", "op": "kaf_request", "app": "mail", "af_fqdn": "af.example.com",
         "ua_id": "0100000007", "expect": "ok"},
        {"t": 3, "kind": "ue", "op": "deregister", "switch_off": True},
        {"t": 4, "kind": "net", "op": "drop_next", "msg": "security_mode_command"},
    )
    _, records = load(path)
    assert [r.line for r in records] == [3, 6, 7, 8, 9, 10, 11]
    assert [r.kind for r in records] == ["ue", "ue", "ul", "dl", "app", "ue", "net"]
    reg, auth = records[2], records[3]
    assert reg.message.msg == "registration_request"
    assert dict(reg.message.fields) == {"registration_type": "initial", "ngksi": 7}
    assert auth.message["rand"] == bytes.fromhex(RAND)
    assert auth.message["ngksi"] == 0 and auth.message["abba"] == b"\x00\x00"
    assert "vendor_note" not in auth.message.fields and auth.fields == {"vendor_note": "kept"}
    kaf = records[4]
    assert kaf.op == "kaf_request"
    assert kaf.fields == {"app": "mail", "af_fqdn": "af.example.com",
                          "ua_id": bytes.fromhex("0100000007"), "expect": "ok"}
    assert records[5].fields == {"switch_off": True}
    assert records[6].fields == {"msg": "security_mode_command"}
    assert all(isinstance(r.t, float) for r in records)


def test_message_the_model_does_not_implement_passes_through(tmp_path):
    """docs/trace-format.md: a 5GSM/transport msg is passed through with its fields as written
    (its pdu still validated as hex)."""
    path = write(
        tmp_path / "t.jsonl",
        header(),
        {"t": 0, "kind": "ue", "op": "power_on"},
        {"t": 1, "kind": "dl", "msg": "dl_nas_transport", "payload_type": 1, "pdu": "7E0068"},
        {"t": 2, "kind": "ul", "msg": "notification_response", "ngksi": "whatever"},
    )
    _, (_, transport, service) = load(path)
    assert transport.message.msg == "dl_nas_transport"
    assert transport.message.fields == {"payload_type": 1}
    assert transport.pdu == bytes.fromhex("7e0068")
    assert service.message.fields == {"ngksi": "whatever"}


def test_usim_inserted_carries_a_new_usim(tmp_path):
    path = write(
        tmp_path / "t.jsonl",
        header(),
        {"t": 0, "kind": "ue", "op": "usim_inserted",
         "ue": {"supi": "001010000000002", "sqn_ms": "000000000020"}},
    )
    _, (rec,) = load(path)
    assert rec.fields["ue"].supi == "001010000000002"
    assert rec.fields["ue"].sqn_ms == bytes.fromhex("000000000020")
    assert rec.fields["ue"].k is None


def _fake_codec(monkeypatch, decoded):
    module = types.ModuleType("ue_stack.nas.codec")
    module.decode_pdu = lambda pdu: decoded  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ue_stack.nas.codec", module)


def test_pdu_only_record_takes_msg_and_fields_from_the_codec(tmp_path, monkeypatch):
    """docs/trace-format.md: a record with only `pdu` gets its message from the decoded PDU."""
    decoded = types.SimpleNamespace(
        msg="authentication_request",
        fields={"ngksi": 1, "abba": b"\x00\x00", "rand": bytes.fromhex(RAND),
                "autn": bytes.fromhex(AUTN)},
    )
    _fake_codec(monkeypatch, decoded)
    path = write(
        tmp_path / "t.jsonl",
        header(),
        {"t": 0, "kind": "ue", "op": "power_on"},
        {"t": 1, "kind": "dl", "pdu": "7e005601"},
    )
    _, (_, rec) = load(path)
    assert rec.message.msg == "authentication_request"
    assert rec.message["ngksi"] == 1 and rec.message["rand"] == bytes.fromhex(RAND)


def test_explicit_field_contradicting_the_pdu_is_refused(tmp_path, monkeypatch):
    """docs/trace-format.md: a record that contradicts itself is an input error."""
    decoded = types.SimpleNamespace(msg="registration_reject", fields={"cause": 3})
    _fake_codec(monkeypatch, decoded)
    path = write(
        tmp_path / "t.jsonl",
        header(),
        {"t": 0, "kind": "ue", "op": "power_on"},
        {"t": 1, "kind": "dl", "msg": "registration_reject", "cause": 7, "pdu": "7e004403"},
    )
    with pytest.raises(TraceFormatError) as caught:
        load(path)
    assert (caught.value.line, caught.value.field) == (3, "cause")


def test_protected_pdu_only_record_is_ciphered(tmp_path, monkeypatch):
    _fake_codec(monkeypatch, types.SimpleNamespace(msg=None, fields={}))
    path = write(
        tmp_path / "t.jsonl",
        header(),
        {"t": 0, "kind": "ue", "op": "power_on"},
        {"t": 1, "kind": "dl", "pdu": "7e02aabbccdd01"},
    )
    _, (_, rec) = load(path)
    assert rec.message.msg == "ciphered" and rec.pdu == bytes.fromhex("7e02aabbccdd01")


def _status_trace(path: Path, records: int) -> Path:
    line = b'{"t": %d, "kind": "dl", "msg": "status", "cause": 98}\n'
    with open(path, "wb") as f:
        f.write(json.dumps(header()).encode() + b"\n")
        f.write(b'{"t": 0, "kind": "ue", "op": "power_on"}\n')
        f.writelines(line % i for i in range(records))
    return path


def test_loader_streams_200k_records_without_accumulating_them(tmp_path):
    """README.md "How it is built" (streaming): the loader never holds the whole file. Reading 200k
    records adds no live objects after the first thousand (a list of them would add 200k+)."""
    path = _status_trace(tmp_path / "long.jsonl", 200_000)
    gc.collect()
    count, before, last_line = 0, 0, 0
    with open_trace(path) as trace:
        for record in trace:
            count += 1
            last_line = record.line
            if count == 1_000:
                before = len(gc.get_objects())
        after = len(gc.get_objects())
    assert count == 200_001 and last_line == 200_002
    assert after - before < 1_000, f"{after - before} objects accumulated while reading"


def test_loader_peak_memory_stays_far_below_the_file_size(tmp_path):
    """The same, by bytes: tracemalloc's peak while reading 20k records stays a small
    fraction of what holding them would take (several MB)."""
    path = _status_trace(tmp_path / "medium.jsonl", 20_000)
    tracemalloc.start()
    try:
        with open_trace(path) as trace:
            count = sum(1 for _ in trace)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_001
    assert peak < 500_000, f"peak {peak} bytes while reading a {path.stat().st_size}-byte trace"


def test_pdu_from_the_real_codec_fills_and_checks_fields(tmp_path):
    """With ue_stack.nas.codec present: a pdu-only record is decoded, and an explicit
    field contradicting its pdu is refused (docs/trace-format.md)."""
    codec = pytest.importorskip("ue_stack.nas.codec")
    from ue_stack.nas.messages import nas

    pdu = codec.encode_pdu(
        nas("authentication_request", ngksi=2, abba=b"\x00\x00",
            rand=bytes.fromhex(RAND), autn=bytes.fromhex(AUTN))
    ).hex()
    on = {"t": 0, "kind": "ue", "op": "power_on"}
    only_pdu = {"t": 1, "kind": "dl", "pdu": pdu}
    _, (_, rec) = load(write(tmp_path / "a.jsonl", header(), on, only_pdu))
    assert rec.message.msg == "authentication_request"
    assert rec.message["ngksi"] == 2 and rec.message["autn"] == bytes.fromhex(AUTN)
    bad = {"t": 1, "kind": "dl", "msg": "authentication_request", "ngksi": 3, "pdu": pdu}
    with pytest.raises(TraceFormatError) as caught:
        load(write(tmp_path / "b.jsonl", header(), on, bad))
    assert (caught.value.line, caught.value.field) == (3, "ngksi")


def test_network_deregistration_carries_cause_and_re_registration_required(tmp_path):
    """docs/trace-format.md: a dl deregistration_request carries `cause` and
    `re_registration_required` into the message the UE acts on (TS 24.501 8.2.14), from
    explicit fields and from a pdu alike; a wrong type is refused with its field."""
    from ue_stack.nas import codec
    from ue_stack.nas.messages import nas

    on = {"t": 0, "kind": "ue", "op": "power_on"}
    explicit = {"t": 1, "kind": "dl", "msg": "deregistration_request",
                "re_registration_required": False, "cause": 7}
    pdu = codec.encode_pdu(nas("deregistration_request", re_registration_required=False,
                               cause=7)).hex()
    for name, record in (("a", explicit), ("b", {"t": 1, "kind": "dl", "pdu": pdu})):
        _, (_, rec) = load(write(tmp_path / f"{name}.jsonl", header(), on, record))
        assert rec.message["cause"] == 7
        assert rec.message["re_registration_required"] is False
    bad = {**explicit, "re_registration_required": "no"}
    with pytest.raises(TraceFormatError) as caught:
        load(write(tmp_path / "c.jsonl", header(), on, bad))
    assert (caught.value.line, caught.value.field) == (3, "re_registration_required")


# -- EAP-AKA' fields (docs/trace-format.md "EAP-AKA' fields") --------------------------------------

EAP_SUCCESS = "03070004"  # EAP-Success, identifier 7 (RFC 3748 4.2)
EAP_CHALLENGE_RESPONSE = (  # EAP-Response/AKA'-Challenge, id 1: AT_RES (64 bits), AT_MAC
    "02010028" "32010000" "030300400102030405060708" "0b050000" + "00" * 16
)


def test_eap_hex_fills_the_decoded_fields_and_the_v1_shorthand_is_eap_code(tmp_path):
    """Decoded fields are filled from the ``eap`` hex; ``eap: "success"`` (v1) reads as
    ``eap_code``."""
    _, records = load(write(
        tmp_path / "t.jsonl", header(),
        {"t": 0, "kind": "ue", "op": "power_on"},
        {"t": 1, "kind": "dl", "msg": "authentication_result", "ngksi": 0, "eap": EAP_SUCCESS},
        {"t": 2, "kind": "dl", "msg": "authentication_result", "ngksi": 0, "eap": "success"},
        {"t": 3, "kind": "ul", "msg": "authentication_response", "eap": EAP_CHALLENGE_RESPONSE,
         "at_res": "0102030405060708"},
    ))
    first, shorthand, response = (r.message.fields for r in records[1:])
    assert (first["eap_code"], first["eap_id"]) == ("success", 7)
    assert shorthand == {"ngksi": 0, "eap_code": "success"}
    assert response["eap_subtype"] == "challenge" and response["at_mac"] == bytes(16)


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"msg": "authentication_result", "ngksi": 0, "eap": EAP_SUCCESS,
          "eap_code": "failure"}, "eap_code"),
        ({"msg": "authentication_result", "ngksi": 0, "eap": "0307"}, "eap"),
        ({"msg": "authentication_result", "ngksi": 0, "eap": "success",
          "eap_code": "failure"}, "eap_code"),
        ({"msg": "authentication_request", "ngksi": 0, "abba": "0000"}, "rand"),
        ({"msg": "authentication_result", "ngksi": 0}, "eap_code"),
    ],
)
def test_eap_fields_that_disagree_or_are_missing_name_the_field(tmp_path, record, field):
    """Decoded fields must agree with the ``eap`` hex; a dl AUTHENTICATION REQUEST needs
    RAND/AUTN or an EAP message; AUTHENTICATION RESULT needs its EAP code."""
    path = write(tmp_path / "t.jsonl", header(), {"t": 0, "kind": "ue", "op": "power_on"},
                 {"t": 1, "kind": "dl", **record})
    with pytest.raises(TraceFormatError) as err:
        load(path)
    assert err.value.field == field and err.value.line == 3

"""128-NEA2 deciphering and NAS COUNT handling (TS 33.501 6.4, D.2; TS 24.501 4.4.3).

The three real captures all use NEA0, so this builds a NEA2 variant of the gnbsim/free5GC
recording: same AKA, the SMC selects 128-NEA2/128-NIA2, and every later message is
ciphered and MACed again with the keys of that chain (tests/data/vectors).
"""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest

from ue_stack.capture.importer import Importer, ImportOptions
from ue_stack.capture.ngap import _ngap_pdu
from ue_stack.capture.security import NasCount
from ue_stack.crypto import aka
from ue_stack.crypto.nas_security import nea2, nia2
from ue_stack.nas.codec import protected_pdu

K = bytes.fromhex("8baf473f2f8fd09487cccbd7097c6862")
OPC = bytes.fromhex("8e27b6af0e692e750f32667a3b14605d")
KAMF = bytes.fromhex("79d732bed7bbf1e729e9807e417b09967bae88f6870b53d5e6367f06c8e1e5a8")


def _protect(sht: int, count: int, direction: int, inner: bytes, cipher: bool) -> bytes:
    k_int, k_enc = aka.k_nas_int(KAMF, 2), aka.k_nas_enc(KAMF, 2)
    body = nea2(k_enc, count, 1, direction, inner) if cipher else inner
    mac = nia2(k_int, count, 1, direction, bytes((count & 0xFF,)) + body)
    return protected_pdu(sht, mac, count & 0xFF, body)


def _with_nas(ngap_hex: str, nas_pdu: bytes) -> str:
    pdu = _ngap_pdu()
    pdu.from_aper(bytes.fromhex(ngap_hex))
    value = copy.deepcopy(pdu.get_val())
    for ie in value[1]["value"][1]["protocolIEs"]:
        if ie["id"] == 38:
            ie["value"] = ("NAS-PDU", nas_pdu)
    pdu.set_val(value)
    return pdu.to_aper().hex()


@pytest.fixture(scope="module")
def nea2_capture(captures: Path, tmp_path_factory) -> Path:
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    msgs = doc["messages"]
    inner = {m["frame"]: bytes.fromhex(m["nas_pdu_hex"])[7:] for m in msgs[3:]}
    smc = bytearray(inner[3])
    smc[3] = 0x22  # selected algorithms: 128-NEA2, 128-NIA2
    new = {
        3: _protect(3, 0, 1, bytes(smc), cipher=False),
        4: _protect(4, 0, 0, inner[4], cipher=True),
        5: _protect(2, 1, 1, inner[5], cipher=True),
        6: _protect(2, 1, 0, inner[6], cipher=True),
    }
    for m in msgs:
        if m["frame"] in new:
            m["ngap_hex"] = _with_nas(m["ngap_hex"], new[m["frame"]])
    path = tmp_path_factory.mktemp("nea2") / "gnbsim-nea2.json"
    path.write_bytes(orjson.dumps(doc))
    return path


def test_nea2_messages_are_deciphered_and_verified_with_the_derived_keys(nea2_capture):
    result = Importer(ImportOptions(k=K, opc=OPC)).run(nea2_capture)
    c = result.counts
    assert (c["deciphered"], c["undecipherable"], c["nia_verified"], c["nia_failed"]) == (
        3,
        0,
        4,
        0,
    )
    recs = [r for kind, r in result.traces[0].lines if kind == "record"]
    accept = next(r for r in recs if r.get("msg") == "registration_accept")
    assert accept["guti"] == "02f839cafe0000000001"
    assert [r["msg"] for r in recs if r["kind"] == "ul"][-2:] == [
        "security_mode_complete",
        "registration_complete",
    ]


def test_without_keys_nea2_messages_stay_ciphered_with_a_note(nea2_capture):
    """Messages that cannot be deciphered keep their outer header and a note."""
    result = Importer(ImportOptions()).run(nea2_capture)
    assert result.counts["undecipherable"] == 3 and result.counts["deciphered"] == 0
    ciphered = [
        r for kind, r in result.traces[0].lines if kind == "record" and r.get("msg") == "ciphered"
    ]
    assert len(ciphered) == 3
    assert all("128-NEA2" in r["note"] and r["pdu"][:4] in ("7e02", "7e04") for r in ciphered)


def test_nas_count_overflow_grows_when_the_sequence_number_wraps():
    """TS 24.501 4.4.3.1: NAS COUNT = overflow (16 bits) || sequence number (8 bits)."""
    count = NasCount()
    count.commit(255)
    assert count.candidates(0)[0] == 256
    count.commit(256)
    assert count.candidates(1)[0] == 257 and count.candidates(0)[0] == 256


def test_nia1_macs_are_counted_as_unsupported_not_failed(captures, tmp_path):
    """128-NIA1 (SNOW 3G) has no implementation here: counted, never a failure."""
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    for m in doc["messages"]:
        if m["frame"] == 3:
            pdu = bytearray(bytes.fromhex(m["nas_pdu_hex"]))
            pdu[10] = 0x01  # selected algorithms: NEA0, 128-NIA1 (the MAC no longer fits)
            m["ngap_hex"] = _with_nas(m["ngap_hex"], bytes(pdu))
    path = tmp_path / "gnbsim-nia1.json"
    path.write_bytes(orjson.dumps(doc))
    result = Importer(ImportOptions(k=K, opc=OPC)).run(path)
    c = result.counts
    assert (c["nia_unsupported"], c["nia_failed"], c["nia_verified"]) == (4, 0, 0)
    assert c["decoded"] == c["nas_pdus"] == 7

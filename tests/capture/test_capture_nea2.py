"""128-NEA2 deciphering and NAS COUNT handling (TS 33.501 6.4, D.2; TS 24.501 4.4.3).

The three real captures all use NEA0, so this builds a NEA2 variant of the gnbsim/free5GC
recording: same AKA, the SMC selects 128-NEA2/128-NIA2, and every later message is
ciphered and MACed again with the keys of that chain (tests/data/vectors).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.capture.importer import Importer, ImportOptions
from ue_stack.capture.security import NasCount

from .pcapgen import reprotected_gnbsim, with_nas_pdu

K = bytes.fromhex("8baf473f2f8fd09487cccbd7097c6862")
OPC = bytes.fromhex("8e27b6af0e692e750f32667a3b14605d")
KAMF = bytes.fromhex("79d732bed7bbf1e729e9807e417b09967bae88f6870b53d5e6367f06c8e1e5a8")


@pytest.fixture(scope="module")
def nea2_capture(captures: Path, tmp_path_factory) -> Path:
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    path = tmp_path_factory.mktemp("nea2") / "gnbsim-nea2.json"
    path.write_bytes(orjson.dumps(reprotected_gnbsim(doc, KAMF, nea=2, nia=2)))
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
    recs = list(result.traces[0].records)
    accept = next(r for r in recs if r.get("msg") == "registration_accept")
    assert accept["guti"] == "02f839cafe0000000001"
    assert [r["msg"] for r in recs if r["kind"] == "ul"][-2:] == [
        "security_mode_complete",
        "registration_complete",
    ]


@pytest.mark.parametrize(("nea", "nia"), [(2, 1), (2, 3), (1, 2)])
def test_each_key_is_derived_with_its_own_algorithm_id_when_nea_and_nia_differ(
        captures, tmp_path, nea, nia):
    """TS 33.501 A.8: K_NASenc takes the NEA identifier, K_NASint the NIA one; with
    NEA = NIA a key derived with the other id would go unnoticed."""
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    path = tmp_path / f"gnbsim-nea{nea}-nia{nia}.json"
    path.write_bytes(orjson.dumps(reprotected_gnbsim(doc, KAMF, nea=nea, nia=nia)))
    result = Importer(ImportOptions(k=K, opc=OPC)).run(path)
    c = result.counts
    assert (c["deciphered"], c["undecipherable"], c["nia_verified"], c["nia_failed"]) == (
        3, 0, 4, 0)
    recs = list(result.traces[0].records)
    accept = next(r for r in recs if r.get("msg") == "registration_accept")
    assert accept["guti"] == "02f839cafe0000000001"  # deciphered with the right key
    assert [r["msg"] for r in recs if r["kind"] == "ul"][-2:] == [
        "security_mode_complete", "registration_complete"]


def test_without_keys_nea2_messages_stay_ciphered_with_a_note(nea2_capture):
    """Messages that cannot be deciphered keep their outer header and a note."""
    result = Importer(ImportOptions()).run(nea2_capture)
    assert result.counts["undecipherable"] == 3 and result.counts["deciphered"] == 0
    ciphered = [
        r for r in result.traces[0].records if r.get("msg") == "ciphered"
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


def test_an_integrity_identifier_that_names_no_algorithm_is_counted_as_unsupported(
    captures, tmp_path
):
    """TS 24.501 9.11.3.34: integrity identifiers 4-7 name no algorithm; such MACs are
    counted as unsupported, never as failures (NIA1..3 all verify: test_capture_snow3g_zuc)."""
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    for m in doc["messages"]:
        if m["frame"] == 3:
            pdu = bytearray(bytes.fromhex(m["nas_pdu_hex"]))
            pdu[10] = 0x05  # selected algorithms: NEA0, integrity identifier 5
            m["ngap_hex"] = with_nas_pdu(m["ngap_hex"], bytes(pdu))
    path = tmp_path / "gnbsim-nia5.json"
    path.write_bytes(orjson.dumps(doc))
    result = Importer(ImportOptions(k=K, opc=OPC)).run(path)
    c = result.counts
    assert (c["nia_unsupported"], c["nia_failed"], c["nia_verified"]) == (4, 0, 0)
    assert c["decoded"] == c["nas_pdus"] == 7

"""Captures protected with 128-NIA1/NEA1 (SNOW 3G) and 128-NIA3/NEA3 (ZUC), end to end:
`ue-stack import --expect` verifies every MAC and deciphers every ciphered message, then
`ue-stack replay --check-expect` passes (TS 33.501 6.4, D.2/D.3; issue 13).

The capture is the real gnbsim/free5GC recording of tests/data/captures with its SMC
selecting the algorithms under test and the SMC and every later message protected again
with the keys of the recorded 5G AKA (``pcapgen.reprotected_gnbsim``).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.capture.importer import Importer, ImportOptions
from ue_stack.cli import main

from .pcapgen import reprotected_gnbsim, with_nas_pdu

K = "8baf473f2f8fd09487cccbd7097c6862"
OPC = "8e27b6af0e692e750f32667a3b14605d"
KAMF = bytes.fromhex("79d732bed7bbf1e729e9807e417b09967bae88f6870b53d5e6367f06c8e1e5a8")
ALGORITHMS = {"NEA1/NIA1": (1, 1), "NEA3/NIA3": (3, 3), "NEA1/NIA3": (1, 3)}


@pytest.fixture(scope="module", params=sorted(ALGORITHMS))
def imported(request, captures: Path, tmp_path_factory) -> tuple[str, Path, dict, Path]:
    """The re-protected capture imported with keys and --expect (exit 0)."""
    nea, nia = ALGORITHMS[request.param]
    folder = tmp_path_factory.mktemp(f"nea{nea}-nia{nia}")
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    capture = folder / f"gnbsim-nea{nea}-nia{nia}.json"
    capture.write_bytes(orjson.dumps(reprotected_gnbsim(doc, KAMF, nea=nea, nia=nia)))
    report = folder / "import-report.json"
    argv = ["import", str(capture), "-o", str(folder / "out"), "--k", K, "--opc", OPC]
    assert main([*argv, "--expect", "--report", str(report)]) == 0
    return request.param, capture, orjson.loads(report.read_bytes()), folder


def test_import_verifies_every_mac_and_deciphers_every_ciphered_message(imported):
    """The SMC and 3 later messages carry MACs; 3 are ciphered (SMC complete, registration
    accept, registration complete). Nothing is unsupported, failed or left ciphered."""
    _, _, report, _ = imported
    counts = {k: report[k] for k in ("nia_verified", "nia_failed", "nia_unsupported")}
    assert counts == {"nia_verified": 4, "nia_failed": 0, "nia_unsupported": 0}
    assert (report["deciphered"], report["undecipherable"]) == (3, 0)
    assert report["decoded"] == report["nas_pdus"]


def test_deciphered_messages_read_as_the_recording_says(imported):
    """The deciphered registration accept carries the recorded 5G-GUTI, and the uplinks
    are the SMC complete and registration complete — no `ciphered` record is left."""
    _, _, report, _ = imported
    (trace,) = report["traces"]
    records = [orjson.loads(line) for line in Path(trace).read_bytes().splitlines()
               if line and not line.startswith(b"//")][1:]  # fmt: skip
    assert not [r for r in records if r.get("msg") == "ciphered"]
    accept = next(r for r in records if r.get("msg") == "registration_accept")
    assert accept["guti"] == "02f839cafe0000000001"
    assert [r["msg"] for r in records if r.get("kind") == "ul"][-2:] == [
        "security_mode_complete",
        "registration_complete",
    ]


def test_replay_of_the_imported_trace_meets_its_expectation(imported):
    """`ue-stack replay --check-expect` exits 0: no false NAS-3 on NIA1/NIA3 captures."""
    _, _, report, folder = imported
    (trace,) = report["traces"]
    replay_report = folder / "replay-report.json"
    status = main(["replay", trace, "--check-expect", "--report", str(replay_report)])
    assert status == 0
    assert orjson.loads(replay_report.read_bytes())["verdict"] == "pass"


def test_a_changed_mac_fails_verification_and_the_others_still_verify(imported, tmp_path):
    """One altered MAC (the registration accept's) is counted as failed: NIA1/NIA3
    verification can say no."""
    _, capture, _, _ = imported
    doc = orjson.loads(capture.read_bytes())
    for m in doc["messages"]:
        if m["frame"] == 5:
            pdu = bytearray(bytes.fromhex(m["nas_pdu_hex"]))
            pdu[2] ^= 0x01  # first MAC octet
            m["ngap_hex"] = with_nas_pdu(m["ngap_hex"], bytes(pdu))
    path = tmp_path / "tampered.json"
    path.write_bytes(orjson.dumps(doc))
    c = Importer(ImportOptions(k=bytes.fromhex(K), opc=bytes.fromhex(OPC))).run(path).counts
    assert (c["nia_verified"], c["nia_failed"], c["nia_unsupported"]) == (3, 1, 0)

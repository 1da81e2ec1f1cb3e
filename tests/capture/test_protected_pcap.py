"""`simulate --pcap` shows what crosses N1 with NAS security as the UE and the twin apply it
(TS 24.501 4.4, 9.3.1; TS 33.501 6.4): security header types 3 then 1/2/4 after the
SECURITY MODE COMMAND, real 128-NIA MACs over the real NAS COUNTs — and `import` with the
subscriber's keys verifies every one of them (a round trip)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from ue_stack.capture.ngap import decode_ngap
from ue_stack.capture.sources import open_capture
from ue_stack.cli import main

K, OPC = "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf"  # 35.208 set 1
# simulated UEs conceal their SUPI (profile A, the Annex C.4 key of this file)
HN_KEYS = Path(__file__).resolve().parents[1] / "data" / "captures" / "hn-keys.csv"


def _simulate(tmp_path: Path, scenario: str | Path, name: str = "run") -> tuple[Path, list[dict]]:
    pcap, log = tmp_path / f"{name}.pcap", tmp_path / f"{name}.jsonl"
    assert main(["simulate", str(scenario), "--pcap", str(pcap), "--log", str(log)]) in (0, 1)
    lines = [orjson.loads(x) for x in log.read_bytes().splitlines()]
    return pcap, [r for r in lines if r["event"] == "n1"]


def _headers(pcap: Path) -> list[tuple[str, int]]:
    """(direction, security header type) of every NAS PDU in the capture, in order."""
    out = []
    for message in open_capture(pcap).messages:
        facts = decode_ngap(message.payload)
        out.extend((str(facts.direction), pdu[1] & 0x0F) for pdu in facts.nas_pdus)
    return out


def test_simulated_capture_is_plain_until_the_smc_then_protected(tmp_path):
    pcap, sent = _simulate(tmp_path, "happy-path")
    headers = _headers(pcap)
    smc = headers.index(("dl", 3))
    assert all(sht == 0 for _, sht in headers[:smc])  # registration, 5G AKA: no context yet
    assert headers[smc + 1] == ("ul", 4)  # SECURITY MODE COMPLETE: ciphered, new context
    assert headers[smc + 2:] and all(sht in (1, 2) for _, sht in headers[smc + 2:])
    # the log says the same, with the COUNTs: each direction counts up from 0
    dl = [r["count"] for r in sent if "count" in r and r["dir"] == "dl"]
    ul = [r["count"] for r in sent if "count" in r and r["dir"] == "ul"]
    assert dl == list(range(len(dl))) and ul == list(range(len(ul)))


@pytest.mark.parametrize("scenario", ["reauth-between-af-sessions", "eap-aka-prime-happy-path"])
def test_import_with_the_subscribers_keys_verifies_every_mac(tmp_path, scenario):
    """The round trip: every protected frame the simulation wrote verifies with the keys
    the importer derives from K/OPc alone, and the imported trace replays to pass with
    every NAS record carrying sht/mac/count."""
    pcap, sent = _simulate(tmp_path, scenario)
    protected = sum(1 for r in sent if r.get("sht", 0) != 0)
    assert protected >= 3
    out, report = tmp_path / "imported", tmp_path / "import.json"
    assert main(["import", str(pcap), "-o", str(out), "--k", K, "--opc", OPC, "--expect",
                 "--hn-key", str(HN_KEYS),
                 "--report", str(report)]) == 0
    counts = orjson.loads(report.read_bytes())
    assert counts["nia_failed"] == 0 and counts["nia_verified"] == protected
    (trace,) = sorted(out.glob("*.jsonl"))
    records = [orjson.loads(x) for x in trace.read_bytes().splitlines()
               if x and not x.startswith(b"//")][1:]
    nas = [r for r in records if r["kind"] in ("dl", "ul")]
    assert nas and all("sht" in r for r in nas)
    assert all(r["mac"] == "verified" and "count" in r for r in nas if r["sht"])
    result = tmp_path / "replay.json"
    assert main(["replay", str(trace), "--report", str(result)]) == 0
    replayed = orjson.loads(result.read_bytes())
    assert replayed["invariants"]["NAS-4"]["checked"] == sum(
        1 for r in nas if r["kind"] == "dl")
    assert replayed["invariants"]["NAS-4"]["violations"] == 0


def test_the_twin_discards_an_uplink_whose_mac_fails(tmp_path):
    """The twin's AMF checks the UE's MAC (TS 24.501 4.4.4.3): the UE's SECURITY MODE
    COMPLETE, protected with a context the AMF does not hold, is not taken."""
    from ue_stack.crypto.nas_security import UPLINK
    from ue_stack.nas.context import NasSecurityContext
    from ue_stack.nas.messages import nas
    from ue_stack.nas.protection import protect
    from ue_stack.network.amf import Amf, AmfConfig

    class _NoAusf:  # the check comes before any handler
        pass

    amf = Amf("001010000000001", _NoAusf(), "5G:mnc001.mcc001.3gppnetwork.org",  # type: ignore[arg-type]
              AmfConfig(protect_n1=True))
    amf._smc_ctx = NasSecurityContext(0, bytes(32), nea=0, nia=2)
    forged = protect(nas("security_mode_complete"),
                     NasSecurityContext(0, bytes(range(32)), nea=0, nia=2), 4, 0, UPLINK)
    amf.handle_n1(forged, 0.0)
    (note,) = amf.outbox.drain()
    assert note.text == "uplink discarded: integrity check failed"
    good = protect(nas("security_mode_complete"), NasSecurityContext(0, bytes(32), nea=0, nia=2),
                   4, 0, UPLINK)
    assert not amf._integrity_failed(good)


NEA0_SCENARIO = """
name = "nea0-pcap"
description = "happy path with 5G-EA0: protected but readable"
[ue]
supi = "001010000000001"
k = "465b5ce8b199b49faa5f0a2ee238a6bc"
opc = "cd63cb71954a9f4e48a5994e37a02baf"
[network]
nea = 0
[[step]]
t = 0.0
kind = "ue"
op = "power_on"
[[step]]
t = 0.1
kind = "ue"
op = "register"
"""


@pytest.mark.tools
def test_tshark_dissects_the_protected_frames_without_a_malformed_one(tmp_path):
    """Wireshark reads the NEA0 capture: security header types 0 before the SMC, 3 for the
    SMC, 4 for its COMPLETE and 2 after, and no frame is malformed."""
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (apt-get install tshark)"
    scenario = tmp_path / "nea0.toml"
    scenario.write_text(NEA0_SCENARIO)
    pcap, _ = _simulate(tmp_path, scenario)
    fields = subprocess.run(
        [tshark, "-r", str(pcap), "-Y", "nas-5gs", "-T", "fields",
         "-e", "nas_5gs.security_header_type"],
        capture_output=True, text=True, check=True).stdout.split()
    types = [int(x.split(",")[0]) for x in fields]
    first_smc = types.index(3)
    assert set(types[:first_smc]) == {0} and 4 in types[first_smc:]
    assert set(types[first_smc + 1:]) <= {1, 2, 4}
    malformed = subprocess.run([tshark, "-r", str(pcap), "-Y", "_ws.malformed"],
                               capture_output=True, text=True, check=True).stdout
    assert malformed.strip() == ""

"""EAP-AKA' on the wire: a simulated EAP-AKA' run written with ``--pcap`` carries the EAP
message IE (TS 24.501 9.11.2.2) in AUTHENTICATION REQUEST/RESPONSE and SECURITY MODE
COMMAND; the importer reads the same EAP packets back, and Wireshark dissects them as
EAP-AKA' (RFC 9048)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from ue_stack.capture.importer import Importer, ImportOptions
from ue_stack.cli import main


def _eap_lines(records: list[dict], kind_key: str) -> list[tuple[str, str, str | None]]:
    return [(r[kind_key], r["msg"], r.get("eap")) for r in records
            if r.get(kind_key) in ("dl", "ul")]


def _simulated(tmp_path: Path) -> tuple[Path, list[dict]]:
    pcap, log = tmp_path / "eap.pcap", tmp_path / "eap.jsonl"
    assert main(["simulate", "eap-aka-prime-synch-failure", "--pcap", str(pcap),
                 "--log", str(log)]) == 0
    lines = [orjson.loads(x) for x in log.read_bytes().splitlines()]
    return pcap, [r for r in lines if r["event"] == "n1"]


def test_imported_eap_capture_carries_the_same_eap_packets(tmp_path: Path) -> None:
    """Every EAP packet the simulation sent comes back from the capture unchanged, with
    its decoded fields (sync failure: AT_AUTS)."""
    pcap, sent = _simulated(tmp_path)
    importer = Importer(ImportOptions())
    result = importer.run(pcap)
    out = tmp_path / "back"
    out.mkdir()
    importer.write(result, out, "back")
    (trace,) = sorted(out.glob("*.jsonl"))
    back = [orjson.loads(x) for x in trace.read_bytes().splitlines()
            if x and not x.startswith(b"//")][1:]
    assert _eap_lines(back, "kind") == _eap_lines(sent, "dir")
    auts = [r for r in back if r.get("eap_subtype") == "synchronization-failure"]
    assert len(auts) == 1 and len(auts[0]["at_auts"]) == 28


@pytest.mark.tools
def test_tshark_dissects_the_eap_aka_prime_packets(tmp_path: Path) -> None:
    """Wireshark reads the EAP message IE as EAP-AKA' (type 50) with the subtypes the log
    names: challenge, synchronization failure, challenge, then EAP-Success in the SMC."""
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (apt-get install tshark)"
    pcap, sent = _simulated(tmp_path)
    out = subprocess.run(
        [tshark, "-r", str(pcap), "-Y", "eap", "-T", "fields",
         "-e", "eap.code", "-e", "eap.type", "-e", "eap.aka.subtype"],
        capture_output=True, text=True, check=True).stdout
    rows = [tuple(line.split("\t")) for line in out.splitlines()]
    assert rows == [("1", "50", "1"), ("2", "50", "4"), ("1", "50", "1"), ("2", "50", "1"),
                    ("3", "", "")]
    assert len(rows) == sum(1 for r in sent if r.get("eap"))

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
from ue_stack.hnkeys import load_hn_keys

HN_KEYS = Path(__file__).resolve().parents[1] / "data" / "captures" / "hn-keys.csv"


def _eap_lines(records: list[dict], kind_key: str) -> list[tuple[str, str, str | None]]:
    return [(r[kind_key], r["msg"], r.get("eap")) for r in records
            if r.get(kind_key) in ("dl", "ul")]


K1, OPC1 = "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf"  # 35.208 set 1
# the simulated UE conceals its SUPI with profile A under the Annex C.4 key of this file
HN_KEYS = Path(__file__).resolve().parents[1] / "data" / "captures" / "hn-keys.csv"


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
    # The SMC's EAP-Success and what follows are ciphered (128-NEA2): the USIM's keys read them
    importer = Importer(ImportOptions(k=bytes.fromhex(K1), opc=bytes.fromhex(OPC1),
                                      hn_keys=load_hn_keys(HN_KEYS)))
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


def _import_eap(tmp_path: Path, scenario: str, *keys: str) -> Path:
    pcap = tmp_path / "run.pcap"
    assert main(["simulate", scenario, "--pcap", str(pcap)]) in (0, 1)
    out = tmp_path / "imported"
    # the simulated UE conceals its SUPI (profile A, Annex C.4 key): the home network key
    # names it
    assert main(["import", str(pcap), "-o", str(out), "--expect", "--akma-probe", "all",
                 "--hn-key", str(HN_KEYS), *keys]) == 0
    (trace,) = sorted(out.glob("*.jsonl"))
    return trace


def _replayed(tmp_path: Path, trace: Path) -> tuple[int, dict]:
    report = tmp_path / "report.json"
    status = main(["replay", str(trace), "--report", str(report)])
    return status, orjson.loads(report.read_bytes())


def test_eap_capture_with_credentials_replays_to_pass_with_akma_probes(tmp_path: Path) -> None:
    """An EAP-AKA' capture imported with K/OPc replays with every uplink compared (AT_RES,
    AT_MAC) and AKMA probes in W1 and after each SMC keeping keys in step."""
    trace = _import_eap(tmp_path, "eap-aka-prime-reauth-between-af-sessions",
                        "--k", "465b5ce8b199b49faa5f0a2ee238a6bc",
                        "--opc", "cd63cb71954a9f4e48a5994e37a02baf", "--embed-keys")
    status, report = _replayed(tmp_path, trace)
    assert (status, report["verdict"], report["not_checked"]) == (0, "pass", [])
    assert report["invariants"]["AKMA-4"]["checked"] >= 2


@pytest.mark.parametrize("scenario", ["eap-aka-prime-reauth-between-af-sessions",
                                      "eap-aka-prime-synch-failure"])
def test_eap_capture_without_credentials_replays_with_stand_ins(tmp_path: Path, scenario):
    """docs/trace-format.md (a trace without K/OPc): the stand-in USIM takes the AUTN outcome from
    the recorded EAP answer, the request's AT_MAC cannot be verified and the packet's
    AT_RES/AT_MAC are not compared (listed under not_checked); the rest passes."""
    trace = _import_eap(tmp_path, scenario)
    status, report = _replayed(tmp_path, trace)
    # Besides the stand-ins, only what 128-NEA2 hides without keys: the ciphered uplinks
    reasons = [n["reason"] for n in report["not_checked"] if n["invariant"] == "NAS-3"]
    assert len(reasons) == len(report["not_checked"])
    assert [r for r in reasons if not r.startswith("ciphered uplink")] == [
        r for r in reasons if "stand-ins" in r]
    assert any("stand-ins" in r for r in reasons)
    assert (status, report["verdict"]) == (0, "pass"), report["violations"]
    assert report["invariants"]["NAS-3"]["checked"] > 0

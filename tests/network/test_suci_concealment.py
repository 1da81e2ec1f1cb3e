"""A UE that conceals its SUPI (docs/keys.md; TS 33.501 6.12.2, TS 24.501 5.4.3.2 and
5.5.1.2.2): the model sends a profile A/B SUCI in REGISTRATION REQUEST and IDENTITY
RESPONSE, the twin's UDM (SIDF) de-conceals it, replay compares a concealed SUCI on all but
its scheme output, and a `--pcap` of it shows protection scheme 1 that `import --hn-key`
turns back into the SUPI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main
from ue_stack.crypto import suci
from ue_stack.hnkeys import supi_of
from ue_stack.nas.concealment import SuciConfig, make_suci, same_concealed_identity

DATA = Path(__file__).resolve().parents[1] / "data"
HN_KEYS = DATA / "captures" / "hn-keys.csv"
A_PRIV, A_PUB = suci.ANNEX_C4_KEYS["A"]
B_PRIV, B_PUB = suci.ANNEX_C4_KEYS["B"]
SUPI = "001010000000001"
KEYS = {(1, 1): bytes.fromhex(A_PRIV), (2, 1): bytes.fromhex(B_PRIV)}


def _n1(log: Path) -> list[dict]:
    return [r for r in map(orjson.loads, log.read_bytes().splitlines()) if r["event"] == "n1"]


def _simulate(tmp_path: Path, *argv: str) -> tuple[Path, Path]:
    log, pcap = tmp_path / "x.jsonl", tmp_path / "x.pcap"
    assert main(["simulate", *argv, "--log", str(log), "--pcap", str(pcap)]) == 0
    return log, pcap


def test_a_simulated_ue_conceals_with_profile_a_and_the_udm_deconceals(tmp_path):
    """Built-in scenarios conceal with profile A and the Annex C.4 key (key id 1)."""
    log, _ = _simulate(tmp_path, "happy-path")
    (reg,) = [r for r in _n1(log) if r["msg"] == "registration_request"]
    identity = bytes.fromhex(reg["identity"])
    assert identity[6:8] == b"\x01\x01"  # protection scheme 1, home network key id 1
    assert supi_of(identity, KEYS) == SUPI
    notes = [json.loads(x) for x in log.read_text().splitlines() if "SIDF" in x]
    assert [n["text"] for n in notes] == ["SUCI de-concealed by the UDM (SIDF)"]


def test_each_registration_conceals_afresh_and_a_seed_repeats_the_run(tmp_path):
    """A fresh ephemeral key per concealment (TS 33.501 C.3.2), derived from the run's seed:
    two registrations differ; the same seed gives the same SUCIs, another seed others."""
    def sucis(seed: str) -> list[str]:
        log, _ = _simulate(tmp_path, "reauth-between-af-sessions", "--ues", "2", "--seed", seed)
        return [r["identity"] for r in _n1(log) if r["msg"] == "registration_request"]

    first = sucis("5")
    assert len(first) == len(set(first)) == 2
    assert sucis("5") == first
    assert set(sucis("6")).isdisjoint(first)


def test_identity_response_resends_the_stored_suci_while_t3519_runs():
    """TS 24.501 5.4.3.2: while T3519 runs the stored SUCI is sent again, not a new one;
    after it expired, a fresh concealment (profile B here, key id 7)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from unit.nas_harness import Ue, uplink

    from ue_stack.nas.messages import nas

    ue = Ue(suci=SuciConfig(2, bytes.fromhex(B_PUB), 7))
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    (reg,) = uplink(ue.drain())
    (resp,) = uplink(ue.dl(nas("identity_request", identity_type=1)))
    assert resp.msg == "identity_response" and resp.get("identity") == reg.get("identity")
    keys = {(2, 7): bytes.fromhex(B_PRIV)}
    assert reg.get("identity")[6:8] == b"\x02\x07" and supi_of(reg.get("identity"), keys) == SUPI
    ue.nas.timers.stop("T3519")  # as a REGISTRATION ACCEPT stops it (5.5.1.2.4)
    (later,) = uplink(ue.dl(nas("identity_request", identity_type=1)))
    assert later.get("identity") != reg.get("identity")
    assert supi_of(later.get("identity"), keys) == SUPI


def test_a_scenario_may_ask_for_the_null_scheme(tmp_path):
    scenario = tmp_path / "null.toml"
    scenario.write_text(
        'name = "null-scheme"\ndescription = "d"\n[ue]\nsupi = "001010000000001"\n'
        'k = "000102030405060708090a0b0c0d0e0f"\nopc = "000102030405060708090a0b0c0d0e0f"\n'
        'suci_profile = "null"\n[[step]]\nt = 0.0\nkind = "ue"\nop = "power_on"\n'
        '[[step]]\nt = 0.1\nkind = "ue"\nop = "register"\n')
    log = tmp_path / "x.jsonl"
    main(["simulate", str(scenario), "--log", str(log)])
    (reg,) = [r for r in _n1(log) if r["msg"] == "registration_request"]
    assert "identity" not in reg


@pytest.mark.parametrize("profile", ["A", "B"])
def test_replay_matches_a_concealed_suci_on_all_but_its_scheme_output(profile):
    """The rule for `ul` records: the scheme output is new per concealment, so it is not
    compared; SUPI format, home PLMN, routing indicator, scheme and key id are."""
    scheme = suci.PROFILES[profile]
    public = bytes.fromhex(suci.ANNEX_C4_KEYS[profile][1])
    one = make_suci(SuciConfig(scheme, public, 1, b"x"), SUPI, 2, "0", 1)
    two = make_suci(SuciConfig(scheme, public, 1, b"y"), SUPI, 2, "0", 1)
    assert one != two and same_concealed_identity(one, two)
    other_key = make_suci(SuciConfig(scheme, public, 2, b"y"), SUPI, 2, "0", 1)
    other_rid = make_suci(SuciConfig(scheme, public, 1, b"y"), SUPI, 2, "12", 1)
    null = make_suci(None, SUPI, 2, "0", 1)
    for different in (other_key, other_rid, null, two[:-1]):
        assert not same_concealed_identity(one, different)


def _trace(tmp_path: Path, identity: str, **ue: object) -> Path:
    header = {"kind": "header", "format": "ue-stack/trace", "version": 1, "title": "t",
              "source": "hand", "serving_plmn": {"mcc": "001", "mnc": "01"},
              "ue": {"supi": SUPI, "k": "00" * 16, "opc": "00" * 16, **ue}}
    records = [header, {"t": 0, "kind": "ue", "op": "power_on"},
               {"t": 0, "kind": "ue", "op": "register"},
               {"t": 0, "kind": "ul", "msg": "registration_request",
                "registration_type": "initial", "ngksi": 7},
               {"t": 0.1, "kind": "dl", "msg": "identity_request", "identity_type": 1},
               {"t": 0.1, "kind": "ul", "msg": "identity_response", "identity": identity}]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_replayed_ue_with_a_home_network_key_conceals_and_meets_the_trace(tmp_path):
    recorded = make_suci(SuciConfig(1, bytes.fromhex(A_PUB), 1, b"phone"), SUPI, 2, "0", 1)
    trace = _trace(tmp_path, recorded.hex(), suci_profile="A", hn_public=A_PUB, hn_key_id=1)
    assert main(["replay", str(trace), "--check-expect"]) == 0
    plain = _trace(tmp_path, recorded.hex())  # the control: a null-scheme UE differs
    assert main(["replay", str(plain)]) == 1


@pytest.mark.parametrize(("ue", "field"), [
    ({"suci_profile": "C", "hn_public": A_PUB}, "ue.suci_profile"),
    ({"hn_public": A_PUB}, "ue.suci_profile"),
    ({"suci_profile": "A"}, "ue.hn_public"),
    ({"suci_profile": "B", "hn_public": A_PUB}, "ue.hn_public"),
    ({"suci_profile": "A", "hn_public": A_PUB, "hn_key_id": 256}, "ue.hn_key_id"),
])
def test_a_bad_concealment_in_a_trace_header_names_the_field(tmp_path, capsys, ue, field):
    trace = _trace(tmp_path, "00", **ue)
    assert main(["replay", str(trace)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and field in err and "Traceback" not in err


def test_a_profile_a_pcap_imports_with_hn_key_to_a_trace_naming_the_supi(tmp_path):
    """Done when (issue 27): replayed with --pcap, then imported with --hn-key."""
    recorded = make_suci(SuciConfig(1, bytes.fromhex(A_PUB), 1, b"phone"), SUPI, 2, "0", 1)
    trace = _trace(tmp_path, recorded.hex(), suci_profile="A", hn_public=A_PUB)
    pcap = tmp_path / "r.pcap"
    main(["replay", str(trace), "--pcap", str(pcap)])
    out = tmp_path / "imported"
    assert main(["import", str(pcap), "-o", str(out), "--hn-key", str(HN_KEYS)]) == 0
    (imported,) = sorted(out.glob("*.jsonl"))
    ue = orjson.loads(imported.read_bytes().splitlines()[0])["ue"]
    assert ue["supi"] == SUPI and "suci" not in ue
    assert (ue["suci_profile"], ue["hn_public"], ue["hn_key_id"]) == ("A", A_PUB, 1)


@pytest.mark.tools
def test_tshark_shows_protection_scheme_1_in_a_replayed_profile_a_ues_pcap(tmp_path):
    tshark = shutil.which("tshark")
    assert tshark, "tshark is not installed (apt-get install tshark)"
    recorded = make_suci(SuciConfig(1, bytes.fromhex(A_PUB), 1, b"phone"), SUPI, 2, "0", 1)
    trace = _trace(tmp_path, recorded.hex(), suci_profile="A", hn_public=A_PUB)
    pcap = tmp_path / "r.pcap"
    main(["replay", str(trace), "--pcap", str(pcap)])
    out = subprocess.run(
        [tshark, "-r", str(pcap), "-Y", "nas_5gs.mm.suci.scheme_id", "-T", "fields",
         "-e", "nas_5gs.mm.message_type", "-e", "nas_5gs.mm.suci.scheme_id",
         "-e", "nas_5gs.mm.suci.pki"], capture_output=True, text=True, check=True).stdout
    assert [line.split("\t") for line in out.splitlines()] == [
        ["0x41", "1", "1"], ["0x5c", "1", "1"]]

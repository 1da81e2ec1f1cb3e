"""``--hn-key FILE`` on import and replay (docs/keys.md): a lab phone conceals its SUPI with
ECIES profile A or B; with the home network's private key the SUCI is de-concealed (TS 33.501
6.12.2), so the trace names the SUPI and the UE gets its ``--keys`` row.

The capture is the gnbsim/free5GC recording with its null-scheme SUCI replaced by a real
profile A/B SUCI of the same SUPI under the TS 33.501 Annex C.4 home network keys
(``pcapgen.concealed_gnbsim``; frame 4's MAC computed again, so every MAC verifies)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from ue_stack.crypto import suci
from ue_stack.nas.usim import msin_bcd, suci_value

from .pcapgen import concealed_gnbsim
from .test_capture_gaps import _import, _replay

SUPI = "208930123456789"
KAMF = bytes.fromhex("79d732bed7bbf1e729e9807e417b09967bae88f6870b53d5e6367f06c8e1e5a8")
C4 = {v["profile"]: v for v in json.loads(
    (Path(__file__).resolve().parents[1] / "data/vectors/ts33501-annex-c4-suci.json").read_text()
)["sets"]}
HN_KEY_CSV = "key_id,profile,private\n" + "".join(
    f"{i},{p},{C4[p]['home_network_private_key']}\n" for i, p in ((5, "A"), (6, "B"))
)


def _suci(profile: str, key_id: int) -> bytes:
    scheme = suci.PROFILES[profile]
    out = suci.conceal(scheme, bytes.fromhex(C4[profile]["home_network_public_key"]),
                       msin_bcd(SUPI[5:]), suci.ephemeral_private(scheme, b"\x07" * 32))
    return suci_value(SUPI, 2, "1234", scheme, key_id, out.encode())


def _capture(captures: Path, tmp_path: Path, profile: str, key_id: int) -> Path:
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    path = tmp_path / f"gnbsim-profile-{profile}.json"
    path.write_bytes(orjson.dumps(concealed_gnbsim(doc, KAMF, _suci(profile, key_id))))
    return path


@pytest.fixture
def hn_key(tmp_path: Path) -> Path:
    path = tmp_path / "hn.csv"
    path.write_text(HN_KEY_CSV)
    return path


@pytest.mark.parametrize(("profile", "key_id"), [("A", 5), ("B", 6)])
def test_import_with_hn_key_names_the_supi_and_verifies_with_its_keys_row(
    captures, tmp_path, hn_key, profile, key_id
):
    """The SUCI de-conceals to 208930123456789, whose keys.csv row verifies all 4 MACs;
    the trace header names the SUPI and no note says the SUPI is concealed."""
    capture = _capture(captures, tmp_path, profile, key_id)
    keys = captures / "keys.csv"
    rc, report, trace = _import(capture, tmp_path / "out", "--hn-key", str(hn_key),
                                "--keys", str(keys))
    assert rc == 0 and report["ok"] is True
    header = orjson.loads(trace.read_bytes().splitlines()[0])
    assert header["ue"]["supi"] == SUPI and "suci" not in header["ue"]
    assert header["ue"]["home_plmn"] == {"mcc": "208", "mnc": "93"}
    assert (report["nia_verified"], report["nia_failed"]) == (4, 0)
    assert report["suci_ues"] == 0
    assert C4[profile]["home_network_private_key"] not in trace.read_text()
    rc, replayed = _replay(trace, tmp_path, "--keys", str(keys))
    assert (rc, replayed["verdict"]) == (0, "pass")


def test_without_hn_key_the_suci_stays_concealed_and_nothing_verifies(captures, tmp_path):
    """The control: without the key the UE is known by its SUCI only (stand-in rule)."""
    capture = _capture(captures, tmp_path, "A", 5)
    _, report, trace = _import(capture, tmp_path / "out", "--keys",
                                str(captures / "keys.csv"))
    header = orjson.loads(trace.read_bytes().splitlines()[0])
    assert "supi" not in header["ue"] and header["ue"]["suci"] == _suci("A", 5).hex()
    assert (report["nia_verified"], report["suci_ues"]) == (0, 1)


def test_a_key_id_not_listed_leaves_the_suci_concealed(captures, tmp_path, hn_key):
    capture = _capture(captures, tmp_path, "A", 9)
    _, report, trace = _import(capture, tmp_path / "out", "--hn-key", str(hn_key))
    assert orjson.loads(trace.read_bytes().splitlines()[0])["ue"]["suci"]
    assert report["suci_ues"] == 1


def test_replay_with_hn_key_deconceals_a_trace_header_suci(captures, tmp_path, hn_key):
    """A trace imported without the key names the SUCI; replay --hn-key --keys gives the UE
    its SUPI and K/OPc, so nothing is left to stand-ins: the log names the real SUPI. (Its
    verdict is not the point: imported without keys, the trace has no SQN state.)"""
    capture = _capture(captures, tmp_path, "B", 6)
    keys = str(captures / "keys.csv")
    _, _, trace = _import(capture, tmp_path / "out")
    log = tmp_path / "log.jsonl"
    _, stand_in = _replay(trace, tmp_path, "--keys", keys, "--log", str(log))
    assert "SUPI concealed" in " ".join(n["reason"] for n in stand_in["not_checked"])
    assert SUPI not in log.read_text()
    _, report = _replay(trace, tmp_path, "--keys", keys, "--hn-key", str(hn_key),
                        "--log", str(log))
    # nothing left to stand-ins (AKMA is unchecked only because nothing asked for a KAF)
    assert not [n for n in report["not_checked"] if not n["invariant"].startswith("AKMA")]
    ues = {orjson.loads(line).get("ue") for line in log.read_bytes().splitlines()}
    assert ues == {SUPI}


BAD_FILES = [
    ("key_id,profile,secret\n", 1, None),
    ("key_id,profile,private\n256,A,{a}\n", 2, "key_id"),
    ("key_id,profile,private\n1,C,{a}\n", 2, "profile"),
    ("key_id,profile,private\n1,A,{a}00\n", 2, "private"),
    ("key_id,profile,private\n1,B,{ff}\n", 2, "private"),
    ("key_id,profile,private\n1,A,{a}\n1,a,{a}\n", 3, "key_id"),
    ("key_id,profile,private\n1,A\n", 2, None),
]


@pytest.mark.parametrize(("text", "line", "field"), BAD_FILES)
@pytest.mark.parametrize("command", ["import", "replay"])
def test_a_bad_hn_key_file_exits_2_naming_line_and_field_never_the_key(
    captures, tmp_path, capsys, command, text, line, field
):
    a = C4["A"]["home_network_private_key"]
    path = tmp_path / "hn.csv"
    path.write_text(text.format(a=a, ff="ff" * 32))  # ff..ff is beyond secp256r1's order
    target = captures / "gnbsim-free5gc-ngap.json" if command == "import" else (
        Path(__file__).resolve().parents[2] / "traces" / "happy-path.jsonl")
    argv = [command, str(target), "--hn-key", str(path)]
    if command == "import":
        argv += ["-o", str(tmp_path / "out")]
    from ue_stack.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and f"{path}:{line}" in err
    assert field is None or f"'{field}'" in err
    assert a not in err and "ff" * 32 not in err


def test_a_revealed_ue_conceals_in_replay_as_the_phone_did(captures, tmp_path, hn_key):
    """replay --hn-key gives the UE the SUCI's profile and key (the public key derived from
    the private one), so it answers an IDENTITY REQUEST with a SUCI of the same scheme."""
    from ue_stack.hnkeys import load_hn_keys, reveal
    from ue_stack.trace.schema import UeConfig

    ue = reveal(UeConfig(supi="stand-in", suci=_suci("B", 6)), load_hn_keys(hn_key))
    assert (ue.supi, ue.suci, ue.suci_profile, ue.hn_key_id) == (SUPI, None, "B", 6)
    assert ue.hn_public.hex() == C4["B"]["home_network_public_key"]

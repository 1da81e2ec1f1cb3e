"""A real phone conceals its SUPI (issue 18; docs/trace-format.md header `ue.suci`): the capture
still yields one trace per UE session, naming the SUCI; replay uses a stand-in SUPI and
stand-in credentials and lists what depends on them under `not_checked`; the import
report counts these UEs with a note; `--akma-probe` exercises AKMA-1..4 on them.

`gnbsim-free5gc-suci-scheme1.json` is the gnbsim/free5GC recording with its null-scheme
SUCI replaced by a scheme-1 SUCI of the same length and structure (provenance in
tests/data/captures/README.md)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.capture.importer import Importer, ImportOptions

from .pcapgen import with_nas_pdu
from .test_capture_gaps import _import, _records, _replay
from .test_capture_grouping import _copy, _write

CRAFTED = "gnbsim-free5gc-suci-scheme1.json"
SUCI = "0102f839214301015a3c9e17d2"  # scheme 1, key id 1, scheme output 5a3c9e17d2


def test_concealed_suci_imports_to_a_trace_naming_the_suci(captures, tmp_path):
    rc, report, trace = _import(captures / CRAFTED, tmp_path)
    assert rc == 0 and report["ok"] is True and report["suci_ues"] == 1
    header = orjson.loads(trace.read_bytes().splitlines()[0])
    assert "supi" not in header["ue"] and header["ue"]["suci"] == SUCI
    assert header["ue"]["home_plmn"] == {"mcc": "208", "mnc": "93"}
    assert header["expect"] == {"verdict": "pass", "violations": []}
    notes = [p["problem"] for p in report["problems"] if p["severity"] == "note"]
    assert any("conceal their SUPI" in n and "credentials unknown" in n for n in notes)


def test_concealed_suci_replays_to_its_expectation_with_akma_checked(captures, tmp_path):
    """Stand-in SUPI and credentials: the AKMA invariants stay meaningful (AKMA-1..4
    checked with probes), and what depends on the stand-ins is under not_checked."""
    _, _, trace = _import(captures / CRAFTED, tmp_path, "--akma-probe", "all")
    rc, report = _replay(trace, tmp_path)
    assert (rc, report["verdict"], report["violations"]) == (0, "pass", [])
    for invariant in ("AKMA-1", "AKMA-2", "AKMA-3", "AKMA-4"):
        assert report["invariants"][invariant]["checked"] > 0, invariant
    reasons = " ".join(n["reason"] for n in report["not_checked"])
    assert "SUPI concealed" in reasons and "stand-in SUPI 20893" in reasons


def test_one_trace_per_session_when_each_registration_brings_a_fresh_suci(captures, tmp_path):
    """A phone computes a new SUCI for each registration (ECIES with a fresh ephemeral key,
    TS 33.501 6.12.2), and nothing links the sessions: one trace each, both replaying."""
    msgs = orjson.loads((captures / CRAFTED).read_bytes())["messages"]
    second = ("5a3c9e17d2", "77e0c1a4b9")
    path = _write(tmp_path, "two.json", _copy(msgs, 1, 1, 0) + _copy(msgs, 2, 2, 100, second))
    result = Importer(ImportOptions(expect=True)).run(path)
    sucis = [t.header["ue"]["suci"] for t in result.traces]
    assert sucis == [SUCI, SUCI.replace(*second)]
    paths = Importer(ImportOptions(expect=True)).write(result, tmp_path, "two")
    for trace in paths:
        rc, report = _replay(Path(trace), tmp_path)
        assert (rc, report["verdict"]) == (0, "pass")
        assert [r["frame"] for r in _records(Path(trace)) if "frame" in r]


def test_the_same_suci_sent_again_is_the_same_ue(captures, tmp_path):
    """A registration retry that repeats its SUCI (the first attempt got no answer) is the
    same UE: one trace, two sessions, replaying to its expectation."""
    msgs = orjson.loads((captures / CRAFTED).read_bytes())["messages"]
    path = _write(tmp_path, "retry.json", _copy(msgs[:1], 1, 1, 0) + _copy(msgs, 2, 2, 100))
    result = Importer(ImportOptions(expect=True)).run(path)
    assert len(result.traces) == 1
    (trace,) = [Path(p) for p in Importer(ImportOptions()).write(result, tmp_path, "retry")]
    ops = [r["op"] for r in _records(trace) if r["kind"] == "ue"]
    assert ops == ["power_on", "register", "power_off", "power_on", "register"]
    rc, report = _replay(trace, tmp_path)
    assert (rc, report["verdict"]) == (0, "pass")


def test_supi_names_a_concealed_ue(captures, tmp_path):
    """--supi stays available to name the UE behind a concealed SUCI (with its keys)."""
    _, _, trace = _import(captures / CRAFTED, tmp_path, "--supi", "208930123456789")
    header = orjson.loads(trace.read_bytes().splitlines()[0])
    assert header["ue"]["supi"] == "208930123456789" and "suci" not in header["ue"]


@pytest.mark.parametrize("failures", [1, 31])
def test_a_phone_answering_challenges_with_mac_failure_replays(captures, tmp_path, failures):
    """Issue 18: a real phone answered 31 consecutive challenges with #20 (TS 24.501
    5.4.1.3.7). Without its keys the stand-in USIM takes #20 from the recording, so the
    model reproduces every answer, then the accepted challenge, and AKMA still runs."""
    msgs = orjson.loads((captures / CRAFTED).read_bytes())["messages"]
    failure = with_nas_pdu(msgs[2]["ngap_hex"], bytes.fromhex("7e005914"))  # cause #20
    out = [msgs[0]]
    for i in range(failures):
        out += [{"frame": 100 + 2 * i, "ngap_hex": msgs[1]["ngap_hex"]},
                {"frame": 101 + 2 * i, "ngap_hex": failure}]
    out += [{"frame": 200 + m["frame"], "ngap_hex": m["ngap_hex"]} for m in msgs[1:]]
    path = _write(tmp_path, "mac-failures.json", [
        {"frame": m["frame"], "ngap_hex": m["ngap_hex"]} for m in out])
    _, report, trace = _import(path, tmp_path / "out", "--akma-probe", "all")
    assert report["ok"] is True and report["auth_failures"] == failures
    rc, replayed = _replay(trace, tmp_path)
    assert (rc, replayed["verdict"], replayed["violations"]) == (0, "pass", [])
    # REGISTRATION REQUEST, the #20 answers, RESPONSE, SMC COMPLETE, REGISTRATION COMPLETE
    assert replayed["invariants"]["NAS-3"]["checked"] == failures + 4
    assert replayed["invariants"]["AKMA-4"]["checked"] > 0

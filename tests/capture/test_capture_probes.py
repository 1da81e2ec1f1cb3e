"""AKMA probes on imported traffic (issue 13; docs/README.md ``--akma-probe``): a capture
with a re-authentication between probes — written by ``simulate --pcap`` from the
change request's scenario — imports with probes; a per-kaf model passes AKMA-1..4 and the
legacy-cache negative control is caught (TS 24.501 4.21: a new KAKMA after every
primary authentication)."""

from __future__ import annotations

from pathlib import Path

import orjson

from ue_stack.cli import main

from .test_capture_gaps import _import, _records, _replay


def test_legacy_cache_is_caught_where_a_reauthentication_follows_a_probe(tmp_path, capsys):
    capture = tmp_path / "reauth.pcap"
    assert main(["simulate", "reauth-between-af-sessions", "--pcap", str(capture)]) == 0
    # the simulated UE conceals its SUPI (hn-keys.csv de-conceals it) and ciphers with
    # 128-NEA2 (its K/OPc read the payloads)
    hn_keys = Path(__file__).resolve().parents[1] / "data" / "captures" / "hn-keys.csv"
    _, report, trace = _import(capture, tmp_path / "out", "--akma-probe", "all",
                               "--hn-key", str(hn_keys),
                               "--k", "465b5ce8b199b49faa5f0a2ee238a6bc",
                               "--opc", "cd63cb71954a9f4e48a5994e37a02baf")
    assert report["auth_requests"] == 2
    probes = [r for r in _records(trace) if r["kind"] == "app"]
    assert len(probes) == 4 and {p["app"] for p in probes} == {"probe"}
    rc, per_kaf = _replay(trace, tmp_path)
    assert (rc, per_kaf["verdict"]) == (0, "pass")
    for invariant in ("AKMA-1", "AKMA-2", "AKMA-3", "AKMA-4"):
        assert per_kaf["invariants"][invariant]["checked"] > 0, invariant
    report_path = tmp_path / "legacy.json"
    rc = main(["replay", str(trace), "--app-mode", "legacy-cache", "--report", str(report_path)])
    legacy = orjson.loads(report_path.read_bytes())
    assert rc == 1
    assert {v["invariant"] for v in legacy["violations"]} >= {"AKMA-1", "AKMA-4"}
    capsys.readouterr()

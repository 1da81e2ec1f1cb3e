"""`--expect` predicts replay (issue 26): over every capture of tests/data/captures and the
phone-like ones tests/capture/phonegen.py builds, and over variants of them with frames
dropped, duplicated or swapped with a neighbour, the expectation the importer writes into
each trace is what replay then finds (`replay --check-expect` exits 0) — with and without
keys, with and without AKMA probes. An import that refuses the variant (exit 2) writes no
trace and is not a counterexample."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ue_stack.capture.sources import open_capture
from ue_stack.cli import main

from .phonegen import phone_capture

CAPTURES = Path(__file__).resolve().parents[1] / "data" / "captures"
KEYS = CAPTURES / "keys.csv"
REAL = sorted(p for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng", ".json"))
PHONE = {
    "phone-duplicates": {"duplicate_smc": True},
    "phone-20-for-71": {"reauth_cause": 20},
    "phone-20-forbidden": {"reauth_cause": 20, "reauth_bad_mac": False},
    "phone-mobility": {"update": "mobility"},
    "phone-periodic": {"reauth_cause": 71, "update": "periodic"},
    "phone-service": {"update": "service"},
}
# `make test` keeps this short; a longer run: UE_STACK_EXPECT_EXAMPLES=500
EXAMPLES = int(os.environ.get("UE_STACK_EXPECT_EXAMPLES", "30"))
DERANDOMIZE = "UE_STACK_EXPECT_EXAMPLES" not in os.environ  # `make test`: the same cases


def _messages(name: str) -> list[dict]:
    """The capture's NGAP messages as the JSON capture form (frame, time, hex)."""
    if name in PHONE:
        doc = orjson.loads((CAPTURES / "gnbsim-free5gc-ngap.json").read_bytes())
        return [{k: m[k] for k in ("frame", "time", "ngap_hex")}
                for m in phone_capture(doc, **PHONE[name])]
    return [{"frame": m.frame, "time": m.time, "ngap_hex": m.payload.hex()}
            for m in open_capture(CAPTURES / name).messages]


MESSAGES = {name: _messages(name) for name in [p.name for p in REAL] + list(PHONE)}


@st.composite
def variant(draw) -> tuple[str, list[str], list[dict]]:
    """A capture, then up to three edits: drop a frame, duplicate one (at the same time
    stamp: a RAN duplicate), or swap one with the next (reordered within a procedure)."""
    name = draw(st.sampled_from(sorted(MESSAGES)))
    msgs = [dict(m) for m in MESSAGES[name]]
    edits = []  # shown with a counterexample
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(msgs) - 1))
        op = draw(st.sampled_from(["drop", "dup", "swap"]))
        edits.append(f"{op} {i}")
        if op == "drop" and len(msgs) > 1:
            del msgs[i]
        elif op == "dup":
            msgs.insert(i + 1, dict(msgs[i]))
        elif op == "swap" and i + 1 < len(msgs):
            # each keeps its time stamp: frames out of time order, as where two capture
            # points are merged
            msgs[i], msgs[i + 1] = msgs[i + 1], msgs[i]
    for frame, m in enumerate(msgs, 1):  # a capture numbers its frames in order
        m["frame"] = frame
    return name, edits, msgs


def import_and_replay(tmp: Path, msgs: list[dict], keyed: bool, probe: bool) -> None:
    capture = tmp / "variant.json"
    capture.write_bytes(orjson.dumps({"messages": msgs}))
    out = tmp / "out"
    keys = ["--keys", str(KEYS)] if keyed else []
    argv = ["import", str(capture), "-o", str(out), "--expect", "--report",
            str(tmp / "import.json"), *keys, *(["--akma-probe", "all"] if probe else [])]
    rc = main(argv)
    if rc == 2:
        return
    report = orjson.loads((tmp / "import.json").read_bytes())
    assert rc == (0 if report["ok"] else 1)
    for trace in report["traces"]:
        replayed = tmp / "replay.json"
        rc = main(["replay", trace, *keys, "--check-expect", "--report", str(replayed)])
        result = orjson.loads(replayed.read_bytes())
        assert rc == 0, (trace, result["violations"])


@pytest.mark.parametrize("probe", [False, True])
@pytest.mark.parametrize("keyed", [True, False])
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_capture_meets_its_own_expectation(tmp_path, name, keyed, probe):
    import_and_replay(tmp_path, MESSAGES[name], keyed, probe)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=variant(), keyed=st.booleans(), probe=st.booleans())
def test_expect_predicts_replay_on_damaged_captures(tmp_path_factory, case, keyed, probe):
    _name, _edits, msgs = case
    import_and_replay(tmp_path_factory.mktemp("v"), msgs, keyed, probe)

"""Hypothesis over interleavings (TS 24.501 4.4.4.2, 4.4.3.1): after a protected
registration, any mix of the network's own protected downlinks (COUNTs rising) and an
attacker's — plain, with a MAC that fails, or a copy of one already taken — is answered
exactly as the network's alone would be: each attacker message is discarded, the USIM
stays valid, AKMA keeps answering, and NAS-4/NAS-5 find nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from test_protection import ACCEPT, HEADER, REGISTERED  # tests/replay is on sys.path

from ue_stack.cli import main

# What the network sends once registered, each answered when protected, and what only
# the attacker sends (each would end the registration or switch AKMA off if taken)
NETWORK = {
    "identity_request": {"identity_type": 1},
    "configuration_update_command": {"ack_requested": True},
}
ATTACK_ONLY = {
    "deregistration_request": {"switch_off": False, "cause": 3},
    "authentication_reject": {},
    "registration_reject": {"cause": 3},
}
FIELDS = {**NETWORK, **ATTACK_ONLY}
ATTACKS = ("plain", "bad_mac", "replay")
KAF = {"kind": "app", "op": "kaf_request", "app": "mail", "af_fqdn": "af.example.com",
       "ua_id": "0100000007"}


def _records(steps: list[tuple[str, str]]) -> tuple[list[dict], int]:
    """The trace after REGISTERED: each step a network message (own, or as attacked)."""
    out, count, t = [], ACCEPT["count"], 1.0
    taken: list[dict] = [ACCEPT]
    attacks = 0
    for how, msg in steps:
        t += 0.5
        if how == "own" and msg in NETWORK:
            count += 1
            rec = {"t": t, "kind": "dl", "msg": msg, **NETWORK[msg], "sht": 2,
                   "mac": "verified", "count": count}
            taken.append(rec)
        elif how in ("own", "replay"):  # an attacker-only message "sent" by the network:
            rec = {**taken[-1], "t": t}  # the attacker replays the last one taken instead
            attacks += 1
        else:
            rec = {"t": t, "kind": "dl", "msg": msg, **FIELDS[msg], "sht": 0} if (
                how == "plain") else {"t": t, "kind": "dl", "msg": msg, **FIELDS[msg],
                                      "sht": 2, "mac": "failed", "count": count + 1}
            attacks += 1
        out.append(rec)
    out.append({**KAF, "t": t + 1.0, "expect": "ok"})
    return out, attacks


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(("own", *ATTACKS)),
                          st.sampled_from(sorted(FIELDS))), max_size=6))
def test_attackers_downlinks_are_discarded_whatever_the_interleaving(steps):
    records, attacks = _records(steps)
    with tempfile.TemporaryDirectory() as tmp:
        trace, log, report = (Path(tmp) / n for n in ("t.jsonl", "l.jsonl", "r.json"))
        trace.write_bytes(b"".join(orjson.dumps(r) + b"\n"
                                   for r in [HEADER, *REGISTERED, *records]))
        assert main(["replay", str(trace), "--log", str(log), "--report", str(report)]) in (0, 1)
        lines = [orjson.loads(x) for x in log.read_bytes().splitlines()]
        result = orjson.loads(report.read_bytes())
    assert sum(1 for x in lines if x["event"] == "discarded") == attacks
    assert not [x for x in lines if x["event"] == "usim" and x["action"] == "invalid"]
    for inv in ("NAS-4", "NAS-5", "APP-1"):
        assert result["invariants"][inv]["violations"] == 0, result["violations"]

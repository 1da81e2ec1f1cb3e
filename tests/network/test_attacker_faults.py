"""The attacker's N1 faults in simulation (scenario `net` ops `plain_next`, `bad_mac_next`,
`replay_protected`): the UE discards each as TS 24.501 4.4.4.2 and 4.4.3.1 say, the twin's
AMF retransmits, and NAS-4/NAS-5 find nothing."""

from __future__ import annotations

from pathlib import Path

import orjson

from ue_stack.cli import main

SCENARIO = """
name = "attacker-faults"
description = "an attacker on N1 forges a MAC, replays a protected message, strips one"
[ue]
supi = "001010000000001"
k = "465b5ce8b199b49faa5f0a2ee238a6bc"
opc = "cd63cb71954a9f4e48a5994e37a02baf"
[[step]]
t = 0.0
kind = "net"
op = "bad_mac_next"
msg = "registration_accept"
[[step]]
t = 0.0
kind = "ue"
op = "power_on"
[[step]]
t = 0.1
kind = "ue"
op = "register"
[[step]]
t = 20.0
kind = "net"
op = "replay_protected"
msg = "registration_accept"
[[step]]
t = 30.0
kind = "net"
op = "plain_next"
msg = "deregistration_request"
[[step]]
t = 30.0
kind = "net"
op = "deregister"
cause = 3
[[step]]
t = 40.0
kind = "ue"
op = "advance"
"""


def _run(tmp_path: Path) -> tuple[list[dict], dict]:
    scenario, log, report = tmp_path / "s.toml", tmp_path / "s.jsonl", tmp_path / "r.json"
    scenario.write_text(SCENARIO)
    assert main(["simulate", str(scenario), "--log", str(log), "--report", str(report)]) == 0
    return ([orjson.loads(x) for x in log.read_bytes().splitlines()],
            orjson.loads(report.read_bytes()))


def test_ue_discards_the_attackers_downlinks_and_takes_the_networks_own(tmp_path):
    lines, report = _run(tmp_path)
    discarded = [(x["msg"], x["clause"]) for x in lines if x["event"] == "discarded"]
    assert discarded == [("registration_accept", "TS 24.501 4.4.4.2"),
                         ("registration_accept", "TS 24.501 4.4.3.1"),
                         ("deregistration_request", "TS 24.501 4.4.4.2")]
    uplinks = [x["msg"] for x in lines if x["event"] == "n1" and x["dir"] == "ul"]
    # the forged ACCEPT is not answered, its retransmission (T3550) is, once; the plain
    # DEREGISTRATION REQUEST is not answered, its protected retransmission (T3522) is
    assert uplinks.count("registration_complete") == 1
    assert uplinks.count("deregistration_accept") == 1
    forged = next(x for x in lines if x["event"] == "n1" and x.get("mac") == "failed")
    assert forged["msg"] == "registration_accept" and forged["sht"] == 2
    for inv in ("NAS-4", "NAS-5"):
        assert report["invariants"][inv]["checked"] > 0
        assert report["invariants"][inv]["violations"] == 0


def test_the_usim_stays_valid_until_the_protected_deregistration(tmp_path):
    """The plain DEREGISTRATION REQUEST #3 does not make the USIM invalid (the probe of
    issue 24); the AMF's protected retransmission does (TS 24.501 5.5.2.3.2)."""
    lines, _ = _run(tmp_path)
    plain = next(x["seq"] for x in lines if x["event"] == "discarded"
                 and x["msg"] == "deregistration_request")
    invalid = [x["seq"] for x in lines if x["event"] == "usim" and x["action"] == "invalid"]
    assert invalid and invalid[0] > plain
    protected = [x["seq"] for x in lines if x["event"] == "n1" and x["dir"] == "dl"
                 and x["msg"] == "deregistration_request" and x.get("sht") == 2]
    assert protected and protected[0] < invalid[0]

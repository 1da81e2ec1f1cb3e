"""P-NAS-4 (the shipped file) against the NAS-4 invariant on random exchange logs: the
property flags the line that acts on a forbidden downlink, the invariant the downlink
itself, so each property violation must point back (to the last downlink before it) to
exactly the downlinks the invariant names (docs/properties.md, NAS-4)."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ue_stack.invariants import check_records
from ue_stack.nas.protection import UNPROTECTED
from ue_stack.properties import PropertyMonitor
from ue_stack.properties.shipped import UNPROTECTED_ROWS, nas4_formula

UE = st.sampled_from(["001010000000001", "001010000000002"])


def optional(**fields: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


downlink = st.builds(
    lambda base, extra: {"event": "n1", "dir": "dl", **base, **extra},
    st.fixed_dictionaries({"msg": st.sampled_from([
        "security_mode_command", "registration_accept", "identity_request",
        "authentication_request", "registration_reject", "deregistration_accept",
        "deregistration_request", "configuration_update_command"])}),
    optional(sht=st.sampled_from([0, 1, 2, 3]), mac=st.sampled_from(["verified", "failed"]),
             cause=st.sampled_from([3, 76]), identity_type=st.sampled_from([1, 2]),
             ngksi=st.sampled_from([0, 1])))
uplink = st.builds(lambda msg: {"event": "n1", "dir": "ul", "msg": msg}, st.sampled_from(
    ["security_mode_complete", "registration_complete", "authentication_response"]))
state = st.builds(lambda to: {"event": "state", "layer": "5gmm", "from": "x", "to": to},
                  st.sampled_from(["5GMM-REGISTERED.NORMAL-SERVICE", "5GMM-NULL",
                                   "5GMM-DEREGISTERED-INITIATED", "5GMM-REGISTERED-INITIATED",
                                   "5GMM-DEREGISTERED.NORMAL-SERVICE"]))
other = st.sampled_from([
    {"event": "input", "kind": "ue", "action": "lower_layer_failure"},
    {"event": "input", "kind": "ue", "action": "power_off"},
    {"event": "input", "kind": "ue", "action": "register"},
    {"event": "discarded", "msg": "x", "reason": "r", "clause": "c"},
    {"event": "kausf", "action": "valid", "k_ausf_fp": "1111111111111111"},
    {"event": "usim", "action": "invalid"},
    {"event": "primitive", "src": "nas", "dst": "app:mail", "name": "X", "corr": "c"},
    {"event": "primitive", "src": "app:mail", "dst": "nas", "name": "Y", "corr": "c"},
    {"event": "note", "text": "n"},
])
line = st.builds(lambda body, ue: {**body, "ue": ue},
                 st.one_of(downlink, downlink, uplink, state, other), UE)


def test_the_property_names_the_messages_of_the_unprotected_table():
    assert set(UNPROTECTED_ROWS) == set(UNPROTECTED)


def _lines(*bodies: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**b, "ue": "001010000000001"} for b in bodies]


SMC_COMPLETE = {"event": "n1", "dir": "ul", "msg": "security_mode_complete"}
PLAIN_CHALLENGE = {"event": "n1", "dir": "dl", "msg": "authentication_request", "sht": 0}
CHALLENGE_ANSWER = {"event": "n1", "dir": "ul", "msg": "authentication_response"}


@settings(max_examples=400, deadline=None)
@given(st.lists(line, max_size=25))
# a power-off (or a lower layer failure) ends secure exchange: a plain challenge after it
# may be answered; before it, not
@example(_lines(SMC_COMPLETE, {"event": "input", "kind": "ue", "action": "power_off"},
                PLAIN_CHALLENGE, CHALLENGE_ANSWER))
@example(_lines(SMC_COMPLETE, PLAIN_CHALLENGE, CHALLENGE_ANSWER))
@example(_lines(SMC_COMPLETE, {"event": "input", "kind": "ue", "action": "lower_layer_failure"},
                PLAIN_CHALLENGE, CHALLENGE_ANSWER))
def test_p_nas_4_finds_the_downlinks_nas_4_finds(lines):
    records = [{"seq": n, "t": n / 10, **r} for n, r in enumerate(lines, 1)]
    _, violations = check_records(records)
    by_invariant = sorted(v.seq for v in violations if v.invariant == "NAS-4")
    monitor = PropertyMonitor("P-NAS-4", nas4_formula())
    last_dl: dict[str, int] = {}
    by_property = []
    for r in records:
        if monitor.feed(r) is not None:
            by_property.append(last_dl[r["ue"]])
        if r["event"] == "n1" and r["dir"] == "dl":
            last_dl[r["ue"]] = r["seq"]
    assert sorted(by_property) == by_invariant

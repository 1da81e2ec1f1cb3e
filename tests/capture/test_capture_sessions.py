"""Sessions and the USIM's SQN state inferred from a capture (issue 7; docs/trace-format.md)."""

from __future__ import annotations

from ue_stack.capture.import_records import trace_records
from ue_stack.capture.security import AuthEvidence, Protection
from ue_stack.capture.sessions import Event, plan_sessions
from ue_stack.crypto.aka import Resync
from ue_stack.nas.codec import DecodedPdu


def _reg(t: float, conn: int) -> Event:
    plain = DecodedPdu(
        "registration_request",
        {"registration_type": "initial", "ngksi": 7},
        extra={"registration_type_value": 1},
    )
    return Event(
        0,
        t,
        "ul",
        b"",
        "InitialUEMessage",
        conn,
        plain,
        Protection(None),
        name="registration_request",
    )


def _auth(t: float, conn: int, sqn: int) -> Event:
    ev = Event(
        0,
        t,
        "dl",
        b"",
        "DownlinkNASTransport",
        conn,
        DecodedPdu("authentication_request"),
        Protection(None),
        name="authentication_request",
    )
    # a RAND of its own per challenge: the same RAND again is a retransmission, answered
    # from the stored RES* (TS 24.501 5.4.1.3.7), not a USIM check
    ev.auth = AuthEvidence(round(t * 1000).to_bytes(16, "big"), bytes(16), 0, b"\x00\x00",
                           sqn=sqn.to_bytes(6, "big"))
    return ev


def _accept(t: float, conn: int) -> Event:
    return Event(
        0,
        t,
        "ul",
        b"",
        "UplinkNASTransport",
        conn,
        DecodedPdu("authentication_response"),
        Protection(None),
        name="authentication_response",
    )


def _sync_failure(t: float, conn: int, sqn_ms: int) -> Event:
    ev = Event(
        0,
        t,
        "ul",
        b"",
        "UplinkNASTransport",
        conn,
        DecodedPdu("authentication_failure", {"cause": 21}),
        Protection(None),
        name="authentication_failure",
    )
    ev.resync = Resync(sqn_ms.to_bytes(6, "big"), True)
    return ev


def test_first_accepted_sqn_fixes_the_initial_state_one_below_it():
    events = [_reg(0, 1), _auth(1, 1, 0x120), _accept(2, 1)]
    plan = plan_sessions(events, with_sqn=True, notes=[], where="UE")
    assert plan.initial_sqn_ms == 0x11F and plan.new_usim == {}


def test_auts_gives_the_exact_sqn_ms():
    """TS 33.102 6.3.5: SQN_MS recovered from AUTS is the USIM's state."""
    events = [
        _reg(0, 1),
        _auth(1, 1, 0x20),
        _sync_failure(2, 1, 0x500),
        _auth(3, 1, 0x520),
        _accept(4, 1),
    ]
    plan = plan_sessions(events, with_sqn=True, notes=[], where="UE")
    assert plan.initial_sqn_ms == 0x500


def test_restarted_simulator_gets_a_new_usim_state_at_its_next_session():
    """A test core restarts its UE: the second session accepts an SQN that the first
    session's USIM would call stale. The trace says so with `usim_inserted`."""
    events = [
        _reg(0, 1),
        _auth(1, 1, 0x120),
        _accept(2, 1),
        _reg(10, 2),
        _auth(11, 2, 0x120),
        _accept(12, 2),
    ]
    notes: list[str] = []
    plan = plan_sessions(events, with_sqn=True, notes=notes, where="UE")
    assert plan.new_usim == {3: 0x11F} and not notes
    records = trace_records(events, plan, "001010000000001", {})
    ops = [r.get("op") for r in records if r["kind"] == "ue"]
    assert ops == ["power_on", "register", "power_off", "usim_inserted", "power_on", "register"]
    inserted = next(r for r in records if r.get("op") == "usim_inserted")
    assert inserted["ue"] == {"supi": "001010000000001", "sqn_ms": "00000000011f"}


def test_replayed_sqn_accepted_inside_a_session_is_not_copied():
    """The recorded UE accepts the same SQN twice on one connection: the trace keeps the
    state the delta rule gives, so replay reports the divergence (NAS-3)."""
    events = [_reg(0, 1), _auth(1, 1, 0x120), _accept(2, 1), _auth(3, 1, 0x120), _accept(4, 1)]
    notes: list[str] = []
    plan = plan_sessions(events, with_sqn=True, notes=notes, where="UE")
    assert plan.initial_sqn_ms == 0x11F and plan.new_usim == {}
    assert len(notes) == 1 and "replayed" in notes[0]


def test_fresh_sqn_in_a_later_session_keeps_the_same_usim():
    events = [
        _reg(0, 1),
        _auth(1, 1, 0x120),
        _accept(2, 1),
        _reg(10, 2),
        _auth(11, 2, 0x140),
        _accept(12, 2),
    ]
    plan = plan_sessions(events, with_sqn=True, notes=[], where="UE")
    assert plan.new_usim == {} and plan.initial_sqn_ms == 0x11F
    ops = [
        r.get("op")
        for r in trace_records(events, plan, "1", {})
        if r["kind"] == "ue"
    ]
    assert ops == ["power_on", "register", "power_off", "power_on", "register"]


def test_without_keys_no_sqn_state_is_claimed():
    events = [_reg(0, 1), _auth(1, 1, 0x120), _accept(2, 1)]
    plan = plan_sessions(events, with_sqn=False, notes=[], where="UE")
    assert plan.initial_sqn_ms is None


def test_the_same_challenge_again_while_t3516_runs_is_no_replayed_sqn():
    """TS 24.501 5.4.1.3.7: the same RAND again within T3516 is answered with the stored
    RES*, without the USIM: accepting it again breaks no rule, so no NAS-3 is expected."""
    first, again = _auth(1, 1, 0x120), _auth(2, 1, 0x120)
    again.auth = first.auth
    events = [_reg(0, 1), first, _accept(1.5, 1), again, _accept(2.5, 1)]
    notes: list[str] = []
    plan = plan_sessions(events, with_sqn=True, notes=notes, where="UE")
    assert plan.deviations == [] and notes == []
    later = _auth(40, 1, 0x120)  # after T3516 (30 s): the USIM sees it, and it is stale
    later.auth = first.auth
    plan = plan_sessions([*events, later, _accept(41, 1)], with_sqn=True, notes=[], where="UE")
    assert len(plan.deviations) == 1

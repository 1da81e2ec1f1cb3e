"""Each row of the 5GMM cause tables, pinned: what the UE does on one 5GMM cause in one
procedure (TS 24.501 5.5.1.2.5, 5.5.1.3.5, 5.5.2.3.2), and the collisions 5.5.2.2.6 and
5.5.1.3.7 g. The expected values are written out here, not read from the tables, so a
changed row fails its test."""

from __future__ import annotations

import pytest
from nas_harness import HomeNetwork, Ue, auth_request, notes, uplink

from ue_stack.events import UsimChanged
from ue_stack.nas import deregistration, registration
from ue_stack.nas.messages import nas
from ue_stack.nas.states import TRANSITIONS, MmState
from ue_stack.nas.states import UpdateStatus as U

S = MmState
GONE, KEPT = "deleted", "kept"

# cause -> (state, update status, 5G-GUTI and ngKSI, attempt counter after, USIM valid)
INITIAL = {
    3: (S.DEREGISTERED_NO_SUPI, U.ROAMING_NOT_ALLOWED, GONE, 2, False),
    6: (S.DEREGISTERED_NO_SUPI, U.ROAMING_NOT_ALLOWED, GONE, 2, False),
    7: (S.DEREGISTERED_NO_SUPI, U.ROAMING_NOT_ALLOWED, GONE, 2, False),
    11: (S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, GONE, 0, True),
    12: (S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, GONE, 0, True),
    13: (S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, GONE, 0, True),
    15: (S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, GONE, 0, True),
    27: (S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, GONE, 0, True),
    62: (S.DEREGISTERED_ATTEMPTING_REGISTRATION, U.NOT_UPDATED, KEPT, 0, True),
    73: (S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, GONE, 0, True),
    76: (S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, KEPT, 0, True),
}
UPDATE = {
    3: (S.DEREGISTERED_NO_SUPI, U.ROAMING_NOT_ALLOWED, GONE, 2, False),
    6: (S.DEREGISTERED_NO_SUPI, U.ROAMING_NOT_ALLOWED, GONE, 2, False),
    7: (S.DEREGISTERED_NO_SUPI, U.ROAMING_NOT_ALLOWED, GONE, 2, False),
    11: (S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, GONE, 0, True),
    12: (S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, GONE, 0, True),
    13: (S.REGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, KEPT, 0, True),
    15: (S.REGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, KEPT, 0, True),
    27: (S.REGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, KEPT, 0, True),
    62: (S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE, U.NOT_UPDATED, KEPT, 0, True),
    73: (S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, GONE, 0, True),
    76: (S.REGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, KEPT, 0, True),
}
DEREGISTRATION = {
    3: (S.DEREGISTERED_NO_SUPI, U.ROAMING_NOT_ALLOWED, GONE, False),
    6: (S.DEREGISTERED_NO_SUPI, U.ROAMING_NOT_ALLOWED, GONE, False),
    7: (S.DEREGISTERED_NO_SUPI, U.ROAMING_NOT_ALLOWED, GONE, False),
    11: (S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, GONE, True),
    12: (S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, GONE, True),
    13: (S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, KEPT, True),
    15: (S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, KEPT, True),
    27: (S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, GONE, True),
    62: (S.DEREGISTERED_ATTEMPTING_REGISTRATION, U.NOT_UPDATED, KEPT, True),
    73: (S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, GONE, True),
}


def registering(kind: str) -> Ue:
    """A UE with a 5G-GUTI and a context, two failed attempts behind it, now in
    5GMM-REGISTERED-INITIATED for an initial registration or a mobility update."""
    ue = Ue()
    ue.registered(ngksi=2)
    if kind == "initial":
        ue.nas.deregister(ue.tick(), switch_off=True)
        ue.nas.register(ue.tick())
    else:
        ue.nas.register(ue.tick(), kind)
    for _ in range(2):
        ue.nas.lower_layer_failure(ue.tick())
        ue.advance(10.0)  # T3511: the same registration again
    assert ue.nas.state is S.REGISTERED_INITIATED and ue.nas.attempt_counter == 2
    ue.drain()
    return ue


def identities(ue: Ue) -> str:
    gone = ue.nas.guti is None and ue.nas.contexts.current is None
    kept = ue.nas.guti is not None and ue.nas.contexts.current is not None
    assert gone or kept, "5G-GUTI and ngKSI go together in every row"
    return GONE if gone else KEPT


@pytest.mark.parametrize("cause", sorted(INITIAL), ids=lambda c: f"#{c}")
def test_ue_answers_registration_reject_during_initial_registration_as_its_row_says(cause):
    """TS 24.501 5.5.1.2.5: REGISTRATION REJECT #cause during an initial registration ->
    the state, update status, deletions, attempt counter and USIM of that cause's row;
    T3510 stopped, nothing sent."""
    state, status, ids, counter, usim_valid = INITIAL[cause]
    ue = registering("initial")
    out = ue.dl(nas("registration_reject", cause=cause))
    assert (ue.nas.state, ue.nas.update_status) == (state, status)
    assert identities(ue) == ids
    assert ue.nas.attempt_counter == counter
    assert ue.usim.valid is usim_valid
    assert not ue.nas.timers.running("T3510") and not ue.nas.timers.running("T3511")
    assert uplink(out) == []


@pytest.mark.parametrize("cause", sorted(UPDATE), ids=lambda c: f"#{c}")
def test_ue_answers_registration_reject_during_mobility_update_as_its_row_says(cause):
    """TS 24.501 5.5.1.3.5 (Rel-18): REGISTRATION REJECT #cause during a mobility
    registration update -> the row's state, update status, deletions, counter, USIM."""
    state, status, ids, counter, usim_valid = UPDATE[cause]
    ue = registering("mobility")
    out = ue.dl(nas("registration_reject", cause=cause))
    assert (ue.nas.state, ue.nas.update_status) == (state, status)
    assert identities(ue) == ids
    assert ue.nas.attempt_counter == counter
    assert ue.usim.valid is usim_valid
    assert [e.action for e in out if isinstance(e, UsimChanged)] == (
        [] if usim_valid else ["invalid"])


@pytest.mark.parametrize("cause", [9, 10])
def test_update_rejected_with_9_or_10_makes_the_ue_register_initially_itself(cause):
    """TS 24.501 5.5.1.3.5 #9 (5U2, 5G-GUTI and ngKSI deleted) and #10 (implicitly
    de-registered: only a partial context goes): 5GMM-DEREGISTERED, then the UE starts an
    initial registration at once — with SUCI after #9, with its 5G-GUTI after #10."""
    ue = registering("periodic")
    out = ue.dl(nas("registration_reject", cause=cause))
    assert [m.get("registration_type") for m in uplink(out)] == ["initial"]
    assert ue.nas.state is S.REGISTERED_INITIATED
    assert ue.nas.registration_identity == ("suci" if cause == 9 else "5g-guti")
    assert uplink(out)[0].get("ngksi") == (7 if cause == 9 else 2)


@pytest.mark.parametrize("kind", ["initial", "mobility"])
def test_congestion_22_with_t3346_waits_for_t3346_then_registers_again(kind):
    """TS 24.501 5.5.1.2.5 / 5.5.1.3.5 #22 with a T3346 value: 5U2, counter reset,
    ATTEMPTING-REGISTRATION(-UPDATE), T3346 started with the network's value; at its
    expiry the registration starts again."""
    ue = registering(kind)
    ue.dl(nas("registration_reject", cause=22, t3346=120))
    expected = (S.DEREGISTERED_ATTEMPTING_REGISTRATION if kind == "initial"
                else S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE)
    assert (ue.nas.state, ue.nas.update_status) == (expected, U.NOT_UPDATED)
    assert ue.nas.attempt_counter == 0
    assert ue.nas.timers.deadline("T3346") == pytest.approx(ue.now + 120)
    assert uplink(ue.advance(119.0)) == []
    assert [m.get("registration_type") for m in uplink(ue.advance(2.0))] == [kind]


def test_congestion_22_without_t3346_is_the_abnormal_case():
    """TS 24.501 5.5.1.3.5 #22: without a T3346 value (or with zero) the cause is an
    abnormal case (5.5.1.3.7): attempt counter + 1, T3511."""
    ue = registering("mobility")
    ue.dl(nas("registration_reject", cause=22))
    assert ue.nas.attempt_counter == 3 and ue.nas.timers.running("T3511")
    assert not ue.nas.timers.running("T3346")


@pytest.mark.parametrize("cause", [31, 36, 72, 74, 75, 78, 80, 81, 82])
def test_causes_that_are_abnormal_over_3gpp_access_count_an_attempt(cause):
    """TS 24.501 5.5.1.3.5: #72 over 3GPP access, and causes for features the UE does not
    use (CIoT/S1 #31, IAB #36, SNPN #74/#75, satellite #78, disaster roaming #80,
    N3IWF/TNGF #81/#82), are the abnormal case of 5.5.1.3.7: counter + 1, T3511, 5U2."""
    ue = registering("mobility")
    ue.dl(nas("registration_reject", cause=cause))
    assert ue.nas.state is S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE
    assert ue.nas.attempt_counter == 3 and ue.nas.timers.running("T3511")
    assert ue.nas.guti is not None


@pytest.mark.parametrize("cause", [95, 96, 97, 99, 111])
def test_protocol_error_causes_set_the_attempt_counter_to_five(cause):
    """TS 24.501 5.5.1.2.7 d / 5.5.1.3.7 d: on #95, #96, #97, #99, #111 the UE should set
    the registration attempt counter to 5: T3502, not T3511."""
    ue = registering("initial")
    ue.dl(nas("registration_reject", cause=cause))
    assert ue.nas.attempt_counter == 5
    assert ue.nas.timers.running("T3502") and not ue.nas.timers.running("T3511")


@pytest.mark.parametrize("cause", sorted(DEREGISTRATION), ids=lambda c: f"#{c}")
def test_ue_answers_network_deregistration_as_its_row_says(cause):
    """TS 24.501 5.5.2.3.2: DEREGISTRATION REQUEST "re-registration not required" with
    #cause -> DEREGISTRATION ACCEPT, then the row's state, update status, deletions, USIM."""
    state, status, ids, usim_valid = DEREGISTRATION[cause]
    ue = Ue()
    ue.registered(ngksi=2)
    out = ue.dl(nas("deregistration_request", re_registration_required=False, cause=cause))
    assert uplink(out) == [nas("deregistration_accept")]
    assert (ue.nas.state, ue.nas.update_status) == (state, status)
    assert identities(ue) == ids
    assert ue.usim.valid is usim_valid


@pytest.mark.parametrize("cause", [None, 11, 99])
def test_network_deregistration_without_cause_or_with_11_deletes_guti_and_ngksi(cause):
    """TS 24.501 5.5.2.3.2 / 5.5.2.3.4 (docs/behaviour.md): with no cause, #11, or a cause
    no row lists, the 5G-GUTI and ngKSI are deleted; with no cause (or an unlisted one)
    T3502 starts. The next registration is initial, with SUCI and ngKSI "111"."""
    ue = Ue()
    ue.registered(ngksi=2)
    ue.dl(nas("deregistration_request", switch_off=False, cause=cause))
    assert ue.nas.guti is None and ue.nas.contexts.current is None
    assert ue.nas.timers.running("T3502") is (cause != 11)
    ue.drain()
    ue.nas.register(ue.tick())
    request = uplink(ue.drain())[0]
    assert request == nas("registration_request", registration_type="initial", ngksi=7)


def test_ue_ignores_the_network_after_a_switch_off_deregistration():
    """TS 24.501 5.5.2.2.6 (38.523-1 9.1.6.1.1): after DEREGISTRATION REQUEST with
    switch-off the UE ignores the network. An AUTHENTICATION REQUEST is not answered —
    a RES* would let the network move AKMA to a KAUSF the UE never takes — and no pending
    KAUSF appears; nor is a DEREGISTRATION REQUEST answered."""
    ue = Ue()
    ue.registered(ngksi=0)
    ue.nas.deregister(ue.tick(), switch_off=True)
    ue.drain()
    out = ue.dl(auth_request(HomeNetwork().challenge(), ngksi=1))
    assert uplink(out) == []
    assert ue.nas.kausf.pending is None
    assert "downlink ignored: switch-off deregistration sent" in notes(out)
    assert uplink(ue.dl(nas("deregistration_request", switch_off=False))) == []


def test_after_a_switch_off_deregistration_a_new_registration_listens_again():
    """The 5.5.2.2.6 collision ends with the connection: a new registration (or a power
    cycle) and the UE answers the network again."""
    ue = Ue()
    ue.registered(ngksi=0)
    ue.nas.deregister(ue.tick(), switch_off=True)
    ue.nas.register(ue.tick())
    ue.drain()
    out = ue.dl(nas("identity_request", identity_type=1))
    assert [m.msg for m in uplink(out)] == ["identity_response"]


@pytest.mark.parametrize("cause", sorted(deregistration.IGNORED_DURING_UPDATE))
def test_network_deregistration_during_a_mobility_update_with_these_causes_is_ignored(cause):
    """TS 24.501 5.5.1.3.7 g: a DEREGISTRATION REQUEST with #11/#12/#13/#15/#36/#62/#74/
    #75/#78 before the update completes: the update is progressed, the de-registration
    aborted — no DEREGISTRATION ACCEPT, the state and identities stay, T3510 runs on."""
    ue = Ue()
    ue.registered(ngksi=2)
    ue.nas.register(ue.tick(), "mobility")
    ue.drain()
    out = ue.dl(nas("deregistration_request", re_registration_required=False, cause=cause))
    assert uplink(out) == []
    assert ue.nas.state is S.REGISTERED_INITIATED and ue.nas.guti is not None
    assert ue.nas.timers.running("T3510")
    ue.dl(nas("registration_accept"))
    assert ue.nas.state is S.REGISTERED_NORMAL_SERVICE


def test_network_deregistration_during_a_mobility_update_with_another_cause_wins():
    """TS 24.501 5.5.1.3.7 g: with another cause (here #3, or none) the update is aborted
    and the de-registration progressed."""
    ue = Ue()
    ue.registered(ngksi=2)
    ue.nas.register(ue.tick(), "mobility")
    ue.drain()
    out = ue.dl(nas("deregistration_request", re_registration_required=False, cause=3))
    assert uplink(out) == [nas("deregistration_accept")]
    assert ue.nas.state is S.DEREGISTERED_NO_SUPI


def test_every_row_ends_where_its_trigger_goes():
    """The cause tables say the state; the one transition table must agree: each row's
    trigger leads from its source to exactly that state."""
    dest = {(t, s): d for t, src, d in TRANSITIONS
            for s in (src if isinstance(src, list | tuple) else [src])}
    for table in (registration.INITIAL_REJECT, registration.UPDATE_REJECT):
        for row in table.values():
            trigger = registration.REJECT_TRIGGERS[row.state]
            assert dest[(trigger, S.REGISTERED_INITIATED)] is row.state, row
    for row in (*deregistration.NETWORK_DEREGISTRATION.values(), deregistration.ABNORMAL,
                deregistration.RE_REGISTRATION):
        trigger = deregistration.DEREGISTRATION_TRIGGERS[row.state]
        assert dest[(trigger, S.REGISTERED_NORMAL_SERVICE)] is row.state, row

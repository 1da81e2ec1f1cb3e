"""Registration: initial (TS 24.501 5.5.1.2), mobility and periodic update (5.5.1.3),
identification (5.4.3), and the SUCI with the null scheme (9.11.3.4)."""

from __future__ import annotations

import json

import pytest
from nas_harness import SUPI, Ue, notes, smc, states, uplink

from ue_stack.events import UsimChanged
from ue_stack.nas.messages import nas
from ue_stack.nas.states import MmState
from ue_stack.nas.states import UpdateStatus as U
from ue_stack.nas.usim import suci_null_scheme
from ue_stack.primitives import USIM_INVALID, ObtainAkmaKeyReject, ObtainAkmaKeyRequest

S = MmState


def switched_on() -> Ue:
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.drain()
    return ue


def test_initial_registration_request_uses_suci_and_ngksi_111_without_a_key():
    """TS 24.501 5.5.1.2.2: SUCI when no valid 5G-GUTI, ngKSI "111" with no key; T3510
    started; 5GMM-REGISTERED-INITIATED."""
    ue = switched_on()
    ue.nas.register(ue.tick())
    out = ue.drain()
    assert uplink(out) == [nas("registration_request", registration_type="initial", ngksi=7)]
    assert ue.nas.registration_identity == "suci"
    assert ue.nas.timers.running("T3510") and ue.nas.timers.running("T3519")
    assert states(out) == [(S.DEREGISTERED_NORMAL_SERVICE.value, S.REGISTERED_INITIATED.value)]


def test_registration_accept_with_a_guti_is_answered_with_registration_complete():
    """TS 24.501 5.5.1.2.4: REGISTERED.NORMAL-SERVICE, 5U1; COMPLETE when a 5G-GUTI
    was assigned."""
    ue = switched_on()
    ue.nas.register(ue.tick())
    ue.authenticate()
    ue.dl(smc())
    out = ue.dl(nas("registration_accept", guti=bytes.fromhex("02f839cafe0000000001")))
    assert uplink(out) == [nas("registration_complete")]
    assert ue.nas.state is S.REGISTERED_NORMAL_SERVICE
    assert ue.nas.update_status is U.UPDATED
    assert not ue.nas.timers.running("T3510")


def test_registration_accept_without_a_guti_needs_no_complete():
    """TS 24.501 5.5.1.2.4: no new 5G-GUTI, no REGISTRATION COMPLETE."""
    ue = switched_on()
    ue.nas.register(ue.tick())
    ue.drain()
    out = ue.dl(nas("registration_accept"))
    assert uplink(out) == []
    assert ue.nas.state is S.REGISTERED_NORMAL_SERVICE


def test_mobility_registration_carries_the_current_ngksi_and_uses_the_guti():
    """TS 24.501 5.5.1.3.2: from REGISTERED, with the ngKSI of the current context."""
    ue = Ue()
    ue.registered(ngksi=4)
    ue.nas.register(ue.tick(), "mobility")
    out = ue.drain()
    assert uplink(out) == [nas("registration_request", registration_type="mobility", ngksi=4)]
    assert ue.nas.registration_identity == "5g-guti"
    assert not ue.nas.timers.running("T3519")


@pytest.mark.parametrize("cause", [3, 6, 7])
def test_registration_reject_for_an_illegal_ue_invalidates_the_usim(cause):
    """TS 24.501 5.5.1.2.5 (#3, #6, #7): 5U3, GUTI and ngKSI deleted, USIM invalid,
    5GMM-DEREGISTERED.NO-SUPI."""
    ue = switched_on()
    ue.nas.register(ue.tick())
    out = ue.dl(nas("registration_reject", cause=cause))
    assert ue.nas.state is S.DEREGISTERED_NO_SUPI
    assert ue.nas.update_status is U.ROAMING_NOT_ALLOWED
    assert [e.action for e in out if isinstance(e, UsimChanged)] == ["invalid"]
    assert not ue.nas.timers.running("T3510")


def test_registration_reject_plmn_not_allowed_goes_to_plmn_search():
    """TS 24.501 5.5.1.2.5 (#11): 5U3, 5GMM-DEREGISTERED.PLMN-SEARCH (PLMN selection)."""
    ue = switched_on()
    ue.nas.register(ue.tick())
    ue.dl(nas("registration_reject", cause=11))
    assert ue.nas.state is S.DEREGISTERED_PLMN_SEARCH
    assert ue.nas.update_status is U.ROAMING_NOT_ALLOWED
    assert ue.usim.valid


def test_t3510_expiry_counts_an_attempt_and_t3511_retries_the_registration():
    """TS 24.501 5.5.1.2.7: abort, attempt counter + 1, ATTEMPTING-REGISTRATION,
    T3511; at its expiry a new REGISTRATION REQUEST."""
    ue = switched_on()
    ue.nas.register(ue.tick())
    ue.drain()
    out = ue.advance(15.0)
    assert "T3510 expired" in notes(out)
    assert ue.nas.state is S.DEREGISTERED_ATTEMPTING_REGISTRATION
    assert ue.nas.attempt_counter == 1
    assert ue.nas.timers.running("T3511")
    out = ue.advance(10.0)
    assert [m.msg for m in uplink(out)] == ["registration_request"]
    assert ue.nas.state is S.REGISTERED_INITIATED


def test_five_failed_attempts_start_t3502_and_delete_the_guti():
    """TS 24.501 5.5.1.2.7: at attempt counter 5 -> T3502, 5U2, 5G-GUTI and ngKSI
    deleted; T3502 expiry resets the counter and registers again."""
    ue = Ue()
    ue.registered()
    ue.nas.deregister(ue.tick(), switch_off=True)
    ue.nas.register(ue.tick())
    for _ in range(5):
        ue.nas.lower_layer_failure(ue.tick())
        if ue.nas.attempt_counter < 5:
            ue.advance(10.0)
    assert ue.nas.attempt_counter == 5
    assert ue.nas.timers.running("T3502") and not ue.nas.timers.running("T3511")
    assert ue.nas.guti is None and ue.nas.contexts.current is None
    assert ue.nas.update_status is U.NOT_UPDATED
    out = ue.advance(720.0)
    assert uplink(out) == [nas("registration_request", registration_type="initial", ngksi=7)]
    assert ue.nas.attempt_counter == 0


def test_lower_layer_failure_during_registration_is_an_abnormal_case():
    """TS 24.501 5.5.1.2.7: N1 released before ACCEPT -> attempt counter, T3511."""
    ue = switched_on()
    ue.nas.register(ue.tick())
    ue.nas.lower_layer_failure(ue.tick())
    assert ue.nas.state is S.DEREGISTERED_ATTEMPTING_REGISTRATION
    assert ue.nas.attempt_counter == 1 and ue.nas.timers.running("T3511")


def test_failed_mobility_registration_goes_to_attempting_registration_update():
    """TS 24.501 5.5.1.3.7: counter < 5 and the TA not in the list (a mobility update) ->
    T3511, 5U2, REGISTERED.ATTEMPTING-REGISTRATION-UPDATE; T3511 expiry retries the same
    registration type."""
    ue = Ue()
    ue.registered()
    ue.nas.register(ue.tick(), "mobility")
    ue.nas.lower_layer_failure(ue.tick())
    assert ue.nas.state is S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE
    assert ue.nas.update_status is U.NOT_UPDATED
    ue.drain()
    out = ue.advance(10.0)
    assert [m.get("registration_type") for m in uplink(out)] == ["mobility"]


def test_failed_periodic_update_below_five_attempts_keeps_5u1_and_normal_service():
    """TS 24.501 5.5.1.3.7: counter < 5, the TA in the list and 5U1 (a periodic update) ->
    5U1 kept, 5GMM-REGISTERED.NORMAL-SERVICE, T3511; its expiry retries the periodic
    update."""
    ue = Ue()
    ue.registered()
    ue.nas.register(ue.tick(), "periodic")
    ue.nas.lower_layer_failure(ue.tick())
    assert ue.nas.state is S.REGISTERED_NORMAL_SERVICE
    assert ue.nas.update_status is U.UPDATED
    assert ue.nas.attempt_counter == 1 and ue.nas.timers.running("T3511")
    ue.drain()
    out = ue.advance(10.0)
    assert [m.get("registration_type") for m in uplink(out)] == ["periodic"]


def test_suci_with_the_null_scheme_matches_the_free5gc_capture(captures):
    """TS 24.501 9.11.3.4, TS 23.003 2.2B: the SUCI of the gnbsim/free5GC REGISTRATION
    REQUEST (SUPI 208930123456789, routing indicator 1234, null scheme)."""
    data = json.loads((captures / "gnbsim-free5gc-ngap.json").read_text())
    pdu = bytes.fromhex(data["messages"][0]["nas_pdu_hex"])
    length = int.from_bytes(pdu[4:6], "big")  # 7e 00 41 | 5GS reg type+ngKSI | len
    assert suci_null_scheme("208930123456789", 2, "1234") == pdu[6 : 6 + length]


def test_identity_request_for_suci_is_answered_with_the_null_scheme_suci():
    """TS 24.501 5.4.3.2: IDENTITY RESPONSE with the requested identity (SUCI)."""
    ue = switched_on()
    ue.nas.register(ue.tick())
    ue.drain()
    out = ue.dl(nas("identity_request", identity_type=1))
    expected = suci_null_scheme(SUPI, 2, "0")
    assert uplink(out) == [nas("identity_response", identity=expected)]
    assert expected.hex() == "0100f110f0ff00000000000010"


def test_mobility_update_rejected_for_roaming_in_the_area_searches_a_plmn_registered():
    """TS 24.501 5.5.1.3.5 (#13, Rel-18): 5U3, 5GMM-REGISTERED.PLMN-SEARCH for 3GPP
    access; the 5G-GUTI and the security context stay."""
    ue = Ue()
    ue.registered()
    ue.nas.register(ue.tick(), "mobility")
    ue.dl(nas("registration_reject", cause=13))
    assert ue.nas.state is S.REGISTERED_PLMN_SEARCH
    assert ue.nas.update_status is U.ROAMING_NOT_ALLOWED
    assert ue.nas.guti is not None and ue.nas.contexts.current is not None


@pytest.mark.parametrize("cause", [3, 6, 7])
def test_network_deregistration_3_6_7_without_re_registration_invalidates_the_usim(cause):
    """TS 24.501 5.5.2.3.2 (docs/behaviour.md): DEREGISTRATION REQUEST, re-registration not
    required, #3/#6/#7 -> DEREGISTRATION ACCEPT; 5G-GUTI and ngKSI deleted, 5U3, USIM
    invalid for 5GS, 5GMM-DEREGISTERED.NO-SUPI; a deferred AKMA request sees the invalid
    USIM (usim_invalid), as does a later one."""
    ue = Ue()
    ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    ue.drain()
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c1"), ue.tick())
    out = ue.dl(nas("deregistration_request", re_registration_required=False, cause=cause))
    assert uplink(out) == [nas("deregistration_accept")]
    assert ue.nas.state is MmState.DEREGISTERED_NO_SUPI
    assert ue.nas.update_status is U.ROAMING_NOT_ALLOWED
    assert ue.nas.guti is None and ue.nas.contexts.current is None
    reject = ObtainAkmaKeyReject("mail", "c1", USIM_INVALID)
    assert out.index(UsimChanged("invalid")) < out.index(reject)
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c2"), ue.tick())
    assert ue.drain() == [ObtainAkmaKeyReject("mail", "c2", USIM_INVALID)]


def test_network_deregistration_3_with_re_registration_required_keeps_the_usim_valid():
    """TS 24.501 5.5.2.3.2: the #3/#6/#7 handling applies only with "re-registration not
    required"; with it required the cause is ignored: DEREGISTRATION ACCEPT, then the UE
    starts an initial registration itself."""
    ue = Ue()
    ue.registered(ngksi=0)
    out = ue.dl(nas("deregistration_request", re_registration_required=True, cause=3))
    assert [m.msg for m in uplink(out)] == ["deregistration_accept", "registration_request"]
    assert uplink(out)[1].get("registration_type") == "initial"
    assert ue.nas.state is MmState.REGISTERED_INITIATED
    assert ue.usim.valid


def test_registration_reject_with_another_cause_is_the_abnormal_case_with_t3511():
    """TS 24.501 5.5.1.2.5 / 5.5.1.2.7: a REGISTRATION REJECT cause not handled in 5.5.1.2.5
    (#5, unassigned) counts an attempt and starts T3511 at the time of the reject."""
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.drain()
    ue.dl(nas("registration_reject", cause=5))
    assert ue.nas.state is MmState.DEREGISTERED_ATTEMPTING_REGISTRATION
    assert ue.nas.attempt_counter == 1
    assert ue.nas.timers.deadline("T3511") == pytest.approx(ue.now + 10.0)


def test_registration_reject_while_registered_is_answered_with_status_98():
    """TS 24.501 7.2 and 7.5.1: a REGISTRATION REJECT with no registration ongoing is not
    compatible with the protocol state: 5GMM STATUS #98, the state stays."""
    ue = Ue()
    ue.registered()
    ue.drain()
    out = ue.dl(nas("registration_reject", cause=111))
    assert uplink(out) == [nas("status", cause=98)]
    assert ue.nas.state is MmState.REGISTERED_NORMAL_SERVICE


def test_t3519_expiry_deletes_the_stored_suci():
    """TS 24.501 5.5.1.2.2 and table 10.2.1: T3519 starts with the REGISTRATION REQUEST that
    carries a SUCI; at its expiry (60 s) the UE deletes the stored SUCI. A network
    deregistration during the registration stops T3510, not T3519."""
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.dl(nas("deregistration_request", switch_off=False))
    assert "stored SUCI deleted" not in notes(ue.advance(59.0))
    assert "stored SUCI deleted" in notes(ue.advance(2.0))


def test_identity_request_for_the_5g_guti_is_answered_with_the_guti_as_a_mobile_identity():
    """TS 24.501 5.4.3.2 / 9.11.3.4: the 5G-GUTI goes in the IDENTITY RESPONSE as a 5GS
    mobile identity, its first octet 0xF2 (type 5G-GUTI) before the 10 octets the AMF
    assigned."""
    ue = Ue()
    ue.registered(guti=bytes.fromhex("00f110020040c0000580"))
    out = ue.dl(nas("identity_request", identity_type=2))
    identity = bytes.fromhex("f200f110020040c0000580")
    assert uplink(out) == [nas("identity_response", identity=identity)]


def test_network_deregistration_stops_t3511_of_a_failed_registration_update():
    """TS 24.501 5.5.2.3.2: on DEREGISTRATION REQUEST the UE stops T3511 and T3502 (here
    T3511, running in 5GMM-REGISTERED.ATTEMPTING-REGISTRATION-UPDATE after a failed
    periodic update, 5.5.1.3.7)."""
    ue = Ue()
    ue.registered()
    ue.nas.register(ue.tick(), "periodic")
    ue.nas.lower_layer_failure(ue.tick())
    assert ue.nas.timers.running("T3511")
    ue.dl(nas("deregistration_request", switch_off=False))
    assert not ue.nas.timers.running("T3511")


def test_network_deregistration_stops_t3502_after_five_failed_registration_updates():
    """TS 24.501 5.5.2.3.2 / 5.5.1.3.7: the fifth failed update starts T3502; a
    DEREGISTRATION REQUEST from the network stops it."""
    ue = Ue()
    ue.registered()
    ue.nas.register(ue.tick(), "periodic")
    for _ in range(5):
        ue.nas.lower_layer_failure(ue.tick())
        if ue.nas.timers.running("T3511"):
            ue.advance(10.0)
    assert ue.nas.timers.running("T3502")
    ue.dl(nas("deregistration_request", switch_off=False, cause=12))
    assert not ue.nas.timers.running("T3502")

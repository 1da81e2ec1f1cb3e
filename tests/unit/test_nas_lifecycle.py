"""Switch on/off, USIM removal and insertion, deregistration, and the KAUSF lifetime that
goes with them (TS 24.501 5.2.2, 5.5.2; TS 33.501 6.2.2.2)."""

from __future__ import annotations

import pytest
from nas_harness import Ue, kausf_events, make_usim, notes, states, uplink

from ue_stack.crypto import fp
from ue_stack.errors import LocalProtocolError
from ue_stack.events import UsimChanged
from ue_stack.nas.messages import nas
from ue_stack.nas.states import MmState
from ue_stack.primitives import KAUSF_UNAVAILABLE, ObtainAkmaKeyReject, ObtainAkmaKeyRequest

S = MmState


def test_power_on_selects_a_cell_but_does_not_register():
    """TS 24.501 5.2.2.1: NULL -> DEREGISTERED.PLMN-SEARCH -> NORMAL-SERVICE;
    docs/trace-format.md: ``power_on`` does not start registration."""
    ue = Ue()
    ue.nas.power_on(ue.tick())
    out = ue.drain()
    assert states(out) == [
        (S.NULL.value, S.DEREGISTERED_PLMN_SEARCH.value),
        (S.DEREGISTERED_PLMN_SEARCH.value, S.DEREGISTERED_NORMAL_SERVICE.value),
    ]
    assert uplink(out) == []


def test_power_on_without_a_usim_enters_no_supi():
    """TS 24.501 5.2.2.1: no USIM -> 5GMM-DEREGISTERED.NO-SUPI."""
    ue = Ue()
    ue.nas.usim_removed(ue.tick())
    ue.nas.power_on(ue.tick())
    assert ue.nas.state is S.DEREGISTERED_NO_SUPI


def test_kausf_survives_power_off_and_is_reannounced_at_power_on():
    """TS 33.501 6.2.2.2: KAUSF is kept across power-off (USIM non-volatile store);
    at power-on the same fingerprint is announced valid again."""
    ue = Ue()
    chain = ue.registered()
    ue.nas.power_off(ue.tick())
    out = ue.drain()
    assert kausf_events(out) == []
    assert ue.nas.state is S.NULL
    ue.nas.power_on(ue.tick())
    assert kausf_events(ue.drain()) == [("valid", fp(chain.k_ausf))]
    assert ue.usim.kausf == chain.k_ausf
    assert ue.nas.contexts.current is not None  # the current context is kept as well


def test_kausf_survives_deregistration():
    """TS 33.501 6.2.2.2: deregistration does not delete KAUSF."""
    ue = Ue()
    chain = ue.registered()
    ue.nas.deregister(ue.tick())
    ue.dl(nas("deregistration_accept"))
    assert ue.nas.state is S.DEREGISTERED_NORMAL_SERVICE
    assert ue.usim.kausf == chain.k_ausf


def test_usim_removal_while_registered_deregisters_and_deletes_the_kausf():
    """TS 24.501 5.5.2.2.1, TS 33.501 6.2.2.2: DEREGISTRATION REQUEST (switch-off), then
    KAUSF and NAS contexts deleted, 5GMM-DEREGISTERED.NO-SUPI."""
    ue = Ue()
    chain = ue.registered()
    usim = ue.usim
    ue.nas.usim_removed(ue.tick())
    out = ue.drain()
    assert uplink(out) == [nas("deregistration_request", switch_off=True)]
    assert kausf_events(out) == [("deleted", fp(chain.k_ausf))]
    assert [e.action for e in out if isinstance(e, UsimChanged)] == ["removed"]
    assert ue.nas.state is S.DEREGISTERED_NO_SUPI
    assert usim.kausf is None and ue.nas.contexts.current is None
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c"), ue.tick())
    assert ue.drain() == [ObtainAkmaKeyReject("mail", "c", KAUSF_UNAVAILABLE)]


def test_a_different_usim_at_power_up_deletes_the_old_kausf():
    """TS 33.501 6.2.2.2: at power-up with a different USIM the old KAUSF is deleted;
    the new USIM starts without one."""
    ue = Ue()
    chain = ue.registered()
    ue.nas.power_off(ue.tick())
    ue.nas.usim_inserted(make_usim("001010000000002"), ue.tick())
    ue.nas.power_on(ue.tick())
    out = ue.drain()
    assert kausf_events(out) == [("deleted", fp(chain.k_ausf))]
    assert ue.nas.state is S.DEREGISTERED_NORMAL_SERVICE


def test_usim_inserted_while_on_reads_the_new_subscriber():
    """TS 24.501 5.2.2.2: removal of the old USIM, then NO-SUPI -> PLMN-SEARCH ->
    NORMAL-SERVICE with the new one."""
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.usim_inserted(make_usim("001010000000002"), ue.tick())
    out = ue.drain()
    assert [e.action for e in out if isinstance(e, UsimChanged)] == ["removed", "inserted"]
    assert ue.nas.state is S.DEREGISTERED_NORMAL_SERVICE
    assert ue.nas.usim.supi == "001010000000002"


def test_ue_initiated_deregistration_waits_for_the_accept():
    """TS 24.501 5.5.2.2.1/5.5.2.2.2: DEREGISTRATION REQUEST, T3521,
    DEREGISTERED-INITIATED; ACCEPT -> DEREGISTERED."""
    ue = Ue()
    ue.registered()
    ue.nas.deregister(ue.tick())
    out = ue.drain()
    assert uplink(out) == [nas("deregistration_request", switch_off=False)]
    assert ue.nas.state is S.DEREGISTERED_INITIATED and ue.nas.timers.running("T3521")
    ue.dl(nas("deregistration_accept"))
    assert ue.nas.state is S.DEREGISTERED_NORMAL_SERVICE
    assert not ue.nas.timers.running("T3521")


def test_t3521_retransmits_four_times_then_deregisters_locally():
    """TS 24.501 5.5.2.2.6: first four expiries retransmit; the fifth aborts."""
    ue = Ue()
    ue.registered()
    ue.nas.deregister(ue.tick())
    ue.drain()
    out = ue.advance(5 * 15.0)
    assert uplink(out) == [nas("deregistration_request", switch_off=False)] * 4
    assert ue.nas.state is S.DEREGISTERED_NORMAL_SERVICE


def test_switch_off_deregistration_needs_no_accept():
    """TS 24.501 5.5.2.2.1: with switch-off, no DEREGISTRATION ACCEPT is awaited."""
    ue = Ue()
    ue.registered()
    ue.nas.deregister(ue.tick(), switch_off=True)
    assert ue.nas.state is S.DEREGISTERED_NORMAL_SERVICE
    assert not ue.nas.timers.running("T3521")


def test_network_initiated_deregistration_is_accepted():
    """TS 24.501 5.5.2.3.2: DEREGISTRATION ACCEPT, then 5GMM-DEREGISTERED."""
    ue = Ue()
    ue.registered()
    out = ue.dl(nas("deregistration_request", switch_off=False))
    assert uplink(out) == [nas("deregistration_accept")]
    assert ue.nas.state is S.DEREGISTERED_NORMAL_SERVICE


def test_network_deregistration_during_a_registration_stops_t3510():
    """TS 24.501 5.5.2.3.2: DEREGISTRATION REQUEST from the network while the UE registers
    ends the registration: T3510 is stopped, 5GMM-DEREGISTERED."""
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    assert ue.nas.timers.running("T3510")
    ue.dl(nas("deregistration_request", switch_off=False))
    assert not ue.nas.timers.running("T3510")
    assert ue.nas.state is S.DEREGISTERED_NORMAL_SERVICE


def test_lower_layer_failure_during_deregistration_completes_it_locally():
    """TS 24.501 5.5.2.2.6: N1 released before the ACCEPT -> locally deregistered."""
    ue = Ue()
    ue.registered()
    ue.nas.deregister(ue.tick())
    ue.nas.lower_layer_failure(ue.tick())
    assert ue.nas.state is S.DEREGISTERED_NORMAL_SERVICE


def test_lower_layer_failure_while_registered_only_releases_the_connection():
    """docs/trace-format.md ``lower_layer_failure``: no procedure ongoing, the state stays."""
    ue = Ue()
    ue.registered()
    ue.nas.lower_layer_failure(ue.tick())
    out = ue.drain()
    assert ue.nas.state is S.REGISTERED_NORMAL_SERVICE
    assert "N1 signalling connection released" in notes(out)


def test_power_off_ends_the_invalidity_of_the_usim():
    """TS 24.501 5.4.1.3.5: the USIM is invalid until switched off."""
    ue = Ue()
    ue.registered()
    ue.dl(nas("authentication_reject"))
    ue.nas.power_off(ue.tick())
    assert [e.action for e in ue.drain() if isinstance(e, UsimChanged)] == ["valid"]
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    assert ue.nas.state is S.REGISTERED_INITIATED


@pytest.mark.parametrize(
    "powered, illegal",
    [
        (False, lambda nas, now: nas.register(now)),
        (False, lambda nas, now: nas.power_off(now)),
        (False, lambda nas, now: nas.deregister(now)),
        (False, lambda nas, now: nas.lower_layer_failure(now)),
        (True, lambda nas, now: nas.register(now, "mobility")),
        (True, lambda nas, now: nas.register(now, "emergency")),
        (True, lambda nas, now: nas.power_on(now)),
        (True, lambda nas, now: nas.deregister(now)),
    ],
)
def test_local_requests_illegal_in_the_state_raise_local_protocol_error(powered, illegal):
    """h11's rule (README.md "How it is built"; ue_stack/errors.py): the caller's mistake is a
    LocalProtocolError, and the state does not move."""
    ue = Ue()
    if powered:
        ue.nas.power_on(ue.tick())
    before = ue.nas.state
    ue.drain()
    with pytest.raises(LocalProtocolError):
        illegal(ue.nas, ue.tick())
    assert ue.nas.state is before and ue.drain() == []


def test_a_usim_swapped_while_switched_off_leaves_no_nas_context_behind():
    """docs/trace-format.md `usim_inserted`: the card read at power-on is a new USIM, even with the
    same SUPI; the ME keeps no 5G NAS security context or 5G-GUTI of the card that left
    (TS 33.501 6.2.2.2), so the next REGISTRATION REQUEST names no key (ngKSI 111)."""
    ue = Ue()
    ue.registered()
    ue.nas.power_off(ue.tick())
    ue.nas.usim_inserted(make_usim(), ue.tick())
    ue.nas.power_on(ue.tick())
    ue.drain()
    assert ue.nas.contexts.current is None
    assert ue.nas.guti is None
    ue.nas.register(ue.tick())
    [request] = uplink(ue.drain())
    assert (request.msg, request["ngksi"]) == ("registration_request", 7)

"""Security mode control and the KAUSF it takes into use (TS 24.501 5.4.2; TS 33.501
6.2.2.2): the pending KAUSF becomes valid at SMC acceptance and never earlier."""

from __future__ import annotations

from nas_harness import Ue, kausf_events, notes, of_type, smc, uplink

from ue_stack.crypto import fp
from ue_stack.events import KausfChanged, SendN1
from ue_stack.nas.messages import nas
from ue_stack.primitives import ObtainAkmaKeyConfirm, ObtainAkmaKeyRequest


def test_kausf_becomes_valid_only_when_the_smc_is_accepted():
    """TS 24.501 5.4.2.1, TS 33.501 6.2.2.2 ("the UE does not store the new KAUSF until
    receiving the NAS SMC"): pending at AUTHENTICATION RESPONSE, valid at SMC."""
    ue = Ue()
    first = ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    assert ue.usim.kausf == first.k_ausf
    assert [a for a, _ in kausf_events(ue.drain())] == ["pending"]
    ue.dl(smc(ngksi=1))
    assert ue.usim.kausf != first.k_ausf


def test_smc_accept_announces_the_new_kausf_valid_before_security_mode_complete():
    """TS 24.501 5.4.2.3: the pending KAUSF replaces the valid one, announced before
    SECURITY MODE COMPLETE (the order NAS-1 and AKMA-2 read)."""
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    chain = ue.authenticate(ngksi=2)
    ue.drain()
    out = ue.dl(smc(ngksi=2))
    order = [type(e) for e in out if isinstance(e, KausfChanged | SendN1)]
    assert order == [KausfChanged, SendN1]
    assert kausf_events(out) == [("valid", fp(chain.k_ausf))]
    assert uplink(out) == [nas("security_mode_complete")]
    assert ue.usim.kausf == chain.k_ausf
    current = ue.nas.contexts.current
    assert current.ngksi == 2 and (current.nea, current.nia) == (2, 2)
    assert ue.nas.contexts.partial is None
    assert not ue.nas.timers.running("T3516")


def test_smc_reject_23_on_capability_mismatch_keeps_the_old_kausf():
    """TS 24.501 5.4.2.5: replayed UE security capabilities differ -> #23; the old
    KAUSF stays valid, the pending one is dropped."""
    ue = Ue(sec_cap=bytes.fromhex("e0e0"))
    first = ue.registered(ngksi=0)  # no replayed caps: accepted
    ue.authenticate(ngksi=1)
    ue.drain()
    out = ue.dl(smc(ngksi=1, replayed_ue_sec_cap=bytes.fromhex("8080")))
    assert uplink(out) == [nas("security_mode_reject", cause=23)]
    assert ue.usim.kausf == first.k_ausf
    assert ue.nas.kausf.pending is None and ue.nas.contexts.partial is None
    assert kausf_events(out) == []
    assert "pending KAUSF dropped" in notes(out)


def test_smc_reject_24_when_the_ngksi_names_no_stored_context():
    """TS 24.501 5.4.2.5: an SMC for an unknown ngKSI is rejected (#24); the old KAUSF
    stays valid."""
    ue = Ue()
    first = ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    ue.drain()
    out = ue.dl(smc(ngksi=5))
    assert uplink(out) == [nas("security_mode_reject", cause=24)]
    assert ue.usim.kausf == first.k_ausf
    assert ue.nas.contexts.current.ngksi == 0


def test_smc_with_matching_capabilities_is_accepted():
    """TS 24.501 5.4.2.3: replayed capabilities equal to the UE's -> accepted."""
    ue = Ue(sec_cap=bytes.fromhex("e0e0"))
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.authenticate(ngksi=0)
    ue.drain()
    out = ue.dl(smc(ngksi=0, replayed_ue_sec_cap=bytes.fromhex("E0E0")))
    assert uplink(out) == [nas("security_mode_complete")]


def test_smc_for_the_current_context_changes_algorithms_without_a_new_kausf():
    """TS 24.501 5.4.2.3: an SMC naming the current context takes new algorithms into
    use; KAUSF does not change."""
    ue = Ue()
    first = ue.registered(ngksi=0)
    out = ue.dl(nas("security_mode_command", ngksi=0, nea=1, nia=1))
    assert uplink(out) == [nas("security_mode_complete")]
    assert kausf_events(out) == []
    assert (ue.nas.contexts.current.nea, ue.nas.contexts.current.nia) == (1, 1)
    assert ue.usim.kausf == first.k_ausf


def test_smc_selecting_5g_ia0_outside_an_emergency_is_rejected_24_and_keeps_the_old_kausf():
    """TS 24.501 5.4.2.3, TS 33.501 5.5.2 (docs/behaviour.md): an SMC selecting 5G-IA0 (nia
    0) outside an emergency -> SECURITY MODE REJECT #24; the pending KAUSF is dropped,
    the old one stays valid and a deferred AKMA request is answered from it."""
    ue = Ue()
    first = ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    ue.drain()
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", "c1"), ue.tick())
    out = ue.dl(nas("security_mode_command", ngksi=1, nea=0, nia=0))
    assert uplink(out) == [nas("security_mode_reject", cause=24)]
    assert kausf_events(out) == []
    assert ue.usim.kausf == first.k_ausf
    assert ue.nas.kausf.pending is None and ue.nas.contexts.partial is None
    assert ue.nas.contexts.current.ngksi == 0
    (confirm,) = of_type(out, ObtainAkmaKeyConfirm)
    assert confirm.k_ausf_fp == fp(first.k_ausf)

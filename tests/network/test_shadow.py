"""The shadow network of replay: it follows the model's uplink (docs/behaviour.md)."""

from __future__ import annotations

import random

from net_fakes import OPC, SNN, SUPI, FakeUe, K

from ue_stack.crypto import akma
from ue_stack.crypto.milenage import compute_opc
from ue_stack.crypto.secret import fp
from ue_stack.events import AanfChanged, AfSessionRequest, AfSessionResult, Note
from ue_stack.nas.messages import nas
from ue_stack.network.shadow import ShadowNetwork
from ue_stack.network.udm import Subscriber, Udm

FQDN, UA = "af.example.com", bytes.fromhex("0100000007")


def challenge(sqn_ms: bytes = bytes(6), ngksi: int = 0):
    udm = Udm(random.Random(11))
    udm.add(Subscriber(SUPI, K, OPC, sqn_ms))
    av = udm.generate_av(SUPI, SNN)
    return nas("authentication_request", ngksi=ngksi, abba=b"\x00\x00", rand=av.rand,
               autn=av.autn)


def shadow() -> ShadowNetwork:
    return ShadowNetwork(SUPI, SNN, k=K, opc=OPC)


def test_shadow_registers_akma_when_the_model_sends_the_right_res_star():
    """TS 33.501 6.1.3.2, TS 33.535 6.1: the model's correct RES* for the trace's RAND
    makes the AUSF store KAUSF and register A-KID/KAKMA at the AAnF."""
    net, ue = shadow(), FakeUe()
    dl = challenge()
    net.observe_dl(dl, 1.0)
    (response,) = ue.on_dl(dl)
    net.handle_ul(response, 1.1)
    a_kid = akma.a_kid("0", akma.a_tid(_partial_kausf(ue), SUPI), "001", "01")
    (event,) = net.outbox.drain()
    assert isinstance(event, AanfChanged) and event.action == "registered"
    assert event.a_kid == a_kid


def _partial_kausf(ue: FakeUe) -> bytes:
    return ue._partial[1]


def test_shadow_ignores_a_wrong_res_star_and_a_synch_failure():
    net = shadow()
    net.observe_dl(challenge(), 1.0)
    net.handle_ul(nas("authentication_failure", cause=21, auts=bytes(14)), 1.1)
    assert net.outbox.drain() == []
    net.handle_ul(nas("authentication_response", res_star=bytes(16)), 1.2)
    (note,) = net.outbox.drain()
    assert isinstance(note, Note) and len(net.aanf) == 0


def test_shadow_does_not_register_twice_for_a_retransmitted_challenge():
    """TS 24.501 5.4.1.3 step 0: the UE answers a retransmitted RAND with the stored RES*;
    that is not a new authentication."""
    net, ue = shadow(), FakeUe()
    dl = challenge()
    net.observe_dl(dl, 1.0)
    (response,) = ue.on_dl(dl)
    net.handle_ul(response, 1.1)
    net.observe_dl(dl, 2.0)
    net.handle_ul(response, 2.1)
    out = net.outbox.drain()
    assert [type(e) for e in out] == [AanfChanged, Note]


def test_shadow_af_session_checks_the_ues_kaf():
    net, ue = shadow(), FakeUe()
    dl = challenge()
    net.observe_dl(dl, 1.0)
    net.handle_ul(ue.on_dl(dl)[0], 1.1)
    kausf = _partial_kausf(ue)
    a_kid = akma.a_kid("0", akma.a_tid(kausf, SUPI), "001", "01")
    k_af = akma.k_af(akma.k_akma(kausf, SUPI), akma.af_id(FQDN, UA))
    net.outbox.drain()
    result = net.handle_af_session(AfSessionRequest("mail", FQDN, UA, a_kid, fp(k_af)), 2.0)
    assert isinstance(result, AfSessionResult)
    assert (result.result, result.supi) == ("ok", SUPI)
    net.handle_op("aanf_context_remove", {}, 3.0)
    result = net.handle_af_session(AfSessionRequest("mail", FQDN, UA, a_kid, fp(k_af)), 4.0)
    assert result.result == "unknown_a_kid"


def test_shadow_notes_simulation_only_ops():
    net = shadow()
    net.handle_op("reauthenticate", {}, 1.0)
    net.handle_op("drop_next", {"msg": "security_mode_command"}, 1.0)
    assert [type(e) for e in net.outbox.drain()] == [Note, Note]


def test_shadow_without_k_cannot_verify_and_checks_no_af_session():
    net = ShadowNetwork(SUPI, "5G:odd-core-name")
    assert net.can_verify is False
    net.observe_dl(challenge(), 1.0)
    net.handle_ul(nas("authentication_response", res_star=bytes(16)), 1.1)
    assert net.handle_af_session(AfSessionRequest("mail", FQDN, UA, "x@y", "00"), 2.0) is None
    (note,) = net.outbox.drain()
    assert "K/OPc" in note.text


def test_shadow_registers_the_a_kid_in_the_home_realm_with_the_rid():
    """docs/keys.md A-KID: the realm names the home PLMN (here 999/70, not the serving 001/01)
    and the username the RID."""
    opc = compute_opc(K, bytes.fromhex("cdc202d5123e20f62b6d676ac72cb318"))
    net = ShadowNetwork(SUPI, SNN, k=K, opc=opc, rid="7", home_mcc="999", home_mnc="70")
    ue = FakeUe()
    dl = challenge()
    net.observe_dl(dl, 1.0)
    net.handle_ul(ue.on_dl(dl)[0], 1.1)  # OPc computed from OP matches TS 35.208 set 1
    (event,) = net.outbox.drain()
    assert event.a_kid.startswith("rid7.") and event.a_kid.endswith("mnc070.mcc999.3gppnetwork.org")


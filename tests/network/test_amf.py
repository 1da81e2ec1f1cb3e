"""AMF/SEAF (TS 24.501 5.4.1.3, 5.4.2, 5.5.1, 5.5.2; TS 33.501 6.1.3.2), driven through a
fake UE over an in-memory link."""

from __future__ import annotations

import random

import pytest
from net_fakes import OPC, SNN, SUPI, FakeUe, K, events, msgs, n1, pump, register

from ue_stack.crypto.aka import AuthCheck, verify_autn
from ue_stack.events import AanfChanged, Note, SendN1, StateChanged
from ue_stack.nas.messages import nas
from ue_stack.network.aanf import Aanf
from ue_stack.network.amf import TRANSITIONS as AMF_TRANSITIONS
from ue_stack.network.amf import Amf, AmfConfig, AmfState
from ue_stack.network.ausf import Ausf
from ue_stack.network.udm import Subscriber, Udm


def make_amf(config: AmfConfig | None = None, **sub) -> Amf:
    udm = Udm(random.Random(3))
    udm.add(Subscriber(SUPI, K, OPC, **sub))
    aanf = Aanf()
    amf = Amf(SUPI, Ausf(udm, aanf), SNN, config)
    aanf.outbox = amf.outbox  # one outbox, as in the twin: causal order
    return amf


def downlink(amf: Amf) -> list:
    return [e.message for e in amf.outbox.drain() if isinstance(e, SendN1)]


def registered(config: AmfConfig | None = None, **sub) -> tuple[Amf, FakeUe]:
    amf, ue = make_amf(config, **sub), FakeUe()
    register(amf, ue)
    assert amf.state is AmfState.REGISTERED
    return amf, ue


def test_amf_initial_registration_runs_5g_aka_smc_and_accept():
    """TS 24.501 5.5.1.2: AUTHENTICATION REQUEST (ngKSI 0, ABBA 0000), SMC with NEA2/NIA2,
    REGISTRATION ACCEPT with a 5G-GUTI, REGISTRATION COMPLETE -> 5GMM-REGISTERED; the
    AAnF registration comes at RES* verification, before the SMC is sent."""
    amf, ue = make_amf(), FakeUe()
    run = register(amf, ue)
    assert msgs(run) == [
        "ul:registration_request", "dl:authentication_request",
        "ul:authentication_response", "dl:security_mode_command",
        "ul:security_mode_complete", "dl:registration_accept", "ul:registration_complete",
    ]
    auth = n1(run)[1][1]
    assert (auth["ngksi"], auth["abba"]) == (0, b"\x00\x00")
    smc = n1(run)[3][1]
    assert (smc["ngksi"], smc["nea"], smc["nia"]) == (0, 2, 2)
    assert "replayed_ue_sec_cap" not in smc.fields
    order = [type(e).__name__ if d == "ev" else e.msg for d, e in run]
    assert order.index("AanfChanged") < order.index("security_mode_command")
    assert amf.state is AmfState.REGISTERED and amf.ngksi == 0
    assert ue.k_ausf == amf.ausf.k_ausf(SUPI)


def test_amf_replays_the_ue_security_capability_when_configured():
    """TS 24.501 5.4.2.2: the SMC carries the replayed UE security capabilities."""
    amf, ue = make_amf(AmfConfig(replayed_ue_sec_cap=b"\xf0\xf0")), FakeUe(sec_cap=b"\xf0\xf0")
    run = register(amf, ue)
    smc = next(m for d, m in run if d == "dl" and m.msg == "security_mode_command")
    assert smc["replayed_ue_sec_cap"] == b"\xf0\xf0"
    assert amf.state is AmfState.REGISTERED


def test_amf_resends_the_same_challenge_with_a_new_ngksi_after_71():
    """TS 24.501 5.4.1.3.7 c): ngKSI already in use -> the same 5G authentication
    challenge with a new ngKSI."""
    amf, ue = registered()
    amf.reuse_ngksi_next()
    amf.reauthenticate(1.0)
    run = pump(amf, ue, None, 1.0)
    first, second = [m for d, m in run if d == "dl" and m.msg == "authentication_request"]
    assert first["ngksi"] == 0  # the ngKSI of the context in use
    assert [m["cause"] for d, m in run if d == "ul" and m.msg == "authentication_failure"] == [71]
    assert (second["rand"], second["autn"]) == (first["rand"], first["autn"])
    assert second["ngksi"] != first["ngksi"]
    assert "ul:security_mode_complete" in msgs(run)
    assert amf.ngksi == second["ngksi"] and amf.state is AmfState.REGISTERED


def test_amf_resynchronises_after_21_and_sends_a_new_fresh_challenge():
    """TS 24.501 5.4.1.3.7 d), TS 33.501 6.1.3.3.2: #21 with AUTS -> the UDM resynchronises
    from AUTS, a new challenge follows and succeeds."""
    amf, ue = make_amf(), FakeUe(sqn_ms=bytes.fromhex("000000000400"))
    run = register(amf, ue)
    assert msgs(run)[:5] == [
        "ul:registration_request", "dl:authentication_request", "ul:authentication_failure",
        "dl:authentication_request", "ul:authentication_response",
    ]
    failure = n1(run)[2][1]
    assert failure["cause"] == 21 and len(failure["auts"]) == 14
    assert n1(run)[1][1]["rand"] != n1(run)[3][1]["rand"]
    assert amf.state is AmfState.REGISTERED


def test_amf_rejects_when_resynchronisation_fails():
    amf = make_amf()
    downlink(amf)
    amf.handle_n1(nas("registration_request", registration_type="initial", ngksi=7), 0.0)
    downlink(amf)
    amf.handle_n1(nas("authentication_failure", cause=21, auts=bytes(14)), 0.0)
    assert [m.msg for m in downlink(amf)] == ["authentication_reject"]
    assert amf.state is AmfState.DEREGISTERED


def test_amf_sends_authentication_reject_after_repeated_mac_failures():
    """TS 24.501 5.4.1.3.7 a): #20 -> a new challenge; at the limit (2) AUTHENTICATION
    REJECT (TS 24.501 5.4.1.3.5), the UE is deregistered."""
    amf, ue = make_amf(), FakeUe(k=bytes(16))  # a USIM whose K the network does not have
    run = register(amf, ue)
    assert msgs(run) == [
        "ul:registration_request", "dl:authentication_request", "ul:authentication_failure",
        "dl:authentication_request", "ul:authentication_failure", "dl:authentication_reject",
    ]
    assert {m["cause"] for d, m in run if d == "ul" and m.msg == "authentication_failure"} == {20}
    assert amf.state is AmfState.DEREGISTERED and amf.ngksi is None
    assert events(run, AanfChanged) == []


def test_amf_recovers_after_26_with_a_5g_av():
    """TS 24.501 5.4.1.3.7 e): #26 (separation bit 0) -> a new challenge; the USIM had
    accepted the SQN, so the new AV carries a higher one and succeeds."""
    amf, ue = make_amf(), FakeUe()
    amf.ausf.udm.corrupt_next(SUPI, "separation_bit")
    run = register(amf, ue)
    causes = [m["cause"] for d, m in run if d == "ul" and m.msg == "authentication_failure"]
    assert causes == [26]
    assert amf.state is AmfState.REGISTERED


def test_amf_rejects_a_wrong_res_star():
    """TS 24.501 5.4.1.3.5, TS 33.501 6.1.3.2 step 10: HRES* != HXRES* -> AUTHENTICATION
    REJECT, and nothing reaches the AAnF."""
    amf = make_amf()
    amf.handle_n1(nas("registration_request", registration_type="initial", ngksi=7), 0.0)
    downlink(amf)
    amf.handle_n1(nas("authentication_response", res_star=bytes(16)), 0.0)
    out = amf.outbox.drain()
    assert [e.message.msg for e in out if isinstance(e, SendN1)] == ["authentication_reject"]
    assert not any(isinstance(e, AanfChanged) for e in out)


def test_amf_ignores_a_duplicated_authentication_response():
    """A response the link duplicated arrives when no challenge is pending: no reject."""
    amf, _ue = registered()
    amf.handle_n1(nas("authentication_response", res_star=bytes(16)), 5.0)
    assert downlink(amf) == [] and amf.state is AmfState.REGISTERED


def test_amf_reauthentication_uses_a_new_ngksi_and_replaces_the_aanf_context():
    """Network-triggered primary authentication (TS 33.501 6.1.3): new ngKSI, new KAUSF,
    the AAnF context is replaced at RES* verification (TS 33.535 6.1)."""
    amf, ue = registered()
    assert amf.reauthenticate(10.0) is True
    run = pump(amf, ue, None, 10.0)
    auth = n1(run)[0][1]
    assert auth.msg == "authentication_request" and auth["ngksi"] == 1
    assert [e.action for e in events(run, AanfChanged)] == ["replaced"]
    assert amf.ngksi == 1 and amf.state is AmfState.REGISTERED
    assert "dl:registration_accept" not in msgs(run)


def test_amf_does_not_reauthenticate_an_unregistered_ue():
    amf = make_amf()
    assert amf.reauthenticate(0.0) is False
    assert downlink(amf) == []


def test_amf_ngksi_cycles_through_0_to_6_skipping_the_one_in_use():
    amf, ue = registered()
    seen = []
    for i in range(8):
        amf.reauthenticate(float(i))
        run = pump(amf, ue, None, float(i))
        seen.append(n1(run)[0][1]["ngksi"])
    assert seen == [1, 2, 3, 4, 5, 6, 0, 1]


def test_amf_retransmits_authentication_request_on_t3560_and_aborts_on_the_fifth_expiry():
    """TS 24.501 5.4.1.3.7 b), 10.2.2: T3560 (6 s) -> four retransmissions, abort at the
    fifth expiry."""
    amf, _ = registered()
    amf.reauthenticate(10.0)
    original = downlink(amf)[0]
    now, resent = 10.0, []
    while (deadline := amf.next_deadline()) is not None:
        now = deadline
        amf.handle_timer(now)
        resent += downlink(amf)
    assert resent == [original] * 4
    assert now == pytest.approx(40.0)
    assert amf.state is AmfState.REGISTERED and amf.ngksi == 0


def test_amf_keeps_the_old_context_after_security_mode_reject():
    """TS 24.501 5.4.2.5: SECURITY MODE REJECT aborts the procedure; both sides keep the
    context in use before it. The AAnF already holds the new A-KID (window W2)."""
    amf, _ = registered(AmfConfig(replayed_ue_sec_cap=b"\xf0\xf0"))
    ue = FakeUe(sec_cap=b"\xf0\xf0")
    ue.ngksi = 0
    amf.sec_cap_mismatch_next()
    amf.reauthenticate(10.0)
    run = pump(amf, ue, None, 10.0)
    assert msgs(run)[-1] == "ul:security_mode_reject"
    assert [e.action for e in events(run, AanfChanged)] == ["replaced"]
    assert amf.ngksi == 0 and amf.state is AmfState.REGISTERED
    assert amf.next_deadline() is None


def test_amf_answers_ue_deregistration_unless_switch_off():
    """TS 24.501 5.5.2.2.2: DEREGISTRATION ACCEPT, except for a switch-off."""
    amf, ue = registered()
    amf.handle_n1(nas("deregistration_request", switch_off=True), 5.0)
    assert downlink(amf) == [] and amf.state is AmfState.DEREGISTERED
    register(amf, ue, 6.0)
    amf.handle_n1(nas("deregistration_request", switch_off=False), 7.0)
    assert [m.msg for m in downlink(amf)] == ["deregistration_accept"]


def test_amf_network_deregistration_waits_for_accept_under_t3522():
    """TS 24.501 5.5.2.3: DEREGISTRATION REQUEST, T3522 retransmission, accept -> done."""
    amf, _ue = registered()
    assert amf.deregister(5.0) is True
    assert amf.state is AmfState.DEREGISTERED_INITIATED
    (request,) = downlink(amf)
    assert request.msg == "deregistration_request"
    amf.handle_timer(11.0)
    assert downlink(amf) == [request]
    amf.handle_n1(nas("deregistration_accept"), 12.0)
    assert amf.state is AmfState.DEREGISTERED and amf.next_deadline() is None


def test_amf_ignores_an_identical_registration_request_during_the_procedure():
    """TS 24.501 5.5.1.2.8 d): same IEs -> continue the procedure, no second challenge."""
    amf = make_amf()
    req = nas("registration_request", registration_type="initial", ngksi=7)
    amf.handle_n1(req, 0.0)
    first = downlink(amf)
    amf.handle_n1(req, 0.5)
    assert [m.msg for m in first] == ["authentication_request"]
    assert downlink(amf) == []


def test_amf_resends_registration_accept_until_registration_complete():
    """TS 24.501 5.5.1.2.8: T3550 guards REGISTRATION ACCEPT with a new 5G-GUTI."""
    amf, ue = make_amf(), FakeUe()
    amf.handle_n1(nas("registration_request", registration_type="initial", ngksi=7), 0.0)
    (auth,) = downlink(amf)
    amf.handle_n1(ue.on_dl(auth)[0], 0.0)
    (smc,) = downlink(amf)
    amf.handle_n1(ue.on_dl(smc)[0], 0.0)
    (accept,) = downlink(amf)
    assert accept.msg == "registration_accept" and amf.state is AmfState.COMMON_PROCEDURE_INITIATED
    amf.handle_timer(6.0)
    assert downlink(amf) == [accept]
    amf.handle_n1(nas("registration_complete"), 6.5)
    assert amf.state is AmfState.REGISTERED and amf.next_deadline() is None


def test_amf_challenges_verify_on_the_usim_side():
    amf = make_amf()
    amf.handle_n1(nas("registration_request", registration_type="initial", ngksi=7), 0.0)
    (auth,) = downlink(amf)
    assert verify_autn(K, OPC, auth["rand"], auth["autn"], bytes(6)).outcome is AuthCheck.OK


def amf_states(transcript) -> list[tuple[str, str]]:
    changes = events(transcript, StateChanged)
    assert all(e.layer == "amf" and e.supi == SUPI for e in changes)
    return [(e.from_, e.to) for e in changes]


def test_amf_state_changes_come_from_its_one_table_and_name_the_ue():
    """TS 24.501 5.1.3.2.3 (docs/exchange-log.md): the AMF's 5GMM states move only by its
    transition table, each move a `state` event with layer amf and the UE it concerns."""
    amf, ue = make_amf(), FakeUe()
    run = register(amf, ue)
    assert amf_states(run) == [
        ("5GMM-DEREGISTERED", "5GMM-COMMON-PROCEDURE-INITIATED"),
        ("5GMM-COMMON-PROCEDURE-INITIATED", "5GMM-REGISTERED"),
    ]
    allowed = {
        (src.value, dest.value)
        for _trigger, sources, dest in AMF_TRANSITIONS if dest is not None
        for src in (sources if isinstance(sources, list) else [sources])
    }
    amf.deregister(1.0)
    run += pump(amf, ue, None, 1.0)
    assert amf_states(run)[-2:] == [
        ("5GMM-REGISTERED", "5GMM-DEREGISTERED-INITIATED"),
        ("5GMM-DEREGISTERED-INITIATED", "5GMM-DEREGISTERED"),
    ]
    assert set(amf_states(run)) <= allowed
    assert not any(isinstance(e, Note) and e.text == "state" for _, e in run)


def test_amf_selecting_5g_ia0_meets_security_mode_reject_24_and_keeps_the_old_context():
    """TS 24.501 5.4.2.3/5.4.2.5, TS 33.501 5.5.2: an AMF told to select 5G-IA0 sends it in
    the SMC; the UE's SECURITY MODE REJECT #24 aborts the re-authentication, the old
    context stays in use — while the AAnF already holds the new KAKMA (window W2)."""
    amf, ue = registered()
    amf.nia0_next()
    amf.reauthenticate(1.0)
    (challenge,) = downlink(amf)
    (response,) = ue.on_dl(challenge)
    amf.handle_n1(response, 1.0)
    out = amf.outbox.drain()
    (command,) = [e.message for e in out if isinstance(e, SendN1)]
    assert (command.msg, command["nia"]) == ("security_mode_command", 0)
    assert [e.action for e in out if isinstance(e, AanfChanged)] == ["replaced"]
    amf.handle_n1(nas("security_mode_reject", cause=24), 1.0)  # as the NAS model answers
    assert amf.state is AmfState.REGISTERED and amf.ngksi == 0
    amf.reauthenticate(2.0)
    command = next(m for d, m in pump(amf, ue, None, 2.0)
                   if d == "dl" and m.msg == "security_mode_command")
    assert command["nia"] == 2  # only the next SMC


def test_amf_configured_for_nia0_selects_it_in_every_smc():
    amf, ue = make_amf(AmfConfig(nia=0)), FakeUe()
    run = register(amf, ue)
    assert next(m for d, m in run if d == "dl" and m.msg == "security_mode_command")["nia"] == 0


def test_amf_deregistration_carries_its_cause_and_re_registration_flag():
    """TS 24.501 5.5.2.3.1, 8.2.14: the network's DEREGISTRATION REQUEST names the 5GMM
    cause and whether re-registration is required; without a cause it stays plain."""
    amf, _ = registered()
    amf.deregister(1.0, cause=3)
    (request,) = downlink(amf)
    assert dict(request.fields) == {"cause": 3, "re_registration_required": False}
    amf.handle_n1(nas("deregistration_accept"), 1.0)
    amf, _ = registered()
    amf.deregister(1.0)
    assert dict(downlink(amf)[0].fields) == {}


def test_amf_rejects_the_next_registration_after_res_star_when_told():
    """TS 24.501 5.5.1.2.5: REGISTRATION REJECT with the cause, sent once RES* is verified
    (the AAnF already registered the new KAKMA); the AMF is 5GMM-DEREGISTERED."""
    amf, ue = make_amf(), FakeUe()
    amf.reject_next_registration(3)
    run = register(amf, ue)
    assert msgs(run)[-1] == "dl:registration_reject"
    assert n1(run)[-1][1]["cause"] == 3
    assert amf.state is AmfState.DEREGISTERED and amf.ngksi is None
    assert amf_states(run)[-1] == ("5GMM-COMMON-PROCEDURE-INITIATED", "5GMM-DEREGISTERED")

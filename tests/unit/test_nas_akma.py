"""The AKMA primitive of TS 24.501 4.21 and the deferral that closes window W1
(docs/behaviour.md): KAKMA/A-KID from the valid KAUSF, rejects, deferral and its end."""

from __future__ import annotations

import json

import pytest
from nas_harness import OPC, SNN, K, Ue, auth_request, notes, smc

from ue_stack.crypto import a_kid, aka_chain, fp
from ue_stack.events import UsimChanged
from ue_stack.nas.messages import nas
from ue_stack.primitives import (
    KAUSF_UNAVAILABLE,
    PROCEDURE_ABORTED,
    USIM_INVALID,
    ObtainAkmaKeyConfirm,
    ObtainAkmaKeyReject,
    ObtainAkmaKeyRequest,
)


def ask(ue: Ue, corr: str = "c1") -> list:
    ue.nas.handle_primitive(ObtainAkmaKeyRequest("mail", corr), ue.tick())
    return ue.drain()


def confirms(events: list) -> list[ObtainAkmaKeyConfirm]:
    return [e for e in events if isinstance(e, ObtainAkmaKeyConfirm)]


def test_akma_confirm_carries_kakma_and_a_kid_of_the_vector_chain(vectors):
    """TS 24.501 4.21, TS 33.535 A.2/A.3/6.1: KAKMA and A-TID from the valid KAUSF,
    pinned to the pycrate chain of tests/data/vectors."""
    data = json.loads((vectors / "5g-aka-akma-chains.json").read_text())
    vector = next(c for c in data["chains"] if c["name"] == "pycrate-auc-5g")["outputs"]
    chain = aka_chain(K, OPC, bytes(16), bytes.fromhex("000000000002"), b"\x80\x00", SNN)
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.dl(auth_request(chain, ngksi=0))
    ue.dl(smc(ngksi=0))
    (confirm,) = confirms(ask(ue))
    assert confirm.k_akma.hex() == vector["k_akma"]
    assert confirm.a_kid == a_kid("0", bytes.fromhex(vector["a_tid"]), "001", "01")
    assert confirm.k_ausf_fp == fp(bytes.fromhex(vector["k_ausf"]))
    assert (confirm.app, confirm.corr) == ("mail", "c1")


def test_akma_request_without_a_valid_kausf_is_rejected():
    """TS 24.501 4.21 ("if available"): no valid KAUSF yet -> kausf_unavailable, even
    with a pending one (NAS never derives from the pending KAUSF)."""
    ue = Ue(akma_defer=False)
    ue.nas.power_on(ue.tick())
    ue.drain()
    assert ask(ue) == [ObtainAkmaKeyReject("mail", "c1", KAUSF_UNAVAILABLE)]
    ue.nas.register(ue.tick())
    ue.authenticate()
    ue.drain()
    assert ask(ue, "c2") == [ObtainAkmaKeyReject("mail", "c2", KAUSF_UNAVAILABLE)]


def test_deferred_akma_request_is_answered_after_the_smc_from_the_new_kausf():
    """docs/behaviour.md W1: a request during a primary authentication waits for the SMC and
    is answered from the new KAUSF, after it is announced valid."""
    ue = Ue()
    ue.registered(ngksi=0)
    second = ue.authenticate(ngksi=1)
    ue.drain()
    out = ask(ue)
    assert confirms(out) == [] and ue.nas.deferred_requests == 1
    assert any("deferred" in n for n in notes(out))
    out = ue.dl(smc(ngksi=1))
    (confirm,) = confirms(out)
    assert confirm.k_ausf_fp == fp(second.k_ausf)
    valid_at = next(i for i, e in enumerate(out) if getattr(e, "action", "") == "valid")
    assert valid_at < out.index(confirm)
    assert ue.nas.deferred_requests == 0


def test_without_deferral_the_request_is_answered_at_once_from_the_old_kausf():
    """docs/behaviour.md W1 demonstration (akma_defer off): between RES* and SMC the answer
    comes from the old KAUSF, whose A-KID the AAnF has already replaced."""
    ue = Ue(akma_defer=False)
    first = ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    ue.drain()
    (confirm,) = confirms(ask(ue))
    assert confirm.k_ausf_fp == fp(first.k_ausf)


def test_deferred_request_is_answered_from_the_old_kausf_when_the_smc_is_rejected():
    """docs/behaviour.md W1/W2: SECURITY MODE REJECT ends the deferral; the old KAUSF is
    still the valid one."""
    ue = Ue()
    first = ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    ue.drain()
    ask(ue)
    out = ue.dl(smc(ngksi=6))
    (confirm,) = confirms(out)
    assert confirm.k_ausf_fp == fp(first.k_ausf)


def test_deferred_request_is_answered_when_t3516_expires():
    """docs/behaviour.md W1: T3516 expiry ends the deferral (SMC lost)."""
    ue = Ue()
    first = ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    ue.drain()
    ask(ue)
    out = ue.advance(30.0)
    (confirm,) = confirms(out)
    assert confirm.k_ausf_fp == fp(first.k_ausf)


def test_deferred_request_is_answered_when_the_n1_connection_is_released():
    """docs/behaviour.md W1: N1 release ends the deferral."""
    ue = Ue()
    ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    ue.drain()
    ask(ue)
    ue.nas.lower_layer_failure(ue.tick())
    assert len(confirms(ue.drain())) == 1


def test_requests_still_deferred_at_the_end_of_the_run_are_rejected_procedure_aborted():
    """docs/trace-format.md (end of a trace): every request is answered."""
    ue = Ue()
    ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    ue.drain()
    ask(ue, "a")
    ask(ue, "b")
    ue.nas.end_of_run(ue.tick())
    assert ue.drain() == [
        ObtainAkmaKeyReject("mail", "a", PROCEDURE_ABORTED),
        ObtainAkmaKeyReject("mail", "b", PROCEDURE_ABORTED),
    ]


def test_nas_derives_afresh_for_every_request_and_keeps_no_kakma():
    """TS 24.501 4.21: every request is answered from the KAUSF valid at that moment."""
    ue = Ue(akma_defer=False)
    ue.registered(ngksi=0)
    (c1,) = confirms(ask(ue, "1"))
    ue.authenticate(ngksi=1)
    ue.dl(smc(ngksi=1))
    (c2,) = confirms(ask(ue, "2"))
    assert c1.k_akma != c2.k_akma and c1.a_kid != c2.a_kid
    assert all(value != c2.k_akma for value in vars(ue.nas).values())


def test_akma_request_while_switched_off_is_rejected():
    """The NAS layer cannot read the USIM while switched off: kausf_unavailable."""
    ue = Ue()
    ue.registered()
    ue.nas.power_off(ue.tick())
    ue.drain()
    assert ask(ue) == [ObtainAkmaKeyReject("mail", "c1", KAUSF_UNAVAILABLE)]


@pytest.mark.parametrize("cause", [3, 6, 7])
def test_registration_reject_3_6_7_invalidates_the_usim_before_deferred_requests_are_answered(
    cause,
):
    """docs/behaviour.md "Order within one input"; TS 24.501 5.5.1.3.5: REGISTRATION REJECT
    #3/#6/#7 during a re-authentication makes the USIM invalid first, so the deferred
    request is rejected usim_invalid — never confirmed from the about-to-be-invalid
    context."""
    ue = Ue()
    ue.registered(ngksi=0)
    ue.nas.register(ue.tick(), "mobility")
    ue.authenticate(ngksi=1)
    ue.drain()
    ask(ue)
    out = ue.dl(nas("registration_reject", cause=cause))
    assert confirms(out) == []
    reject = ObtainAkmaKeyReject("mail", "c1", USIM_INVALID)
    assert reject in out
    assert out.index(UsimChanged("invalid")) < out.index(reject)


def test_request_deferred_over_a_power_off_is_answered_from_the_kausf_that_survives_it():
    """docs/behaviour.md "Order within one input": power-off ends the deferral but changes
    no KAUSF (TS 33.501 6.2.2.2), so the answer comes from the valid one."""
    ue = Ue()
    first = ue.registered(ngksi=0)
    ue.authenticate(ngksi=1)
    ue.drain()
    ask(ue)
    ue.nas.power_off(ue.tick())
    (confirm,) = confirms(ue.drain())
    assert confirm.k_ausf_fp == fp(first.k_ausf)

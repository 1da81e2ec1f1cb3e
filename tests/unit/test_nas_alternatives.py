"""Permitted alternatives (ue_stack/nas/alternatives.py): where the spec leaves the UE a
choice, the model keeps its own unless its chooser takes another permitted one — which
then is what the UE does, state and all. An answer no entry permits is never offered."""

from __future__ import annotations

from nas_harness import Ue, auth_request, uplink

from ue_stack.nas import alternatives
from ue_stack.nas.alternatives import Choice
from ue_stack.nas.messages import nas


def registering() -> Ue:
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.drain()
    return ue


def _taking(cause: int, seen: list[Choice]):
    def choose(choice: Choice) -> int:
        seen.append(choice)
        return alternatives.recorded_option(choice, nas("authentication_failure", cause=cause))
    return choose


def _bad_mac(chain) -> bytes:
    return chain.autn[:-1] + bytes((chain.autn[-1] ^ 1,))


def test_ngksi_in_use_and_a_bad_mac_lets_the_ue_answer_20_instead_of_71():
    """TS 24.501 5.4.1.3.5/5.4.1.3.7 do not order the ngKSI check and the USIM's: a UE
    that reports the MAC failure (#20) is permitted, and then counts it as a failure."""
    ue = Ue()
    ue.registered(ngksi=0)
    seen: list[Choice] = []
    ue.nas.choose = _taking(20, seen)
    chain = ue.net.challenge()
    out = ue.dl(auth_request(chain, ngksi=0, autn=_bad_mac(chain)))
    assert uplink(out) == [nas("authentication_failure", cause=20)]
    (choice,) = seen
    assert choice.alternative is alternatives.NGKSI_OR_AUTN_FIRST
    assert ue.nas.timers.running("T3520")


def test_the_model_keeps_71_when_its_chooser_does_not_ask_otherwise():
    ue = Ue()
    ue.registered(ngksi=0)
    chain = ue.net.challenge()
    out = ue.dl(auth_request(chain, ngksi=0, autn=_bad_mac(chain)))
    assert uplink(out) == [nas("authentication_failure", cause=71)]


def test_ngksi_in_use_with_a_good_autn_offers_no_choice_and_takes_no_sqn():
    """#71 is then the only answer (the AUTN is fine), and the USIM has not taken the SQN:
    a chooser that wants #20 is not even asked."""
    ue = Ue()
    ue.registered(ngksi=0)
    seen: list[Choice] = []
    ue.nas.choose = _taking(20, seen)
    sqn_before = ue.usim.sqn_ms
    out = ue.dl(auth_request(ue.net.challenge(), ngksi=0))
    assert uplink(out) == [nas("authentication_failure", cause=71)]
    assert seen == [] and ue.usim.sqn_ms == sqn_before


def test_a_bad_mac_with_separation_bit_0_may_be_answered_26_by_the_me_first():
    """TS 33.501 6.1.3.2: the ME may refuse the AMF before the USIM reports its MAC
    failure; the USIM has then taken no SQN."""
    ue = registering()
    seen: list[Choice] = []
    ue.nas.choose = _taking(26, seen)
    chain = ue.net.challenge(amf=b"\x00\x00")
    sqn_before = ue.usim.sqn_ms
    out = ue.dl(auth_request(chain, autn=_bad_mac(chain)))
    assert uplink(out) == [nas("authentication_failure", cause=26)]
    assert [c.alternative for c in seen] == [alternatives.SEPARATION_BIT_OR_USIM_FIRST]
    assert ue.usim.sqn_ms == sqn_before


def test_21_for_a_bad_mac_is_never_offered():
    """TS 33.102 6.3.3: MAC-A first; a chooser that wants #21 gets #20."""
    ue = registering()
    ue.nas.choose = _taking(21, [])
    chain = ue.net.challenge()
    out = ue.dl(auth_request(chain, autn=_bad_mac(chain)))
    assert uplink(out) == [nas("authentication_failure", cause=20)]


def test_every_alternative_names_its_clause_and_ids_are_unique():
    ids = [a.id for a in alternatives.TABLE]
    assert len(ids) == len(set(ids))
    assert all(a.clause.startswith("TS ") and a.text for a in alternatives.TABLE)

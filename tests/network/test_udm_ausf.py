"""UDM/ARPF and AUSF: 5G HE AVs, SQN handling and resynchronisation, RES* confirmation and
the AKMA anchor key registration (TS 33.501 6.1.3.2, TS 33.102 6.3, TS 33.535 6.1)."""

from __future__ import annotations

import json
import random

import pytest
from net_fakes import OPC, SNN, SUPI, K

from ue_stack.crypto import akma
from ue_stack.crypto.aka import (
    AuthCheck,
    aka_chain,
    build_auts,
    hxres_star,
    k_seaf,
    res_star,
    verify_autn,
)
from ue_stack.crypto.secret import fp
from ue_stack.events import AanfChanged
from ue_stack.network.aanf import Aanf
from ue_stack.network.ausf import Ausf
from ue_stack.network.udm import Subscriber, Udm


def make(sqn: bytes = bytes(6), **sub) -> tuple[Udm, Aanf, Ausf]:
    udm = Udm(random.Random(7))
    udm.add(Subscriber(SUPI, K, OPC, sqn, **sub))
    aanf = Aanf()
    return udm, aanf, Ausf(udm, aanf)


def ue_res_star(rand: bytes, autn: bytes, sqn_ms: bytes = bytes(6), snn: str = SNN) -> bytes:
    v = verify_autn(K, OPC, rand, autn, sqn_ms)
    assert v.outcome is AuthCheck.OK, v.outcome
    return res_star(v.ck, v.ik, snn, rand, v.res)


# -- UDM ---------------------------------------------------------------------------------


def test_udm_av_is_the_5g_aka_chain_with_the_separation_bit_set():
    """TS 33.501 6.1.3.2 step 3, Annex A.1: a 5G HE AV is RAND, AUTN (AMF separation bit
    1), XRES* and KAUSF of the TS 33.501 Annex A chain; the USIM accepts it."""
    udm, _, _ = make()
    av = udm.generate_av(SUPI, SNN)
    chain = aka_chain(K, OPC, av.rand, av.sqn, b"\x80\x00", SNN)
    assert av.autn == chain.autn
    assert av.xres_star == chain.res_star
    assert av.k_ausf == chain.k_ausf
    assert av.autn[6] & 0x80
    assert verify_autn(K, OPC, av.rand, av.autn, bytes(6)).outcome is AuthCheck.OK


def test_udm_sqn_grows_by_one_seq_with_ind_zero_per_av():
    """TS 33.102 C.1.1/C.1.2: SQN = SEQ || IND (5 bits); the twin uses IND 0 and SEQ+1."""
    udm, _, _ = make(sqn=(5 << 5).to_bytes(6, "big"))
    first = udm.generate_av(SUPI, SNN).sqn
    second = udm.generate_av(SUPI, SNN).sqn
    assert int.from_bytes(first, "big") == 6 << 5
    assert int.from_bytes(second, "big") == 7 << 5
    assert udm.subscriber(SUPI).sqn == second


def test_udm_rand_is_deterministic_for_a_seed():
    a = Udm(random.Random(1))
    b = Udm(random.Random(1))
    for udm in (a, b):
        udm.add(Subscriber(SUPI, K, OPC))
    assert a.generate_av(SUPI, SNN).rand == b.generate_av(SUPI, SNN).rand


def test_udm_resynchronises_from_auts_so_the_next_av_is_fresh():
    """TS 33.102 6.3.5: SQN_HE behind SQN_MS -> #21 with AUTS; the HE recovers SQN_MS,
    checks MAC-S and resets SQN_HE so the next AV is accepted."""
    udm, _, _ = make()
    sqn_ms = bytes.fromhex("000000000400")
    av = udm.generate_av(SUPI, SNN)
    stale = verify_autn(K, OPC, av.rand, av.autn, sqn_ms)
    assert stale.outcome is AuthCheck.SYNCH_FAILURE
    assert stale.auts == build_auts(K, OPC, av.rand, sqn_ms)
    assert udm.resynchronise(SUPI, av.rand, stale.auts) is True
    fresh = udm.generate_av(SUPI, SNN)
    assert verify_autn(K, OPC, fresh.rand, fresh.autn, sqn_ms).outcome is AuthCheck.OK


def test_udm_refuses_an_auts_whose_mac_s_fails_and_keeps_sqn():
    udm, _, _ = make()
    av = udm.generate_av(SUPI, SNN)
    auts = bytearray(build_auts(K, OPC, av.rand, bytes.fromhex("000000000400")))
    auts[-1] ^= 1
    before = udm.subscriber(SUPI).sqn
    assert udm.resynchronise(SUPI, av.rand, bytes(auts)) is False
    assert udm.subscriber(SUPI).sqn == before


def test_udm_keeps_an_sqn_he_that_is_already_acceptable():
    """TS 33.102 6.3.5: SQN_HE is reset only when the next SQN would not be accepted."""
    udm, _, _ = make(sqn=bytes.fromhex("000000001000"))
    auts = build_auts(K, OPC, bytes(16), bytes.fromhex("000000000400"))
    assert udm.resynchronise(SUPI, bytes(16), auts) is True
    assert udm.subscriber(SUPI).sqn == bytes.fromhex("000000001000")


@pytest.mark.parametrize(("fault", "outcome"), [
    ("mac", AuthCheck.MAC_FAILURE),
    ("separation_bit", AuthCheck.NON_5G_AUTHENTICATION_UNACCEPTABLE),
])
def test_udm_corrupted_av_makes_the_ue_fail_once(fault, outcome):
    """Simulation faults: a wrong MAC-A (UE #20) or AMF separation bit 0 (UE #26,
    TS 33.501 6.1.3.2) for the next AV only."""
    udm, _, _ = make()
    udm.corrupt_next(SUPI, fault)
    bad = udm.generate_av(SUPI, SNN)
    assert verify_autn(K, OPC, bad.rand, bad.autn, bytes(6)).outcome is outcome
    good = udm.generate_av(SUPI, SNN)
    assert verify_autn(K, OPC, good.rand, good.autn, bytes(6)).outcome is AuthCheck.OK


def test_subscriber_repr_shows_no_key():
    assert K.hex() not in repr(Subscriber(SUPI, K, OPC))
    assert OPC.hex() not in repr(Subscriber(SUPI, K, OPC))


# -- AUSF --------------------------------------------------------------------------------


def test_ausf_confirms_right_res_star_stores_kausf_and_registers_akma():
    """TS 33.501 6.1.3.2 steps 10-12, TS 33.535 6.1: RES* == XRES* -> KAUSF stored, KSEAF
    returned, KAKMA/A-KID (home PLMN, RID) registered at the AAnF."""
    _udm, aanf, ausf = make(rid="12", home_mcc="999", home_mnc="70")
    ch = ausf.authenticate(SUPI, SNN)
    assert ch.abba == b"\x00\x00"
    rs = ue_res_star(ch.rand, ch.autn)
    assert ch.hxres_star == hxres_star(ch.rand, rs)
    kseaf = ausf.confirm(SUPI, rs, now=3.0)
    kausf = ausf.k_ausf(SUPI)
    assert kseaf == k_seaf(kausf, SNN)
    a_kid = akma.a_kid("12", akma.a_tid(kausf, SUPI), "999", "70")
    assert a_kid.endswith("@5gc.mnc070.mcc999.3gppnetwork.org")
    assert aanf.outbox.drain() == [
        AanfChanged("registered", SUPI, a_kid, fp(akma.k_akma(kausf, SUPI)))
    ]


def test_ausf_rejects_wrong_res_star_and_registers_nothing():
    _udm, aanf, ausf = make()
    ch = ausf.authenticate(SUPI, SNN)
    wrong = bytearray(ue_res_star(ch.rand, ch.autn))
    wrong[0] ^= 1
    assert ausf.confirm(SUPI, bytes(wrong), 1.0) is None
    assert ausf.k_ausf(SUPI) is None
    assert aanf.outbox.drain() == []
    assert ausf.confirm(SUPI, ue_res_star(ch.rand, ch.autn), 1.0) is None  # consumed


def test_ausf_registers_nothing_at_the_aanf_for_a_non_akma_subscriber():
    _udm, aanf, ausf = make(akma=False)
    ch = ausf.authenticate(SUPI, SNN)
    assert ausf.confirm(SUPI, ue_res_star(ch.rand, ch.autn), 1.0) is not None
    assert ausf.k_ausf(SUPI) is not None
    assert len(aanf) == 0


def test_ausf_shadow_recomputes_a_recorded_challenge_exactly(vectors):
    """Shadow mode pinned to the pycrate AuC chain (docs/keys.md vectors): XRES*, KAUSF, KAKMA
    and A-TID from K/OPc/RAND/AUTN alone, SQN recovered implicitly via SQN xor AK."""
    chain = json.loads((vectors / "5g-aka-akma-chains.json").read_text())["chains"][0]
    i, o = chain["inputs"], chain["outputs"]
    udm = Udm()
    udm.add(Subscriber(i["supi"], bytes.fromhex(i["k"]), bytes.fromhex(i["opc"])))
    aanf = Aanf()
    ausf = Ausf(udm, aanf)
    ch = ausf.observe_challenge(i["supi"], i["snn"], bytes.fromhex(i["rand"]),
                                bytes.fromhex(o["autn"]), 0.0)
    assert ch.hxres_star.hex() == o["hxres_star"]
    kseaf = ausf.confirm(i["supi"], bytes.fromhex(o["res_star"]), 1.0)
    assert kseaf.hex() == o["k_seaf"]
    assert ausf.k_ausf(i["supi"]).hex() == o["k_ausf"]
    (event,) = aanf.outbox.drain()
    assert event.k_akma_fp == fp(bytes.fromhex(o["k_akma"]))
    assert event.a_kid == akma.a_kid("0", bytes.fromhex(o["a_tid"]), "001", "01")

"""AAnF (TS 33.535 6.1, 7.2; TS 33.537 4.2.2.1 TC_AKMA_Key_Storage_Update) and the AF's
key check (TS 33.535 6.2)."""

from __future__ import annotations

from ue_stack.crypto import akma
from ue_stack.crypto.secret import Key, fp
from ue_stack.events import AanfChanged, AfSessionRequest, AfSessionResult
from ue_stack.network.aanf import Aanf
from ue_stack.network.af import Af

SUPI = "001010000000001"
KAKMA1, KAKMA2 = Key(bytes(range(32))), Key(bytes(range(1, 33)))
A_KID1 = "rid0.atidAAAA@5gc.mnc001.mcc001.3gppnetwork.org"
A_KID2 = "rid0.atidBBBB@5gc.mnc001.mcc001.3gppnetwork.org"
FQDN, UA = "af.example.com", bytes.fromhex("0100000007")
AF_ID = akma.af_id(FQDN, UA)


def test_aanf_stores_only_the_latest_akma_context_tc_akma_key_storage_update():
    """TS 33.537 TC_AKMA_Key_Storage_Update (Test A): after primary authentication #1 the
    AF gets KAF for A-KID1; after #2 the AAnF holds only A-KID2/KAKMA2: a request with
    A-KID1 fails and one with A-KID2 gives KAF from KAKMA2 (TS 33.535 6.1)."""
    aanf = Aanf()
    aanf.register(SUPI, A_KID1, KAKMA1, now=0.0)
    first = aanf.application_key_get(A_KID1, AF_ID, now=1.0)
    assert first is not None and first.k_af == akma.k_af(KAKMA1, AF_ID)
    aanf.register(SUPI, A_KID2, KAKMA2, now=2.0)
    assert aanf.application_key_get(A_KID1, AF_ID, now=3.0) is None
    second = aanf.application_key_get(A_KID2, AF_ID, now=3.0)
    assert second is not None and second.k_af == akma.k_af(KAKMA2, AF_ID)
    assert len(aanf) == 1
    assert aanf.outbox.drain() == [
        AanfChanged("registered", SUPI, A_KID1, fp(KAKMA1)),
        AanfChanged("replaced", SUPI, A_KID2, fp(KAKMA2)),
    ]


def test_aanf_application_key_get_fails_for_an_unknown_a_kid():
    """TS 33.535 6.2 step 3: no context for the A-KID -> failure."""
    assert Aanf().application_key_get(A_KID1, AF_ID, 0.0) is None


def test_aanf_kaf_comes_with_an_expiry():
    k_af, expiry = _registered(Aanf(kaf_lifetime=60.0)).application_key_get(A_KID1, AF_ID, 5.0)
    assert expiry == 65.0
    assert k_af == akma.k_af(KAKMA1, AF_ID)


def test_aanf_context_remove_deletes_the_context_and_says_so():
    """Naanf_AKMA_Context_Remove (TS 33.535 7.2.4)."""
    aanf = _registered(Aanf())
    aanf.outbox.drain()
    assert aanf.context_remove(SUPI, 9.0) is True
    assert aanf.application_key_get(A_KID1, AF_ID, 9.0) is None
    assert aanf.outbox.drain() == [AanfChanged("removed", SUPI, A_KID1, fp(KAKMA1))]
    assert aanf.context_remove(SUPI, 9.0) is False
    assert aanf.outbox.drain() == []


def test_aanf_keeps_contexts_of_different_supis_apart():
    """TS 33.535 6.1: the AAnF keeps the latest context per SUPI; another UE's
    registration neither replaces nor mixes with it — each A-KID gives the KAF of its own
    KAKMA."""
    aanf = _registered(Aanf())
    aanf.register("001010000000002", A_KID2, KAKMA2, 1.0)
    assert len(aanf) == 2
    assert aanf.application_key_get(A_KID1, AF_ID, 2.0).k_af == akma.k_af(KAKMA1, AF_ID)
    assert aanf.application_key_get(A_KID2, AF_ID, 2.0).k_af == akma.k_af(KAKMA2, AF_ID)
    assert aanf.context(SUPI).a_kid == A_KID1
    assert aanf.context("001010000000002").a_kid == A_KID2


def test_aanf_repr_shows_no_key():
    ctx = _registered(Aanf()).context(SUPI)
    assert KAKMA1.hex() not in repr(ctx)


def _registered(aanf: Aanf) -> Aanf:
    aanf.register(SUPI, A_KID1, KAKMA1, 0.0)
    return aanf


def _request(a_kid: str, kakma: bytes, app: str = "mail") -> AfSessionRequest:
    return AfSessionRequest(app, FQDN, UA, a_kid, fp(akma.k_af(kakma, AF_ID)))


def test_af_accepts_a_session_whose_kaf_matches_the_aanf():
    """TS 33.535 6.2: the AF gets KAF from the AAnF and the key confirmation matches."""
    af = Af(_registered(Aanf()))
    result = af.session_request(_request(A_KID1, KAKMA1), 1.0, supi=SUPI)
    assert result == AfSessionResult(
        "mail", f"{FQDN}:0100000007", A_KID1, "ok",
        k_af_fp_ue=fp(akma.k_af(KAKMA1, AF_ID)), k_af_fp_net=fp(akma.k_af(KAKMA1, AF_ID)),
        supi=SUPI,
    )
    assert af.outbox.drain() == [result]


def test_af_reports_unknown_a_kid_after_the_aanf_replaced_it():
    aanf = _registered(Aanf())
    aanf.register(SUPI, A_KID2, KAKMA2, 1.0)
    result = Af(aanf).session_request(_request(A_KID1, KAKMA1), 2.0)
    assert (result.result, result.k_af_fp_net) == ("unknown_a_kid", None)


def test_af_reports_key_mismatch_when_the_ue_derived_kaf_from_another_kakma():
    result = Af(_registered(Aanf())).session_request(_request(A_KID1, KAKMA2), 2.0)
    assert result.result == "key_mismatch"
    assert result.k_af_fp_net == fp(akma.k_af(KAKMA1, AF_ID)) != result.k_af_fp_ue


def test_af_asks_the_aanf_for_every_session_and_keeps_no_kaf():
    """A context removed between two sessions makes the second fail (no AF-side cache)."""
    aanf = _registered(Aanf())
    af = Af(aanf)
    assert af.session_request(_request(A_KID1, KAKMA1), 1.0).result == "ok"
    aanf.context_remove(SUPI, 2.0)
    assert af.session_request(_request(A_KID1, KAKMA1), 3.0).result == "unknown_a_kid"

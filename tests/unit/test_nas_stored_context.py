"""A native 5G NAS security context the UE holds when a trace starts (docs/trace-format.md
header ``ue.ngksi``): its ngKSI is known, its keys are not. Stored with the subscriber across
switch-off (TS 24.501 Annex C.1 d), named in REGISTRATION REQUEST (5.5.1.2.2), in use for
the #71 check (5.4.1.3.7 c), replaced by a new 5G AKA + SMC (5.4.2.3)."""

from __future__ import annotations

import pytest
from nas_harness import Ue, auth_request, kausf_events, make_usim, smc, uplink

from ue_stack.crypto import fp
from ue_stack.crypto.secret import Key
from ue_stack.nas.context import NasSecurityContext
from ue_stack.nas.messages import NGKSI_NO_KEY, nas
from ue_stack.trace.schema import StoredContext


def stored_ue(ngksi: int = 1) -> Ue:
    return Ue(make_usim(stored_ngksi=ngksi))


def test_registration_request_names_the_stored_context_ngksi():
    """TS 24.501 5.5.1.2.2, 9.11.3.32: a UE holding a current native context sends its
    ngKSI, not "111"."""
    ue = stored_ue(1)
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    assert uplink(ue.drain()) == [
        nas("registration_request", registration_type="initial", ngksi=1)
    ]


def test_without_a_stored_context_registration_request_says_no_key():
    """TS 24.501 9.11.3.32: no context -> ngKSI "111" (7)."""
    ue = Ue()
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    assert uplink(ue.drain())[0]["ngksi"] == NGKSI_NO_KEY


def test_the_stored_context_has_an_ngksi_but_no_keys():
    """The trace gives the ngKSI only: no KAMF, so no NAS keys can be derived from it."""
    ue = stored_ue(3)
    current = ue.nas.contexts.current
    assert current.ngksi == 3 and not current.keys_known
    current.nea = current.nia = 2
    with pytest.raises(ValueError, match="no KAMF"):
        current.k_nas_int()
    assert ue.usim.kausf is None  # a stored NAS context says nothing about KAUSF


def test_stored_context_is_kept_across_power_off():
    """TS 24.501 Annex C.1 d: the current native context survives switch-off."""
    ue = stored_ue(4)
    ue.nas.power_on(ue.tick())
    ue.nas.power_off(ue.tick())
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    assert uplink(ue.drain())[0]["ngksi"] == 4


def test_challenge_naming_the_stored_ngksi_gets_71_before_the_usim_sees_rand():
    """TS 24.501 5.4.1.3.7 c: the ngKSI is already associated with a stored context ->
    AUTHENTICATION FAILURE #71; the USIM's SQN state is untouched."""
    ue = stored_ue(1)
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.drain()
    chain = ue.net.challenge()
    out = ue.dl(auth_request(chain, ngksi=1))
    assert uplink(out) == [nas("authentication_failure", cause=71)]
    assert ue.usim.sqn_ms == bytes(6)
    assert ue.nas.contexts.partial is None


def test_new_authentication_and_smc_replace_the_stored_context():
    """TS 24.501 5.4.1.3.2, 5.4.2.3: a challenge under another ngKSI is answered, its SMC
    takes the new context into use (with a KAUSF), and the next REGISTRATION REQUEST
    names the new ngKSI."""
    ue = stored_ue(1)
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.drain()
    chain = ue.authenticate(ngksi=2)
    assert uplink(ue.drain()) == [nas("authentication_response", res_star=chain.res_star)]
    out = ue.dl(smc(ngksi=2))
    assert uplink(out) == [nas("security_mode_complete")]
    assert kausf_events(out) == [("valid", fp(chain.k_ausf))]
    current = ue.nas.contexts.current
    assert current.ngksi == 2 and current.keys_known
    ue.dl(nas("registration_accept"))
    ue.nas.power_off(ue.tick())
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    assert uplink(ue.drain())[-1]["ngksi"] == 2


def test_usim_removal_deletes_the_stored_context():
    """TS 33.501 6.2.2.2 / TS 24.501 Annex C.1: the subscriber's NAS contexts leave with
    the USIM, even when switched off."""
    ue = stored_ue(1)
    ue.nas.usim_removed(ue.tick())
    assert ue.nas.contexts.current is None


def test_an_inserted_usim_brings_its_own_stored_context():
    """docs/trace-format.md `usim_inserted` with a `ue` object: the old subscriber's context goes,
    the new one's is read (TS 24.501 Annex C.1 d)."""
    ue = stored_ue(1)
    ue.nas.power_on(ue.tick())
    ue.nas.usim_inserted(make_usim(stored_ngksi=5), ue.tick())
    ue.nas.register(ue.tick())
    assert uplink(ue.drain())[-1]["ngksi"] == 5
    ue.nas.usim_inserted(make_usim(), ue.tick())
    ue.nas.register(ue.tick())
    assert uplink(ue.drain())[-1]["ngksi"] == NGKSI_NO_KEY


@pytest.mark.parametrize("ngksi", [-1, 7])
def test_a_stored_context_cannot_be_named_no_key(ngksi):
    """TS 24.501 9.11.3.32: "111" means no key is available; it never names a context."""
    with pytest.raises(ValueError):
        make_usim(stored_ngksi=ngksi)
    with pytest.raises(ValueError):
        NasSecurityContext.stored(ngksi)


def test_repr_of_the_contexts_shows_ngksi_only():
    ue = stored_ue(6)
    assert repr(ue.nas.contexts) == "SecurityContexts(current=6, partial=none)"
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    ue.authenticate(ngksi=2)
    assert repr(ue.nas.contexts) == "SecurityContexts(current=6, partial=2)"


def test_a_ue_with_ue_stored_registers_with_the_stored_ngksi_and_5g_guti_protected():
    """Header ``ue.stored`` (docs/trace-format.md): TS 24.501 5.5.1.2.2 — a UE with a valid
    5G-GUTI and a current context with keys registers with them (not a SUCI and "111"),
    integrity protected at the stored uplink NAS COUNT."""
    kamf, kausf, guti = Key(bytes(range(32))), Key(bytes(32)), bytes.fromhex("f2" + "00" * 10)
    stored = StoredContext(ngksi=3, kamf=kamf, kausf=kausf, guti=guti, ul_count=7)
    ue = Ue(make_usim(stored=stored))
    ue.nas.power_on(ue.tick())
    ue.nas.register(ue.tick())
    assert uplink(ue.drain()) == [
        nas("registration_request", registration_type="initial", ngksi=3)]
    assert ue.nas.registration_identity == "5g-guti" and ue.nas.guti == guti
    current = ue.nas.contexts.current
    assert current.keys_known and (current.nea, current.nia) == (2, 2)  # the defaults
    assert current.ul_count == 8  # COUNT 7 protected it

"""The USIM's SQN freshness rules (TS 33.102 6.3.3, Annex C; docs/trace-format.md)."""

from __future__ import annotations

import pytest
from nas_harness import AMF_5G, OPC, SNN, K, make_usim

from ue_stack.crypto import AuthCheck, aka_chain


def challenge(sqn: int, rand: int = 1):
    return aka_chain(K, OPC, rand.to_bytes(16, "big"), sqn.to_bytes(6, "big"), AMF_5G, SNN)


def test_delta_rule_accepts_a_higher_sqn_and_rejects_a_replay():
    """docs/trace-format.md: fresh when SQN_MS < SQN <= SQN_MS + 2^28; SQN_MS becomes SQN."""
    usim = make_usim(sqn_ms=100)
    first = challenge(164)
    assert usim.authenticate(first.rand, first.autn).outcome is AuthCheck.OK
    assert int.from_bytes(usim.sqn_ms, "big") == 164
    assert usim.authenticate(first.rand, first.autn).outcome is AuthCheck.SYNCH_FAILURE
    too_far = challenge(164 + (1 << 28) + 1, rand=2)
    assert usim.authenticate(too_far.rand, too_far.autn).outcome is AuthCheck.SYNCH_FAILURE


@pytest.mark.parametrize(("ahead", "outcome"), [
    (1 << 28, AuthCheck.OK),  # exactly SQN_MS + 2^28: the top of the window, fresh
    ((1 << 28) + 1, AuthCheck.SYNCH_FAILURE),  # one beyond: stale
    (1, AuthCheck.OK),
    (0, AuthCheck.SYNCH_FAILURE),  # SQN = SQN_MS: a replay
])
def test_delta_rule_window_ends_exactly_at_sqn_ms_plus_2_to_the_28(ahead, outcome):
    """docs/trace-format.md: fresh when SQN_MS < SQN <= SQN_MS + 2^28 — both ends exactly."""
    usim = make_usim(sqn_ms=100)
    chain = challenge(100 + ahead)
    assert usim.authenticate(chain.rand, chain.autn).outcome is outcome
    expected_ms = 100 + ahead if outcome is AuthCheck.OK else 100
    assert int.from_bytes(usim.sqn_ms, "big") == expected_ms


def test_annex_c_accepts_an_older_sqn_in_another_ind_slot():
    """TS 33.102 C.2.2: with the SEQ/IND arrays, a vector used out of order (lower SEQ,
    different IND) is still fresh — the delta rule would refuse it; the same SQN twice
    is not."""
    usim = make_usim(sqn_ms=0, freshness="annex-c")
    newer, older = challenge((5 << 5) | 1, rand=1), challenge((4 << 5) | 2, rand=2)
    assert usim.authenticate(newer.rand, newer.autn).outcome is AuthCheck.OK
    assert usim.authenticate(older.rand, older.autn).outcome is AuthCheck.OK
    assert usim.authenticate(older.rand, older.autn).outcome is AuthCheck.SYNCH_FAILURE
    assert usim.sqn_ms == ((5 << 5) | 1).to_bytes(6, "big")  # highest accepted, for AUTS
    delta = make_usim(sqn_ms=0)
    delta.authenticate(newer.rand, newer.autn)
    assert delta.authenticate(older.rand, older.autn).outcome is AuthCheck.SYNCH_FAILURE


def test_mac_failure_leaves_the_annex_c_arrays_untouched():
    """TS 33.102 6.3.3: a MAC failure must not change the SQN state."""
    usim = make_usim(sqn_ms=0, freshness="annex-c")
    good = challenge(1 << 5)
    bad = good.autn[:8] + bytes(8)
    assert usim.authenticate(good.rand, bad).outcome is AuthCheck.MAC_FAILURE
    assert usim.authenticate(good.rand, good.autn).outcome is AuthCheck.OK


def test_an_unknown_freshness_rule_is_refused():
    with pytest.raises(ValueError):
        make_usim(freshness="lenient")


def test_repr_of_the_usim_says_whether_a_kausf_is_stored_never_the_key():
    """TS 33.501 6.2.2.2 / docs/keys.md: the KAUSF is kept on the USIM; logs name it only."""
    usim = make_usim()
    assert repr(usim).endswith("kausf=none)")
    usim.kausf = bytes(range(32))
    assert repr(usim).endswith("kausf=stored)")
    assert bytes(range(32)).hex() not in repr(usim)


def test_a_stored_security_context_with_ngksi_0_is_accepted():
    """TS 24.501 9.11.3.32: ngKSI values 0..6 name a context, 7 means none; 0 is valid."""
    assert make_usim(stored_ngksi=0).stored_ngksi == 0

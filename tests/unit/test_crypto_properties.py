"""Properties of AUTN/AUTS handling (TS 33.102 6.3, TS 33.501 6.1.3.2) over arbitrary
credentials, with hypothesis. The USIM's SQN state is what ``verify_autn`` returns as
``sqn_ms``; these tests pin when it may and may not move."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ue_stack.crypto import (
    AuthCheck,
    aka_chain,
    build_auts,
    resync_from_auts,
    verify_autn,
)
from ue_stack.crypto.aka import SQN_DELTA

SNN = "5G:mnc001.mcc001.3gppnetwork.org"
SQN_MAX = (1 << 48) - 1

keys = st.binary(min_size=16, max_size=16)
sqns = st.integers(0, SQN_MAX)
# AMF with the separation bit set (TS 33.501 A.1), so only MAC and SQN decide.
amfs_5g = st.binary(min_size=2, max_size=2).map(lambda a: bytes([a[0] | 0x80, a[1]]))

# Per test, not a global profile: other suites choose their own. Each example costs a few
# AES blocks and HMACs, so 60 keep the file near a second.
crypto_settings = settings(max_examples=60, deadline=None)


def _b6(n: int) -> bytes:
    return n.to_bytes(6, "big")


@crypto_settings
@given(k=keys, opc=keys, rand=keys, sqn_ms=sqns)
def test_auts_round_trip_recovers_sqn_ms_with_a_valid_mac_s(k, opc, rand, sqn_ms) -> None:
    """TS 33.102 6.3.3 / 6.3.5: the network recovers exactly the USIM's SQN_MS from the
    AUTS the USIM built, and MAC-S verifies."""
    r = resync_from_auts(k, opc, rand, build_auts(k, opc, rand, _b6(sqn_ms)))
    assert r.sqn_ms == _b6(sqn_ms)
    assert r.mac_s_ok is True


@crypto_settings
@given(k=keys, opc=keys, rand=keys, sqn_ms=sqns, bit=st.integers(0, 14 * 8 - 1))
def test_any_single_bit_change_of_auts_is_detected(k, opc, rand, sqn_ms, bit) -> None:
    """TS 33.102 6.3.5: MAC-S covers SQN_MS, so a flipped bit anywhere in AUTS fails."""
    auts = bytearray(build_auts(k, opc, rand, _b6(sqn_ms)))
    auts[bit // 8] ^= 0x80 >> (bit % 8)
    assert resync_from_auts(k, opc, rand, bytes(auts)).mac_s_ok is False


@crypto_settings
@given(k=keys, opc=keys, rand=keys, amf=amfs_5g, sqn_ms=sqns, delta=st.integers(1, SQN_DELTA))
def test_ue_accepts_an_autn_the_network_built_with_a_fresh_sqn(
    k, opc, rand, amf, sqn_ms, delta
) -> None:
    """TS 33.102 6.3.3 with the delta rule: verify(build(x)) accepts any SQN in
    (SQN_MS, SQN_MS + 2^28], returns the network's RES/CK/IK, and SQN_MS becomes SQN."""
    sqn = min(sqn_ms + delta, SQN_MAX)
    if sqn == sqn_ms:  # SQN_MS already at the top of the range: nothing is fresh
        sqn_ms -= 1
    chain = aka_chain(k, opc, rand, _b6(sqn), amf, SNN)
    v = verify_autn(k, opc, rand, chain.autn, _b6(sqn_ms))
    assert v.outcome is AuthCheck.OK
    assert v.sqn_ms == v.sqn == _b6(sqn)
    assert (v.res, v.ck, v.ik) == (chain.res, chain.milenage.ck, chain.milenage.ik)


@crypto_settings
@given(
    k=keys, opc=keys, rand=keys, amf=amfs_5g, sqn=sqns, sqn_ms=sqns,
    bit=st.integers(0, 63),
)
def test_any_single_bit_change_of_mac_a_gives_20_and_keeps_sqn_ms(
    k, opc, rand, amf, sqn, sqn_ms, bit
) -> None:
    """TS 24.501 5.4.1.3.6 a), TS 33.102 6.3.3: a corrupted MAC-A is cause #20 whatever the
    SQN, and a MAC failure must not change the USIM's SQN state."""
    autn = bytearray(aka_chain(k, opc, rand, _b6(sqn), amf, SNN).autn)
    autn[8 + bit // 8] ^= 0x80 >> (bit % 8)
    v = verify_autn(k, opc, rand, bytes(autn), _b6(sqn_ms))
    assert v.outcome is AuthCheck.MAC_FAILURE and v.cause == 20
    assert v.sqn_ms == _b6(sqn_ms)
    assert v.res is None and v.ck is None and v.auts is None


@crypto_settings
@given(k=keys, opc=keys, rand=keys, amf=amfs_5g, sqn_ms=sqns, bit=st.integers(0, 63))
def test_any_single_bit_change_of_sqn_or_amf_in_autn_gives_20(
    k, opc, rand, amf, sqn_ms, bit
) -> None:
    """TS 33.102 6.3.2: MAC-A = f1(K, SQN, RAND, AMF) covers the concealed SQN and the
    AMF, so tampering there is a MAC failure too (not #21 or #26)."""
    sqn = min(sqn_ms + 1, SQN_MAX)
    autn = bytearray(aka_chain(k, opc, rand, _b6(sqn), amf, SNN).autn)
    autn[bit // 8] ^= 0x80 >> (bit % 8)  # bits 0..63: SQN xor AK (48) and AMF (16)
    v = verify_autn(k, opc, rand, bytes(autn), _b6(sqn_ms))
    assert v.cause == 20
    assert v.sqn_ms == _b6(sqn_ms)


stale = st.tuples(sqns, sqns).filter(lambda t: t[0] <= t[1])  # (SQN, SQN_MS): SQN <= SQN_MS


@crypto_settings
@given(k=keys, opc=keys, rand=keys, amf=amfs_5g, pair=stale)
def test_stale_sqn_gives_21_with_auts_and_leaves_sqn_ms_unchanged(
    k, opc, rand, amf, pair
) -> None:
    """TS 24.501 5.4.1.3.6 b), TS 33.102 6.3.3: an SQN at or below SQN_MS is stale: cause
    #21, the USIM keeps its SQN_MS, and the AUTS it sends resynchronises the network to
    exactly that SQN_MS."""
    sqn, sqn_ms = pair
    autn = aka_chain(k, opc, rand, _b6(sqn), amf, SNN).autn
    v = verify_autn(k, opc, rand, autn, _b6(sqn_ms))
    assert v.outcome is AuthCheck.SYNCH_FAILURE and v.cause == 21
    assert v.sqn_ms == _b6(sqn_ms)
    assert v.res is None and v.ck is None
    assert resync_from_auts(k, opc, rand, v.auts) == resync_from_auts(
        k, opc, rand, build_auts(k, opc, rand, _b6(sqn_ms))
    )
    assert resync_from_auts(k, opc, rand, v.auts).sqn_ms == _b6(sqn_ms)


@crypto_settings
@given(
    k=keys, opc=keys, rand=keys, amf=amfs_5g,
    sqn_ms=st.integers(0, SQN_MAX - SQN_DELTA - 1),
    beyond=st.integers(1, 1 << 20),
)
def test_sqn_too_far_ahead_gives_21_and_leaves_sqn_ms_unchanged(
    k, opc, rand, amf, sqn_ms, beyond
) -> None:
    """The delta rule (docs/trace-format.md): an SQN more than 2^28 above SQN_MS is not fresh."""
    sqn = min(sqn_ms + SQN_DELTA + beyond, SQN_MAX)
    autn = aka_chain(k, opc, rand, _b6(sqn), amf, SNN).autn
    v = verify_autn(k, opc, rand, autn, _b6(sqn_ms))
    assert v.cause == 21
    assert v.sqn_ms == _b6(sqn_ms)

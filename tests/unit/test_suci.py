"""SUCI protection schemes, ECIES profiles A and B (TS 33.501 6.12.2, Annex C.3), pinned to
the Annex C.4 test data (tests/data/vectors/ts33501-annex-c4-suci.json) both ways."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ue_stack import hnkeys
from ue_stack.crypto import suci
from ue_stack.crypto.secret import Key
from ue_stack.nas.codec import decode_mobile_identity
from ue_stack.nas.usim import msin_bcd, suci_null_scheme, suci_value

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data/vectors/ts33501-annex-c4-suci.json").read_text()
)
SETS = {v["profile"]: v for v in VECTORS["sets"]}
SUPI = "274012001002086"  # MCC 274, MNC 012, MSIN 001002086 (Annex C.4)


def _h(vector: dict, name: str) -> bytes:
    return bytes.fromhex(vector[name])


@pytest.mark.parametrize("profile", ["A", "B"])
def test_annex_c4_concealment_gives_the_published_scheme_output(profile: str) -> None:
    """TS 33.501 C.4.3.1 (A) / C.4.4.1 (B): the UE's side, with the published ephemeral key."""
    v = SETS[profile]
    out = suci.conceal(
        suci.PROFILES[profile], _h(v, "home_network_public_key"), _h(v, "scheme_input"),
        _h(v, "ephemeral_private_key"),
    )
    assert out.ephemeral_public.hex() == v["ephemeral_public_key"]
    assert out.ciphertext.hex() == v["ciphertext"]
    assert out.mac.hex() == v["mac_tag"]
    assert out.encode().hex() == v["scheme_output"]


@pytest.mark.parametrize("profile", ["A", "B"])
def test_annex_c4_kdf_gives_the_published_keys_icb_and_mac_key(profile: str) -> None:
    """C.3.3: the ANSI X9.63 KDF output splits into encryption key, ICB and MAC key, in that
    order, with the ephemeral public key as SharedInfo1."""
    v = SETS[profile]
    got = suci._derive(_h(v, "ephemeral_shared_key"), _h(v, "ephemeral_public_key"))
    assert [x.hex() for x in got] == [v["ephemeral_enc_key"], v["icb"], v["ephemeral_mac_key"]]


@pytest.mark.parametrize("profile", ["A", "B"])
def test_annex_c4_deconcealment_gives_the_msin(profile: str) -> None:
    """C.4.3.1 / C.4.4.1: the SIDF's side recovers the scheme input (MSIN 001002086 in BCD)."""
    v = SETS[profile]
    got = suci.deconceal(
        suci.PROFILES[profile], _h(v, "home_network_private_key"), _h(v, "scheme_output")
    )
    assert got.hex() == v["scheme_input"] == msin_bcd("001002086").hex()


def test_annex_c4_profile_b_public_keys_compressed_and_uncompressed() -> None:
    """C.4.4.1 gives both forms of the home network public key: either conceals to the same
    output; the private key's public key is the compressed form."""
    v = SETS["B"]
    for form in ("home_network_public_key", "home_network_public_key_uncompressed"):
        out = suci.conceal(2, _h(v, form), _h(v, "scheme_input"), _h(v, "ephemeral_private_key"))
        assert out.encode().hex() == v["scheme_output"]
    assert suci.public_key(2, _h(v, "home_network_private_key")).hex() == (
        v["home_network_public_key"]
    )
    assert suci.public_key(1, _h(SETS["A"], "home_network_private_key")).hex() == (
        SETS["A"]["home_network_public_key"]
    )


def test_annex_c4_profile_b_uncompressed_ephemeral_key_deconceals() -> None:
    """A UE that sends its profile-B ephemeral key uncompressed: the same ciphertext and MAC
    tag verify, the KDF taking the compressed form (the test data free5GC carries)."""
    v = SETS["B"]
    output = _h(v, "ephemeral_public_key_uncompressed") + _h(v, "ciphertext") + _h(v, "mac_tag")
    assert suci.deconceal(2, _h(v, "home_network_private_key"), output).hex() == v["scheme_input"]


@pytest.mark.parametrize("profile", ["A", "B"])
def test_a_flipped_bit_anywhere_in_the_scheme_output_fails_the_mac(profile: str) -> None:
    """C.3.3: the MAC tag covers the ciphertext and the key derivation covers the ephemeral
    key: any change is refused, never decrypted to another MSIN."""
    v = SETS[profile]
    output = _h(v, "scheme_output")
    for i in range(len(output)):
        bad = bytearray(output)
        bad[i] ^= 0x01
        with pytest.raises(suci.SuciError):
            suci.deconceal(suci.PROFILES[profile], _h(v, "home_network_private_key"), bytes(bad))


def test_another_home_network_key_does_not_deconceal() -> None:
    v = SETS["A"]
    with pytest.raises(suci.SuciError, match="MAC tag"):
        suci.deconceal(1, bytes(range(32)), _h(v, "scheme_output"))


@pytest.mark.parametrize("profile", ["A", "B"])
@given(seed=st.binary(min_size=32, max_size=32), msin=st.from_regex(r"\d{9,10}", fullmatch=True))
def test_every_fresh_concealment_deconceals_to_the_same_msin(profile, seed, msin) -> None:
    """Round trip for any ephemeral key and MSIN; two ephemeral keys give two outputs."""
    v = SETS[profile]
    scheme = suci.PROFILES[profile]
    eph = suci.ephemeral_private(scheme, seed)
    out = suci.conceal(scheme, _h(v, "home_network_public_key"), msin_bcd(msin), eph)
    assert suci.deconceal(scheme, _h(v, "home_network_private_key"), out.encode()) == msin_bcd(
        msin
    )


def test_fresh_ephemeral_keys_differ_per_concealment() -> None:
    """TS 33.501 C.3.2: a fresh ephemeral key pair for each concealment."""
    v = SETS["A"]
    outs = {
        suci.conceal(1, _h(v, "home_network_public_key"), b"\x00", suci.fresh_ephemeral_private(1))
        for _ in range(3)
    }
    assert len(outs) == 3


@pytest.mark.parametrize("profile", ["A", "B"])
def test_the_suci_ie_carries_scheme_key_id_and_output_and_deconceals_to_the_supi(profile):
    """TS 24.501 9.11.3.4: SUPI format IMSI, type SUCI, PLMN, routing indicator, protection
    scheme id, home network public key id, scheme output; the SIDF gives back the SUPI."""
    v = SETS[profile]
    scheme = suci.PROFILES[profile]
    value = suci_value(SUPI, 3, "678", scheme, 27, _h(v, "scheme_output"))
    assert value[:8].hex() == "01722410" + "76f8" + f"{scheme:02x}" + "1b"
    ident = decode_mobile_identity(value)
    assert (ident.mcc, ident.mnc, ident.protection_scheme, ident.supi) == (
        "274", "012", scheme, None
    )
    keys = {(scheme, 27): Key(_h(v, "home_network_private_key"))}
    assert hnkeys.supi_of(value, keys) == SUPI
    assert hnkeys.supi_of(value, {(scheme, 26): keys[(scheme, 27)]}) is None
    assert hnkeys.supi_of(suci_null_scheme(SUPI, 3), keys) is None

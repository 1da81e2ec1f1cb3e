"""SNOW 3G (UEA2/UIA2, 128-NEA1/NIA1) and ZUC (128-NEA3/NIA3) against every published
test set in tests/data/vectors, including the message lengths that are not whole octets
(provenance of each set is in its JSON: document, version, section, transcription source).

TS 33.501 D.4 reuses the LTE test data unchanged for 128-NEA1/NIA1 and 128-NEA3/NIA3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ue_stack.crypto import snow3g, zuc
from ue_stack.crypto.nas_security import CIPHERING, INTEGRITY, nea1, nea3, nia1, nia3

H = bytes.fromhex
VECTORS = Path(__file__).resolve().parents[1] / "data" / "vectors"
FILES = {
    "uea2-uia2-implementors-test-data.json": {"SNOW3G": 4, "UEA2": 5, "UIA2": 6},
    "uea2-uia2-design-conformance-test-data.json": {"UEA2": 6, "UIA2": 7},
    "ts33401-eea1-eia1.json": {"128-EEA1": 6, "128-EIA1": 7},
    "eea3-eia3-zuc-implementors-test-data.json": {"ZUC": 4, "128-EEA3": 5, "128-EIA3": 5},
}


def _sets(algorithm: str) -> list[dict]:
    out = []
    for name in FILES:
        doc = json.loads((VECTORS / name).read_text())
        out += [s for s in doc["sets"] if s["algorithm"] == algorithm]
    return out


def _ids(sets: list[dict]) -> list[str]:
    return [s["name"] for s in sets]


def _words(text: str) -> bytes:
    return H(text.replace(" ", ""))


def test_every_published_set_is_on_disk_with_its_provenance(vectors: Path) -> None:
    """All sets of each document are present, each naming document, version and section."""
    for name, counts in FILES.items():
        doc = json.loads((vectors / name).read_text())
        found: dict[str, int] = {}
        for s in doc["sets"]:
            found[s["algorithm"]] = found.get(s["algorithm"], 0) + 1
            assert all(s["provenance"][k] for k in ("document", "version", "section"))
        assert found == counts, name
        assert doc["source"] and doc["transcription"]


def test_some_published_lengths_are_not_whole_octets() -> None:
    """The sets exercise partial last octets for every algorithm family."""
    for alg in ("UEA2", "UIA2", "128-EEA1", "128-EIA1", "128-EEA3", "128-EIA3"):
        assert any(s["length"] % 8 for s in _sets(alg)), alg


# -- SNOW 3G ---------------------------------------------------------------------------


def _reversed_words(b: bytes) -> bytes:
    return b"".join(b[i : i + 4] for i in range(len(b) - 4, -1, -4))


@pytest.mark.parametrize("s", _sets("SNOW3G"), ids=_ids(_sets("SNOW3G")))
def test_snow3g_keystream_matches_document_3(s: dict) -> None:
    """UEA2&UIA2 Document 3 gives k0..k3 and IV0..IV3 low word first; the generator loads
    k3 (the first key bits of UEA2/UIA2) first."""
    key = _reversed_words(_words(s["k0_k1_k2_k3"]))
    iv = _reversed_words(_words(s["iv0_iv1_iv2_iv3"]))
    first = [int(w, 16) for w in s["z"].split()]
    n = s.get("z_last_index", len(first))
    z = snow3g.keystream(key, iv, n)
    assert z[: len(first)] == first
    if "z_last" in s:
        assert z[-1] == int(s["z_last"], 16)


@pytest.mark.parametrize("s", _sets("UEA2"), ids=_ids(_sets("UEA2")))
def test_uea2_enciphers_and_deciphers_documents_3_and_4(s: dict) -> None:
    """UEA2 (f8): plaintext -> ciphertext, and the same operation back."""
    args = (H(s["key"]), int(s["count"], 16), s["bearer"], s["direction"])
    ct = snow3g.uea2(*args, H(s["plaintext"]), s["length"])
    assert ct.hex() == s["ciphertext"]
    assert snow3g.uea2(*args, ct, s["length"]).hex() == s["plaintext"]


@pytest.mark.parametrize("s", _sets("UIA2"), ids=_ids(_sets("UIA2")))
def test_uia2_mac_matches_documents_3_and_4(s: dict) -> None:
    """UIA2 (f9) MAC-I with the document's FRESH."""
    mac = snow3g.uia2(
        H(s["key"]), int(s["count"], 16), int(s["fresh"], 16), s["direction"],
        H(s["message"]), s["length"],
    )  # fmt: skip
    assert mac.hex() == s["mac"]


@pytest.mark.parametrize("s", _sets("128-EEA1"), ids=_ids(_sets("128-EEA1")))
def test_nea1_is_128_eea1_of_ts_33401_c3(s: dict) -> None:
    """128-NEA1 = 128-EEA1 (TS 33.501 D.4.2): the C.3 sets, both directions."""
    args = (H(s["key"]), int(s["count"], 16), s["bearer"], s["direction"])
    assert nea1(*args, H(s["plaintext"]), s["length"]).hex() == s["ciphertext"]
    assert nea1(*args, H(s["ciphertext"]), s["length"]).hex() == s["plaintext"]


@pytest.mark.parametrize("s", _sets("128-EIA1"), ids=_ids(_sets("128-EIA1")))
def test_nia1_is_128_eia1_of_ts_33401_c4(s: dict) -> None:
    """128-NIA1 = 128-EIA1 (TS 33.501 D.4.3): the C.4 sets."""
    args = (H(s["key"]), int(s["count"], 16), s["bearer"], s["direction"])
    assert nia1(*args, H(s["message"]), s["length"]).hex() == s["mac"]


@pytest.mark.parametrize("s", _sets("128-EIA1"), ids=_ids(_sets("128-EIA1")))
def test_128_eia1_is_uia2_with_fresh_bearer_and_27_zero_bits(s: dict) -> None:
    """TS 33.401 B.2.2: 128-EIA1 = UIA2 with FRESH = BEARER || 0^27; any other placing
    of BEARER (e.g. low bits) gives another MAC."""
    key, count, msg = H(s["key"]), int(s["count"], 16), H(s["message"])
    fresh = s["bearer"] << 27
    assert snow3g.uia2(key, count, fresh, s["direction"], msg, s["length"]).hex() == s["mac"]
    wrong = snow3g.uia2(key, count, s["bearer"], s["direction"], msg, s["length"])
    assert wrong.hex() != s["mac"]


# -- ZUC -------------------------------------------------------------------------------


@pytest.mark.parametrize("s", _sets("ZUC"), ids=_ids(_sets("ZUC")))
def test_zuc_keystream_matches_the_corrected_zuc_test_data(s: dict) -> None:
    """ZUC v1.6 (corrected initialisation) keystream words."""
    first = [int(w, 16) for w in s["z"].split()]
    n = s.get("z_last_index", len(first))
    z = zuc.keystream(H(s["key"]), H(s["iv"]), n)
    assert z[: len(first)] == first
    if "z_last" in s:
        assert z[-1] == int(s["z_last"], 16)


@pytest.mark.parametrize("s", _sets("128-EEA3"), ids=_ids(_sets("128-EEA3")))
def test_nea3_is_128_eea3_of_document_3(s: dict) -> None:
    """128-NEA3 = 128-EEA3 (TS 33.501 D.4.6), both directions."""
    args = (H(s["key"]), int(s["count"], 16), s["bearer"], s["direction"])
    n = (s["length"] + 7) // 8
    assert nea3(*args, H(s["plaintext"]), s["length"]) == H(s["ciphertext"])[:n]
    assert nea3(*args, H(s["ciphertext"]), s["length"]) == H(s["plaintext"])[:n]


@pytest.mark.parametrize("s", _sets("128-EIA3"), ids=_ids(_sets("128-EIA3")))
def test_nia3_is_128_eia3_of_document_3(s: dict) -> None:
    """128-NIA3 = 128-EIA3 (TS 33.501 D.4.7)."""
    args = (H(s["key"]), int(s["count"], 16), s["bearer"], s["direction"])
    assert nia3(*args, H(s["message"]), s["length"]).hex() == s["mac"]


# -- properties the vectors do not show ------------------------------------------------


def test_bits_past_length_neither_change_the_mac_nor_survive_ciphering() -> None:
    """Only LENGTH bits count: padding bits are ignored by NIA1/NIA3 and zero in NEA1/NEA3
    output."""
    key, msg = bytes(range(16)), bytes.fromhex("a5" * 9)
    other = msg[:-1] + b"\xa4"  # differs only in the last bit, past a 71-bit length
    for nia in (nia1, nia3):
        assert nia(key, 5, 1, 0, msg, 71) == nia(key, 5, 1, 0, other, 71)
        assert nia(key, 5, 1, 0, msg, 72) != nia(key, 5, 1, 0, other, 72)
    for nea in (nea1, nea3):
        assert nea(key, 5, 1, 0, msg, 71)[-1] & 1 == 0


def test_every_nas_algorithm_defaults_to_whole_octets_and_detects_a_changed_bit() -> None:
    """INTEGRITY/CIPHERING hold NIA1..3/NEA1..3 with one signature; a one-bit change of
    the message changes each MAC, and ciphering twice gives the plaintext back."""
    key, msg = bytes(range(16)), b"\x7e\x00\x5d\x02\x00\x04\x80\xa0"
    for nia in INTEGRITY.values():
        mac = nia(key, 7, 1, 1, msg)
        assert len(mac) == 4
        assert nia(key, 7, 1, 1, msg[:-1] + b"\xa1") != mac
        assert nia(key, 7, 1, 0, msg) != mac
    for nea in CIPHERING.values():
        ct = nea(key, 7, 1, 1, msg)
        assert ct != msg and nea(key, 7, 1, 1, ct) == msg


def test_a_message_shorter_than_its_length_is_refused() -> None:
    with pytest.raises(ValueError, match="octets"):
        nia1(bytes(16), 0, 1, 0, b"\x00", 9)
    with pytest.raises(ValueError, match="octets"):
        nea3(bytes(16), 0, 1, 0, b"\x00", 9)


@settings(max_examples=60, deadline=None)
@given(
    key=st.binary(min_size=16, max_size=16),
    count=st.integers(0, 2**32 - 1),
    bearer=st.integers(0, 31),
    direction=st.integers(0, 1),
    data=st.binary(min_size=1, max_size=40),
    cut=st.integers(0, 7),
    alg=st.sampled_from([1, 3]),
)
def test_any_length_deciphers_back_and_ignores_padding(
    key, count, bearer, direction, data, cut, alg
):
    """For every LENGTH (not only whole octets): NEA twice is the identity on the first
    LENGTH bits, and neither NEA output nor NIA MAC depends on the bits past LENGTH."""
    length = 8 * len(data) - cut
    pad = (1 << cut) - 1
    noisy = data[:-1] + bytes((data[-1] | pad,))
    clean = data[:-1] + bytes((data[-1] & ~pad & 0xFF,))
    nea, nia = {1: (nea1, nia1), 3: (nea3, nia3)}[alg]
    ct = nea(key, count, bearer, direction, noisy, length)
    assert nea(key, count, bearer, direction, ct, length) == clean
    assert nia(key, count, bearer, direction, noisy, length) == nia(
        key, count, bearer, direction, clean, length
    )


def test_zuc_refuses_a_key_or_iv_that_is_not_128_bits_and_says_why():
    """ZUC Document 2 3.1: the key and IV are 128 bits each."""
    with pytest.raises(ValueError, match=r"^ZUC takes a 128-bit key and a 128-bit IV$"):
        zuc.keystream(bytes(16), bytes(15), 1)

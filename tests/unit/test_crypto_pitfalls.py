"""The usual mistakes of docs/keys.md, one named test each: every test would fail on the
mistaken implementation, and is pinned to a vector where one exists."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from ue_stack.crypto import (
    AuthCheck,
    aka_chain,
    build_auts,
    compute_opc,
    k_akma,
    k_amf,
    k_ausf,
    k_nas_int,
    kdf,
    milenage,
    res_star,
    serving_network_name,
    verify_autn,
)
from ue_stack.crypto.akma import a_kid, a_tid
from ue_stack.crypto.eap_aka_prime import ck_ik_prime, master_keys, prf_prime

H = bytes.fromhex

# The pycrate AuC chain of tests/data/vectors/5g-aka-akma-chains.json (inputs and outputs).
K = H("0123456789abcdef0123456789abcdef")
OPC = H("e61f7be621ff52a5e55de40eb8711adc")
RAND = bytes(16)
SQN = H("000000000002")
AMF = H("8000")
SNN = "5G:mnc001.mcc001.3gppnetwork.org"
SUPI = "001010000000001"
RES_STAR = "0259533464dbbccf61ab9c8adacfac52"
KAUSF = H("aa6c3468005782bd1ff69183d2cc038ddd6b37f6cef869d8d3a91b8cbac90de9")
KSEAF = H("872b7a4779805c9dfeae6f44e12e41cf121b81fe84baa7ac175e5248c334f309")
KAMF_HEX = "3caa511b4dfe05fc360646498f80a00c186ebe09e879c79a5394138a184b74b9"
KAKMA_HEX = "d9c548293d346e9888e8a78aa379cd95d09776ccb6f6463461801238eca03339"


def test_snn_pads_a_two_digit_mnc_to_three_digits() -> None:
    """TS 24.501 9.12.1: 001/01 gives mnc001, and only the padded SNN reproduces RES*."""
    assert serving_network_name("001", "01") == SNN
    assert serving_network_name("208", "93") == "5G:mnc093.mcc208.3gppnetwork.org"
    assert serving_network_name("310", "410") == "5G:mnc410.mcc310.3gppnetwork.org"
    m = milenage(K, OPC, RAND, SQN, AMF)
    assert res_star(m.ck, m.ik, serving_network_name("001", "01"), RAND, m.res).hex() == RES_STAR
    unpadded = "5G:mnc01.mcc001.3gppnetwork.org"
    assert res_star(m.ck, m.ik, unpadded, RAND, m.res).hex() != RES_STAR


def test_a_kid_realm_pads_a_two_digit_mnc_too() -> None:
    """TS 23.003 28.2 home network domain, as in the docs/keys.md A-KID convention."""
    assert a_kid("0", bytes(32), "999", "70").endswith("@5gc.mnc070.mcc999.3gppnetwork.org")


def test_imsi_prefix_is_stripped_from_the_supi_kdf_input() -> None:
    """TS 33.501 A.7.0: the SUPI enters KAMF/KAKMA/A-TID as the IMSI digits, never with the
    SBI prefix 'imsi-'."""
    assert k_amf(KSEAF, "imsi-" + SUPI, b"\x00\x00").hex() == KAMF_HEX
    assert k_akma(KAUSF, "imsi-" + SUPI).hex() == KAKMA_HEX
    assert a_tid(KAUSF, "imsi-" + SUPI) == a_tid(KAUSF, SUPI)
    # ... and the prefix would change the key if it were kept
    assert kdf(KSEAF, 0x6D, b"imsi-" + SUPI.encode(), b"\x00\x00").hex() != KAMF_HEX


def test_res_star_keeps_the_last_16_octets_of_the_kdf_output() -> None:
    """TS 33.501 A.4: RES* is the 128 least significant bits, i.e. the last 16 octets."""
    m = milenage(K, OPC, RAND, SQN, AMF)
    full = kdf(m.ck + m.ik, 0x6B, SNN.encode(), RAND, m.res)
    assert full[16:].hex() == RES_STAR
    assert full[:16].hex() != RES_STAR


def test_hxres_star_keeps_the_last_16_octets_of_the_sha256() -> None:
    """TS 33.501 A.5: HXRES* = 128 least significant bits of SHA-256(RAND || XRES*)."""
    c = aka_chain(K, OPC, RAND, SQN, AMF, SNN)
    digest = hashlib.sha256(RAND + H(RES_STAR)).digest()
    assert c.hxres_star == digest[16:] != digest[:16]
    assert c.hxres_star.hex() == "4a357953582953c8134c0fb72aa53ff5"


def test_k_nas_int_keeps_the_last_16_octets_of_the_kdf_output() -> None:
    """TS 33.501 A.8: K_NASint = 128 least significant bits of KDF(KAMF, 0x69, 0x02, id);
    pinned to the free5GC capture's K_NAS_int (docs/keys.md)."""
    kamf = H("79d732bed7bbf1e729e9807e417b09967bae88f6870b53d5e6367f06c8e1e5a8")
    full = kdf(kamf, 0x69, b"\x02", b"\x02")
    assert k_nas_int(kamf, 2).hex() == full[16:].hex() == "f2e93ce1fd9389e1f40a200c3b3462ad"
    assert full[:16].hex() != "f2e93ce1fd9389e1f40a200c3b3462ad"


def test_kausf_uses_sqn_xor_ak_not_the_plain_sqn() -> None:
    """TS 33.501 A.2: P1 is SQN xor AK, the first 6 octets of AUTN."""
    m = milenage(K, OPC, RAND, SQN, AMF)
    autn = aka_chain(K, OPC, RAND, SQN, AMF, SNN).autn
    assert k_ausf(m.ck, m.ik, SNN, autn[:6]) == KAUSF
    assert k_ausf(m.ck, m.ik, SNN, SQN) != KAUSF


def test_prf_prime_is_keyed_with_ik_prime_then_ck_prime() -> None:
    """RFC 9048 3.3: MK = PRF'(IK'|CK', "EAP-AKA'"|Identity) - IK' first. RFC 5448
    Appendix C case 1 EMSK only comes out with that order."""
    ck, ik = H("5349fbe098649f948f5d2e973a81c00f"), H("9744871ad32bf9bbd1dd5ce54e3e2e5a")
    ck_p, ik_p = ck_ik_prime(ck, ik, "WLAN", H("bb52e91c747a"))
    s = b"EAP-AKA'" + b"0555444333222111"
    emsk = master_keys(ck_p, ik_p, "0555444333222111").emsk
    assert emsk == prf_prime(ik_p + ck_p, s, 208)[144:]
    assert emsk != prf_prime(ck_p + ik_p, s, 208)[144:]
    assert emsk.hex().startswith("f861703cd775590e16c7679ea3874ada")


def test_ck_prime_is_the_first_half_of_the_kdf_output() -> None:
    """TS 33.501 A.3: CK' || IK' = KDF(CK||IK, 0x20, ...): CK' comes first (RFC 5448
    Appendix C case 1: CK' = 0093962d...)."""
    ck, ik = H("5349fbe098649f948f5d2e973a81c00f"), H("9744871ad32bf9bbd1dd5ce54e3e2e5a")
    ck_p, ik_p = ck_ik_prime(ck, ik, "WLAN", H("bb52e91c747a"))
    assert ck_p.hex() == "0093962d0dd84aa5684b045c9edffa04"
    assert ik_p.hex() == "ccfc230ca74fcc96c0a5d61164f5a76c"


def test_auts_mac_s_uses_amf_star_0000_not_the_challenge_amf() -> None:
    """TS 33.102 6.3.3: MAC-S = f1*(K, SQN_MS, RAND, AMF*) with AMF* = 0000, whatever AMF
    the AUTN carried (here 8000)."""
    sqn_ms = H("00000000001f")
    auts = build_auts(K, OPC, RAND, sqn_ms)
    assert auts[6:] == milenage(K, OPC, RAND, sqn_ms, b"\x00\x00").mac_s
    assert auts[6:] != milenage(K, OPC, RAND, sqn_ms, AMF).mac_s


def test_auts_conceals_sqn_ms_with_ak_star_not_ak() -> None:
    """TS 33.102 6.3.3: AUTS = SQN_MS xor AK* || MAC-S (f5*, not f5)."""
    sqn_ms = H("00000000001f")
    m = milenage(K, OPC, RAND)
    auts = build_auts(K, OPC, RAND, sqn_ms)
    assert auts[:6] == bytes(a ^ b for a, b in zip(sqn_ms, m.ak_star, strict=True))
    assert auts[:6] != bytes(a ^ b for a, b in zip(sqn_ms, m.ak, strict=True))


def _autn(amf: bytes) -> bytes:
    return aka_chain(K, OPC, RAND, SQN, amf, SNN).autn


def test_separation_bit_is_the_msb_of_the_first_amf_octet() -> None:
    """TS 33.501 Annex A.1 / 6.1.3.2: the ME accepts only AMF with bit 0 (mask 0x80 of the
    first octet) set, else #26; a bit elsewhere does not count."""
    for amf, accepted in ((H("8000"), True), (H("ffff"), True), (H("c3ab"), True),
                          (H("0000"), False), (H("7fff"), False), (H("0080"), False),
                          (H("0180"), False)):
        v = verify_autn(K, OPC, RAND, _autn(amf), bytes(6))
        expected = AuthCheck.OK if accepted else AuthCheck.NON_5G_AUTHENTICATION_UNACCEPTABLE
        assert v.outcome is expected, amf.hex()


def test_separation_bit_failure_comes_after_the_usim_accepted_the_sqn() -> None:
    """TS 33.501 6.1.3.2: the USIM has already checked MAC and SQN, so on #26 its SQN_MS
    is the new SQN; a bad MAC with the same AMF is #20, not #26."""
    autn = _autn(H("0000"))
    v = verify_autn(K, OPC, RAND, autn, bytes(6))
    assert v.cause == 26 and v.sqn_ms == SQN
    bad_mac = autn[:8] + bytes([autn[8] ^ 1]) + autn[9:]
    assert verify_autn(K, OPC, RAND, bad_mac, bytes(6)).cause == 20


def test_k_akma_uses_fc_0x80_with_akma_string_not_the_kausf_fc() -> None:
    """TS 33.535 A.2: KAKMA = KDF(KAUSF, 0x80, "AKMA", SUPI). One open-source UE uses FC
    0x6A (KAUSF's) and the SUPI only; ours must not equal that."""
    supi = SUPI.encode()
    assert k_akma(KAUSF, SUPI).hex() == KAKMA_HEX
    assert k_akma(KAUSF, SUPI) == kdf(KAUSF, 0x80, b"AKMA", supi)
    assert k_akma(KAUSF, SUPI) != kdf(KAUSF, 0x6A, supi)
    assert k_akma(KAUSF, SUPI) != kdf(KAUSF, 0x6A, b"AKMA", supi)
    assert k_akma(KAUSF, SUPI) != kdf(KAUSF, 0x80, supi)


def test_kdf_lengths_are_two_octets_big_endian() -> None:
    """TS 33.220 B.2.2: S = FC || P0 || L0 ...; L0 = 00 04 for "AKMA"."""
    s = b"\x80" + b"AKMA" + b"\x00\x04" + SUPI.encode() + len(SUPI).to_bytes(2, "big")
    assert k_akma(KAUSF, SUPI) == hmac.digest(KAUSF, s, "sha256")


def test_opc_refuses_an_op_or_k_of_the_wrong_length():
    """TS 35.206 4.1: K and OP are 128 bits; a 15- or 17-octet OP is an input error, not
    an OPc computed from a truncated or padded block."""
    for op in (bytes(15), bytes(17)):
        with pytest.raises(ValueError, match="op must be 16 octets"):
            compute_opc(bytes(16), op)
    with pytest.raises(ValueError, match="k must be 16 octets"):
        compute_opc(bytes(15), bytes(16))


@pytest.mark.parametrize(("sqn", "amf", "bad"), [
    (bytes(5), bytes(2), "sqn"), (bytes(7), bytes(2), "sqn"), (bytes(6), bytes(1), "amf"),
])
def test_milenage_refuses_an_sqn_or_amf_of_the_wrong_length(sqn, amf, bad):
    """TS 35.206 2.3: SQN is 48 bits and AMF 16; f1 over another length is an input error."""
    with pytest.raises(ValueError, match=f"{bad} must be"):
        milenage(K, OPC, bytes(16), sqn, amf)


def test_milenage_names_an_opc_of_the_wrong_length():
    """TS 35.206 2.3: OPc is 128 bits; a wrong one is refused by name, after K passed."""
    from ue_stack.crypto.milenage import milenage

    with pytest.raises(ValueError, match=r"^opc must be 16 octets, got 15$"):
        milenage(bytes(16), bytes(15), bytes(16))

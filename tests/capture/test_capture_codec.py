"""NAS-5GS codec (TS 24.501 clauses 8, 9): captured octets <-> trace-format fields
(docs/trace-format.md)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ue_stack.nas import eap
from ue_stack.nas.codec import (
    NasDecodeError,
    decode_mobile_identity,
    decode_pdu,
    decode_plain,
    decode_plmn,
    encode_pdu,
    protected_pdu,
    transport_name,
)
from ue_stack.nas.messages import MESSAGES, NasMessage, nas

# From the gnbsim/free5GC capture (tests/data/captures/gnbsim-free5gc-ngap.json).
AUTH_REQUEST = bytes.fromhex(
    "7e00560002000021fc64081953bb33c0682edf1690b25821201094bbaf40940a8000c6a72c4efbaf0337"
)
SMC = bytes.fromhex("7e036c2b24e2007e005d02000480a00000e1360100")
REG_ACCEPT_NEA0 = bytes.fromhex(
    "7e02930d75cf017e0242010177000b0202f839cafe000000000154070002f839000001150a04010102030401"
    "1122335e010616012c"
)


def test_authentication_request_fields_are_read_from_the_ies():
    """TS 24.501 8.2.1: ngKSI, ABBA (LV), RAND (TV 0x21), AUTN (TLV 0x20)."""
    d = decode_pdu(AUTH_REQUEST)
    assert d.msg == "authentication_request" and d.security_header == 0
    assert d.fields == {
        "ngksi": 0,
        "abba": b"\x00\x00",
        "rand": bytes.fromhex("fc64081953bb33c0682edf1690b25821"),
        "autn": bytes.fromhex("94bbaf40940a8000c6a72c4efbaf0337"),
    }


def test_security_mode_command_under_header_3_gives_mac_seq_and_algorithms():
    """TS 24.501 9.3 (header type 3: integrity protected, new context) and 8.2.25."""
    d = decode_pdu(SMC)
    assert (d.security_header, d.mac.hex(), d.seq) == (3, "6c2b24e2", 0)
    assert d.inner == SMC[7:]
    assert d.msg == "security_mode_command"
    assert (d.fields["nea"], d.fields["nia"], d.fields["ngksi"]) == (0, 2, 0)
    assert d.fields["replayed_ue_sec_cap"] == bytes.fromhex("80a00000")


def test_ciphered_payload_reads_as_nea0_only_when_it_parses_completely():
    """TS 33.501 D.1: NEA0 output equals its input, so a header-2 payload that parses as a
    whole plain message is read; the same octets mangled are not."""
    d = decode_pdu(REG_ACCEPT_NEA0)
    assert d.msg == "registration_accept" and d.null_ciphered
    assert d.fields["guti"] == bytes.fromhex("02f839cafe0000000001")
    mangled = REG_ACCEPT_NEA0[:7] + bytes(b ^ 0x5A for b in REG_ACCEPT_NEA0[7:])
    d2 = decode_pdu(mangled)
    assert d2.msg is None and d2.ciphered and d2.inner == mangled[7:]
    assert decode_pdu(REG_ACCEPT_NEA0, null_cipher_guess=False).msg is None


def test_null_scheme_suci_gives_the_supi_and_routing_indicator():
    """TS 24.501 9.11.3.4, TS 33.501 6.12.2: null scheme output is the MSIN."""
    ident = decode_mobile_identity(bytes.fromhex("0199f907f0ff00000000203190"))
    assert ident.supi == "999700000021309"
    assert (ident.mcc, ident.mnc, ident.routing_indicator) == ("999", "70", "0")
    concealed = decode_mobile_identity(bytes.fromhex("0199f907f0ff0101") + bytes(40))
    assert concealed.supi is None and concealed.protection_scheme == 1


def test_guti_gives_the_s_tmsi_used_to_find_the_ue_again():
    """TS 24.501 9.11.3.4: 5G-GUTI = PLMN, AMF region, set+pointer, 5G-TMSI."""
    ident = decode_mobile_identity(bytes.fromhex("f200f110020040c0000580"))
    assert ident.s_tmsi == bytes.fromhex("0040c0000580")
    assert (ident.mcc, ident.mnc) == ("001", "01")


def test_plmn_with_three_digit_mnc():
    assert decode_plmn(bytes.fromhex("02f839")) == ("208", "93")
    assert decode_plmn(bytes.fromhex("130062")) == ("310", "260")


def test_ul_nas_transport_is_named_after_its_5gsm_message():
    pdu = bytes.fromhex("7e043e1945e3007e00670100072e0a01c1ffff91120a812204010000012504046f6169")
    d = decode_pdu(pdu)
    assert d.msg == "ul_nas_transport"
    assert transport_name(d) == "pdu_session_establishment_request"
    assert d.extra["pdu_session_id"] == 10


def test_dl_nas_transport_gives_the_5gmm_cause_ie():
    """TS 24.501 8.2.11: DL NAS TRANSPORT's optional 5GMM cause (IEI 58), e.g. #90 payload
    was not forwarded, is read with the PDU session ID (IEI 12)."""
    pdu = bytes.fromhex("7e0068010003" + "2e0a01" + "120a" + "585a")
    d = decode_pdu(pdu)
    assert d.msg == "dl_nas_transport"
    assert (d.extra["pdu_session_id"], d.extra["cause"]) == (10, 90)


def test_a_5gsm_message_outside_a_transport_is_named_with_its_pdu_session():
    """TS 24.501 9.1.1: a 5GSM header (EPD 2E, PDU session ID, PTI, message type)."""
    d = decode_pdu(bytes.fromhex("2e0a01c1ffff91"))
    assert d.msg == "pdu_session_establishment_request"
    assert d.extra["pdu_session_id"] == 10


def test_service_request_gives_ngksi_service_type_and_the_s_tmsi():
    """TS 24.501 8.2.16: ngKSI (here 7, "no key") and service type share octet 4; the
    5G-S-TMSI (9.11.3.4, type 4) is the AMF set, pointer and 5G-TMSI after the type octet."""
    s_tmsi = bytes.fromhex("0040c0000580")
    d = decode_pdu(bytes.fromhex("7e004c71" + "0007f4") + s_tmsi)
    assert d.msg == "service_request"
    assert (d.extra["ngksi"], d.extra["service_type"]) == (7, 1)
    assert decode_mobile_identity(d.extra["mobile_identity"]).s_tmsi == s_tmsi


def test_a_protected_message_whose_inner_message_is_not_5gmm_is_not_read_as_one():
    """TS 24.501 9.1.1: the message inside a security protected 5GMM message is a 5GMM
    message (EPD 7E); other octets there are reported as not decoding, not guessed at."""
    d = decode_pdu(protected_pdu(1, bytes(4), 0, bytes.fromhex("7f005b01")))  # IDENTITY REQ.
    assert d.msg is None
    assert d.extra["note"] == "inner message does not decode"


EAP_CHALLENGE = {
    "eap_code": "request",
    "eap_id": 7,
    "eap_subtype": "challenge",
    "at_rand": bytes(range(16)),
    "at_autn": bytes(range(16, 32)),
    "at_kdf_input": "5G:mnc001.mcc001.3gppnetwork.org",
    "at_kdf": 1,
}
EAP_RESPONSE = {
    "eap_code": "response",
    "eap_id": 7,
    "eap_subtype": "challenge",
    "at_res": bytes(range(8)),
}


def _eap(description: dict) -> dict:
    """An EAP message IE's fields as a message carries them: the packet and its decoded
    fields (docs/trace-format.md), AT_MAC computed with a made-up K_aut."""
    packet = eap.encode(description, k_aut=bytes(32) if "eap_subtype" in description else None)
    return {"eap": packet, **eap.decode(packet)}


CASES = [
    nas("registration_request", registration_type="initial", ngksi=7),
    nas("registration_request", registration_type="periodic", ngksi=3),
    nas("registration_accept", guti=bytes.fromhex("00f110020040c0000580")),
    nas("registration_accept"),
    nas("registration_reject", cause=3),
    nas("registration_complete"),
    nas(
        "authentication_request",
        ngksi=2,
        abba=b"\x00\x00",
        rand=bytes(range(16)),
        autn=bytes(range(16, 32)),
    ),
    nas("authentication_response", res_star=bytes(range(16))),
    nas("authentication_failure", cause=21, auts=bytes(range(14))),
    nas("authentication_failure", cause=20),
    nas("authentication_reject"),
    nas("authentication_result", ngksi=1, **_eap({"eap_code": "success", "eap_id": 5})),
    nas("authentication_reject", **_eap({"eap_code": "failure", "eap_id": 6})),
    nas("authentication_request", ngksi=3, abba=b"\x00\x00", **_eap(EAP_CHALLENGE)),
    nas("authentication_response", **_eap(EAP_RESPONSE)),
    nas("security_mode_command", ngksi=3, nea=2, nia=2, replayed_ue_sec_cap=b"\xf0\xf0",
        **_eap({"eap_code": "success", "eap_id": 7})),
    nas(
        "security_mode_command",
        ngksi=1,
        nea=2,
        nia=2,
        abba=b"\x00\x00",
        replayed_ue_sec_cap=bytes.fromhex("f0f0"),
    ),
    nas("security_mode_complete"),
    nas("security_mode_reject", cause=23),
    nas("identity_request", identity_type=1),
    nas("identity_response", identity=bytes.fromhex("0199f907f0ff00000000203190")),
    nas("deregistration_request", switch_off=True),
    nas("deregistration_request", switch_off=False),
    nas("deregistration_request", switch_off=False, re_registration_required=False, cause=3),
    nas("deregistration_request", switch_off=False, re_registration_required=True),
    nas("deregistration_accept"),
    nas("status", cause=98),
]


@pytest.mark.parametrize("message", CASES, ids=lambda m: m.msg)
def test_encode_then_decode_gives_the_same_fields(message: NasMessage):
    """Every docs/trace-format.md message survives encode_pdu -> decode_pdu."""
    d = decode_pdu(encode_pdu(message))
    assert d.msg == message.msg
    assert {k: v for k, v in d.fields.items() if k in MESSAGES[message.msg][1]} == dict(
        message.fields
    )


def test_protected_pdu_wraps_a_plain_message():
    inner = encode_pdu(nas("registration_complete"))
    d = decode_pdu(protected_pdu(1, b"\x01\x02\x03\x04", 5, inner))
    assert (d.msg, d.security_header, d.seq, d.mac) == (
        "registration_complete",
        1,
        5,
        b"\x01\x02\x03\x04",
    )


@pytest.mark.parametrize("octets", ["", "7e", "7e0041", "0102030405", "7e09aabbccdd00", "7e0056"])
def test_garbage_never_raises(octets: str):
    """Malformed input yields None or msg None, never an exception."""
    d = decode_pdu(bytes.fromhex(octets))
    assert d is None or d.msg is None


REAL_PDUS = [AUTH_REQUEST, SMC, REG_ACCEPT_NEA0]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(REAL_PDUS), st.integers(0, 60), st.binary(max_size=4), st.booleans())
def test_mutated_pdus_never_raise(pdu: bytes, pos: int, junk: bytes, truncate: bool):
    """Whatever the octets, decode_pdu answers (None or a DecodedPdu), never raises."""
    pos = min(pos, len(pdu))
    mutated = pdu[:pos] if truncate else pdu[:pos] + junk + pdu[pos + len(junk) :]
    d = decode_pdu(mutated)
    if d is not None and "mobile_identity" in d.extra:
        decode_mobile_identity(d.extra["mobile_identity"])


def test_a_type1_optional_ie_is_keyed_by_its_high_nibble_and_carries_its_low_nibble():
    """TS 24.007 11.2.4 / TS 24.501 8.2.25.4: IMEISV request is a type-1 TV IE (IEI 0xE-);
    an odd value (0xE1, "IMEISV requested") still lands under 0xE0 with value 1."""
    assert decode_pdu(SMC).extra["imeisv_request"] == 1


def test_a_plmn_identity_with_a_non_bcd_third_mnc_digit_is_rejected():
    """TS 24.008 10.5.1.13: the third MNC digit is 0-9 or the filler F; 0xA is neither."""
    assert decode_plmn(bytes.fromhex("00f110")) == ("001", "01")
    with pytest.raises(NasDecodeError, match="not BCD"):
        decode_plmn(bytes.fromhex("00a110"))


def test_a_registration_request_without_ngksi_says_no_key_is_available():
    """TS 24.501 9.11.3.32: ngKSI 7 means "no key is available"; it is the default."""
    assert decode_pdu(encode_pdu(nas("registration_request"))).fields["ngksi"] == 7


def test_registration_accept_without_a_result_registers_over_3gpp_access():
    """TS 24.501 9.11.3.6: the 5GS registration result is an LV of one octet, 0x01 =
    3GPP access."""
    assert encode_pdu(nas("registration_accept")).endswith(b"\x42\x01\x01")


def test_an_outer_message_that_is_not_5gmm_is_not_a_plain_5gmm_message():
    """TS 24.007 11.2.3.1.1: a protocol discriminator other than 5GMM/5GSM is refused with
    a reason a person can read."""
    with pytest.raises(NasDecodeError, match=r"^not a plain 5GMM message$"):
        decode_plain(bytes.fromhex("0200410000"))


def test_authentication_result_with_an_eap_failure_carries_that_failure():
    """TS 24.501 8.2.4 / 9.11.2.2: the EAP message IE carries the EAP packet the fields
    describe (here EAP-Failure, RFC 3748 4.2, identifier 9), not a default EAP-Success."""
    octets = encode_pdu(nas("authentication_result", eap_code="failure", eap_id=9))
    assert octets.endswith(bytes((4, 9, 0, 4)))

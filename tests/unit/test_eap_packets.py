"""EAP-AKA' packets (RFC 4187 8-10, RFC 9048 3): attributes, AT_MAC as HMAC-SHA-256-128
with K_aut, and the agreement of a message's ``eap`` octets with its decoded fields
(docs/trace-format.md). The independent vector is Android's IKE EAP peer test
(tests/data/vectors/eap-aka-prime-android-ike.json, provenance in tests/data/README.md)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ue_stack.crypto.eap_aka_prime import ck_ik_prime, master_keys
from ue_stack.nas import eap

H = bytes.fromhex


@pytest.fixture(scope="module")
def android(vectors) -> list[dict]:
    return json.loads((vectors / "eap-aka-prime-android-ike.json").read_text())["runs"]


def test_android_ike_keys_follow_from_ck_ik_by_rfc9048(android):
    """Every run, RFC 5448 case 1 among them: CK'/IK' (TS 33.501 A.3), then K_aut and EMSK
    from PRF'(IK'|CK', "EAP-AKA'"|Identity) (RFC 9048 3.3), as Android's peer has them."""
    for run in android:
        ck_p, ik_p = ck_ik_prime(H(run["ck"]), H(run["ik"]), run["network_name"],
                                 H(run["autn"])[:6])
        assert (bytes(ck_p).hex(), bytes(ik_p).hex()) == (run["ck_prime"], run["ik_prime"])
        keys = master_keys(ck_p, ik_p, run["identity"])
        assert (bytes(keys.k_aut).hex(), bytes(keys.emsk).hex()) == (run["k_aut"], run["emsk"])


def test_android_ike_at_mac_of_request_and_response_verify_with_its_k_aut(android):
    """RFC 9048 3.4.1: AT_MAC = HMAC-SHA-256-128(K_aut, packet with the MAC zeroed); the
    request and response MACs of every run, as Android's peer computed them."""
    for run in android:
        k_aut = H(run["k_aut"])
        for name in ("request_packet", "response_packet"):
            packet = H(run[name])
            assert eap.mac_ok(k_aut, packet), (run["name"], name)
            assert not eap.mac_ok(bytes(32), packet)


def test_android_ike_packets_are_rebuilt_byte_for_byte(android):
    """The AUSF's request and the UE's response builders write AKA'-Challenge packets as
    Android's peer and test server do: attribute order, AT_RES length in bits, AT_KDF_INPUT
    padding, AT_MAC last and computed in place."""
    for run in android:
        k_aut, request = H(run["k_aut"]), H(run["request_packet"])
        fields = eap.decode(request)
        assert (fields["at_rand"], fields["at_autn"], fields["at_kdf_input"]) == (
            H(run["rand"]), H(run["autn"]), run["network_name"])
        assert eap.challenge_request(fields["eap_id"], H(run["rand"]), H(run["autn"]),
                                     run["network_name"], k_aut) == request
        assert eap.challenge_response(fields["eap_id"], H(run["res"]), k_aut) == H(
            run["response_packet"])


def test_success_and_failure_are_four_octets():
    """RFC 3748 4.2: EAP-Success/Failure carry code, identifier and length only."""
    assert eap.encode({"eap_code": "success", "eap_id": 7}) == H("03070004")
    assert eap.decode(H("04090004")) == {"eap_code": "failure", "eap_id": 9}


@pytest.mark.parametrize(
    ("packet", "problem"),
    [
        ("0301", "shorter than an EAP header"),
        ("03010005", "length 5 but 4"),
        ("09010004", "unknown EAP code"),
        ("0101000c3201000001050000", "bad length"),
        ("0101000c3201000042010000", "unknown non-skippable attribute 66"),
    ],
)
def test_malformed_packets_are_named(packet: str, problem: str):
    with pytest.raises(eap.EapDecodeError, match=problem):
        eap.decode(H(packet))


def test_decoded_fields_that_contradict_the_packet_are_an_error_naming_the_field():
    """docs/trace-format.md: decoded fields must agree with the ``eap`` hex."""
    fields = {"eap": H("03070004"), "eap_code": "failure"}
    with pytest.raises(eap.EapFieldError) as err:
        eap.describe(fields)
    assert err.value.field == "eap_code"
    filled = eap.describe({"eap": H("03070004")})
    assert (filled["eap_code"], filled["eap_id"]) == ("success", 7)


@given(
    ident=st.integers(0, 255),
    rand=st.binary(min_size=16, max_size=16),
    autn=st.binary(min_size=16, max_size=16),
    name=st.text(max_size=40),
    res=st.binary(min_size=4, max_size=16),
    k_aut=st.binary(min_size=32, max_size=32),
)
def test_challenges_and_responses_survive_encode_then_decode(ident, rand, autn, name, res,
                                                            k_aut):
    request = {"eap_code": "request", "eap_id": ident, "eap_subtype": "challenge",
               "at_rand": rand, "at_autn": autn, "at_kdf_input": name, "at_kdf": 1}
    packet = eap.encode(request, k_aut=k_aut)
    decoded = eap.decode(packet)
    assert {k: decoded[k] for k in request} == request and eap.mac_ok(k_aut, packet)
    response = {"eap_code": "response", "eap_id": ident, "eap_subtype": "challenge",
                "at_res": res}
    packet = eap.encode(response, k_aut=k_aut)
    assert eap.decode(packet)["at_res"] == res and eap.mac_ok(k_aut, packet)


def test_an_eap_packet_longer_than_255_octets_decodes_with_its_two_octet_length():
    """RFC 3748 4: the Length field is two octets; an AKA'-Challenge with a long
    AT_KDF_INPUT (network name) goes past 255."""
    from ue_stack.nas import eap as eap_codec

    name = "5G:mnc001.mcc001.3gppnetwork.org" + "x" * 240
    packet = eap_codec.encode({"eap_code": "request", "eap_id": 1,
                               "eap_subtype": "challenge", "at_kdf_input": name})
    assert len(packet) > 255
    assert eap_codec.decode(packet)["at_kdf_input"] == name


def test_an_at_mac_given_without_k_aut_is_written_as_given():
    """RFC 4187 10.15 (kept by RFC 9048): a packet rebuilt from its description keeps the
    AT_MAC value it was captured with when no K_aut is at hand to compute one."""
    mac = bytes(range(16))
    packet = eap.encode({"eap_code": "response", "eap_id": 3, "eap_subtype": "challenge",
                         "at_res": bytes(8), "at_mac": mac})
    assert eap.decode(packet)["at_mac"] == mac


def test_an_eap_success_longer_than_its_header_is_refused():
    """RFC 3748 4.2: EAP-Success is exactly 4 octets, even when what follows looks like an
    EAP-AKA' type octet."""
    with pytest.raises(eap.EapDecodeError, match="must be 4 octets"):
        eap.decode(bytes((3, 1, 0, 8, eap.EAP_TYPE_AKA_PRIME, 1, 0, 0)))


def test_an_at_kdf_input_that_is_not_utf8_is_refused_by_name():
    """RFC 9048 3.1: AT_KDF_INPUT carries the network name (TS 24.501 serving network
    name, UTF-8); other octets are a decoding error that says which attribute."""
    attr = bytes((eap.AT_KDF_INPUT, 2, 0, 2, 0xFF, 0xFE, 0, 0))
    packet = bytes((1, 1, 0, 16, eap.EAP_TYPE_AKA_PRIME, 1, 0, 0)) + attr
    with pytest.raises(eap.EapDecodeError, match=r"^at_kdf_input is not UTF-8$"):
        eap.decode(packet)


def test_an_eap_success_without_an_identifier_gets_identifier_zero():
    """RFC 3748 4.2: the Identifier octet is always present; a description without
    ``eap_id`` is written with 0."""
    assert eap.encode({"eap_code": "success"}) == bytes((3, 0, 0, 4))

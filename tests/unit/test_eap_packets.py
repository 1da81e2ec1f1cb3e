"""EAP-AKA' packets (RFC 4187 8-10, RFC 9048 3): attributes, AT_MAC as HMAC-SHA-256-128
with K_aut, and the agreement of a message's ``eap`` octets with its decoded fields
(FORMATS.md 1). The independent vector is Android's IKE EAP peer test
(tests/data/vectors/eap-aka-prime-android-ike.json, provenance in tests/data/README.md)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ue_stack.crypto.eap_aka_prime import ck_ik_prime, master_keys, prf_prime
from ue_stack.nas import eap

H = bytes.fromhex


@pytest.fixture(scope="module")
def android(vectors) -> list[dict]:
    return json.loads((vectors / "eap-aka-prime-android-ike.json").read_text())["runs"]


def test_android_ike_at_mac_of_request_and_response_verify_with_its_k_aut(android):
    """RFC 9048 3.4.1: AT_MAC = HMAC-SHA-256-128(K_aut, packet with the MAC zeroed); both
    runs' request and response MACs, as Android's peer computed them."""
    for run in android:
        k_aut = H(run["k_aut"])
        for name in ("request_packet", "response_packet"):
            packet = H(run[name])
            assert eap.mac_ok(k_aut, packet), (run["name"], name)
            assert not eap.mac_ok(bytes(32), packet)


def test_android_ike_response_is_rebuilt_byte_for_byte_from_at_res_and_k_aut(android):
    """The encoder writes AKA'-Challenge responses as Android's peer does: AT_RES with its
    length in bits, AT_MAC last, the MAC computed in place."""
    for run in android:
        packet = H(run["response_packet"])
        fields = eap.decode(packet)
        assert fields["at_res"] == H(run["res"])
        rebuilt = eap.encode({**fields, "at_mac": None}, k_aut=H(run["k_aut"]))
        assert rebuilt == packet


def test_android_ike_request_decodes_to_its_attributes(android):
    """RFC 9048 3.1-3.2: AT_KDF_INPUT carries the network name, AT_KDF the KDF (1)."""
    fields = eap.decode(H(android[0]["request_packet"]))
    assert fields == {
        "eap_code": "request", "eap_id": 0xCE, "eap_subtype": "challenge",
        "at_rand": H(android[0]["rand"]), "at_autn": H(android[0]["autn"]),
        "at_kdf_input": "foo:bar:buzz", "at_kdf": 1,
        "at_mac": H(android[0]["request_packet"])[-16:],
    }


def test_android_ike_ck_ik_prime_agree_and_its_k_aut_uses_the_swapped_prf_key(android):
    """CK'/IK' agree with TS 33.501 A.3 as we compute them. Android's K_aut/EMSK come
    from PRF'(CK'|IK', ...): the same PRF' with the keys swapped reproduces them, and
    our RFC 9048 order (IK'|CK', pinned by RFC 5448 Appendix C) must not."""
    for run in android:
        ck_p, ik_p = ck_ik_prime(H(run["ck"]), H(run["ik"]), run["network_name"],
                                 H(run["autn"])[:6])
        assert (bytes(ck_p).hex(), bytes(ik_p).hex()) == (run["ck_prime"], run["ik_prime"])
        swapped = prf_prime(bytes(ck_p) + bytes(ik_p), b"EAP-AKA'" + run["identity"].encode(),
                            208)
        assert swapped[16:48].hex() == run["k_aut"]
        assert swapped[144:208].hex() == run["emsk"]
        ours = master_keys(ck_p, ik_p, run["identity"])
        assert bytes(ours.k_aut).hex() != run["k_aut"]


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
    """FORMATS.md 1: decoded fields must agree with the ``eap`` hex."""
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

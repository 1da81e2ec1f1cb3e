"""Every published vector, hex in and hex out: TS 35.208 Milenage sets, the 5G AKA + AKMA
chains of tests/data/vectors, RFC 5448/9048 EAP-AKA', TS 33.401 128-EIA2/EEA2, and the NIA2
MACs of the real captures in tests/data/captures (README.md there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ue_stack.crypto import (
    aka_chain,
    compute_opc,
    k_af,
    k_akma,
    k_amf,
    k_nas_int,
    milenage,
    serving_network_name,
    verify_autn,
)
from ue_stack.crypto.akma import a_kid, a_tid, af_id
from ue_stack.crypto.eap_aka_prime import ck_ik_prime, master_keys
from ue_stack.crypto.nas_security import DOWNLINK, NAS_BEARER, UPLINK, nea2, nia2

H = bytes.fromhex
VECTORS = Path(__file__).resolve().parents[1] / "data" / "vectors"


def _load(name: str) -> dict:
    # Read at import time: the cases below are parametrised over the sets.
    return json.loads((VECTORS / name).read_text())


MILENAGE_SETS = _load("ts35208-milenage.json")["sets"]
CHAINS = _load("5g-aka-akma-chains.json")["chains"]

# TS 35.208 field name -> MilenageOutput attribute
MILENAGE_FIELDS = {
    "ExpectedMACA": "mac_a",
    "ExpectedMACS": "mac_s",
    "ExpectedRES": "res",
    "ExpectedCK": "ck",
    "ExpectedIK": "ik",
    "ExpectedAK": "ak",
    "ExpectedAKStar": "ak_star",
}


def test_every_vector_file_is_exercised(vectors: Path) -> None:
    """The parametrised cases below were built from the files the fixture finds."""
    sets = json.loads((vectors / "ts35208-milenage.json").read_text())["sets"]
    chains = json.loads((vectors / "5g-aka-akma-chains.json").read_text())["chains"]
    assert len(MILENAGE_SETS) == len(sets) >= 7
    assert len(CHAINS) == len(chains) >= 3


# --- TS 35.208 Milenage ---------------------------------------------------------------


@pytest.mark.parametrize("s", MILENAGE_SETS, ids=lambda s: f"set{s['set']}")
def test_opc_from_op_matches_ts35208(s: dict) -> None:
    """TS 35.206 4.1: OPc = E_K(OP) xor OP; TS 35.208 test set value."""
    assert compute_opc(H(s["K"]), H(s["OP"])).hex() == s["ExpectedOPc"]


@pytest.mark.parametrize(
    ("s", "name"),
    [(s, name) for s in MILENAGE_SETS for name in MILENAGE_FIELDS],
    ids=lambda v: f"set{v['set']}" if isinstance(v, dict) else v,
)
def test_milenage_output_matches_ts35208(s: dict, name: str) -> None:
    """TS 35.206 4.1 f1, f1*, f2, f3, f4, f5, f5*: each output of each TS 35.208 set."""
    m = milenage(H(s["K"]), H(s["ExpectedOPc"]), H(s["RAND"]), H(s["SQN"]), H(s["AMF"]))
    assert getattr(m, MILENAGE_FIELDS[name]).hex() == s[name]


@pytest.mark.parametrize("s", MILENAGE_SETS, ids=lambda s: f"set{s['set']}")
def test_milenage_without_sqn_still_gives_f2_to_f5star(s: dict) -> None:
    """TS 33.102 6.3.3: the USIM computes AK (f5) before it knows SQN, so f2..f5* must
    not depend on SQN/AMF."""
    m = milenage(H(s["K"]), H(s["ExpectedOPc"]), H(s["RAND"]))
    assert m.mac_a is None and m.mac_s is None
    assert (m.res.hex(), m.ak.hex(), m.ck.hex()) == (
        s["ExpectedRES"],
        s["ExpectedAK"],
        s["ExpectedCK"],
    )


# --- 5G AKA + AKMA chains ---------------------------------------------------------------


def _chain_outputs(inputs: dict) -> dict:
    """The whole chain through the crypto package, one call per docs/keys.md row."""
    k, opc, rand = H(inputs["k"]), H(inputs["opc"]), H(inputs["rand"])
    sqn, amf, snn, supi = H(inputs["sqn"]), H(inputs["amf"]), inputs["snn"], inputs["supi"]
    c = aka_chain(k, opc, rand, sqn, amf, snn)
    m = c.milenage
    kakma = k_akma(c.k_ausf, supi)
    return {
        "mac_a": m.mac_a.hex(),
        "mac_s": m.mac_s.hex(),
        "res": c.res.hex(),
        "ck": m.ck.hex(),
        "ik": m.ik.hex(),
        "ak": m.ak.hex(),
        "ak_star": m.ak_star.hex(),
        "autn": c.autn.hex(),
        "res_star": c.res_star.hex(),
        "hxres_star": c.hxres_star.hex(),
        "k_ausf": c.k_ausf.hex(),
        "k_seaf": c.k_seaf.hex(),
        "k_amf": k_amf(c.k_seaf, supi, H(inputs["abba"])).hex(),
        "k_akma": kakma.hex(),
        "a_tid": a_tid(c.k_ausf, supi).hex(),
        "k_af": {
            key: k_af(kakma, af_id(key.rpartition(":")[0], H(key.rpartition(":")[2]))).hex()
            for key in ("af.example.com:0100000007", "af.example.com:0100011301")
        },
    }


@pytest.mark.parametrize(
    ("chain", "name"),
    [(c, name) for c in CHAINS for name in c["outputs"]],
    ids=lambda v: v["name"] if isinstance(v, dict) else v,
)
def test_chain_output_matches_vector(chain: dict, name: str) -> None:
    """TS 33.501 Annex A (A.2, A.4-A.7) and TS 33.535 A.2-A.4: each output of each chain,
    from K/OPc down to KAF, exactly as tests/data/vectors gives it."""
    assert _chain_outputs(chain["inputs"])[name] == chain["outputs"][name]


@pytest.mark.parametrize("chain", CHAINS, ids=lambda c: c["name"])
def test_ue_accepts_the_chain_autn_and_recovers_its_sqn(chain: dict) -> None:
    """TS 33.102 6.3.3: the UE side of each chain: AUTN verifies from the SQN_MS just
    below the chain's SQN, and the USIM's SQN becomes the chain's SQN."""
    i = chain["inputs"]
    sqn_ms = (int(i["sqn"], 16) - 1).to_bytes(6, "big")
    v = verify_autn(H(i["k"]), H(i["opc"]), H(i["rand"]), H(chain["outputs"]["autn"]), sqn_ms)
    assert v.cause is None
    assert v.sqn_ms.hex() == i["sqn"]
    assert v.res.hex() == chain["outputs"]["res"]


def test_a_kid_follows_the_project_convention_for_the_pycrate_chain() -> None:
    """TS 33.535 6.1 and the docs/keys.md convention: rid, base64url(A-TID) without padding,
    the home network domain with a 3-digit MNC."""
    atid = H("b604c5d06c2c62de457ba5031d35570f0e412c1109e2a160166f065f9453595e")
    assert a_kid("0", atid, "001", "01") == (
        "rid0.atidtgTF0GwsYt5Fe6UDHTVXDw5BLBEJ4qFgFm8GX5RTWV4@5gc.mnc001.mcc001.3gppnetwork.org"
    )


# --- EAP-AKA' (RFC 5448 Appendix C, repeated in RFC 9048) --------------------------------

# Cases 1 and 2 use TS 35.208 test set 19 (CK, IK, AUTN); cases 3 and 4 artificial values.
# Identity "0555444333222111" in every case. Values as published in the RFC.
RFC_CK_1 = H("5349fbe098649f948f5d2e973a81c00f")
RFC_IK_1 = H("9744871ad32bf9bbd1dd5ce54e3e2e5a")
RFC_AUTN_1 = H("bb52e91c747ac3ab2a5c23d15ee351d5")
RFC_CK_3, RFC_IK_3, RFC_AUTN_3 = H("c0" * 16), H("b0" * 16), H("a0" * 16)
RFC_IDENTITY = "0555444333222111"

RFC_EAP_AKA_PRIME_CASES = [
    pytest.param(
        RFC_CK_1,
        RFC_IK_1,
        "WLAN",
        RFC_AUTN_1,
        {
            "ck_prime": "0093962d0dd84aa5684b045c9edffa04",
            "ik_prime": "ccfc230ca74fcc96c0a5d61164f5a76c",
            "k_encr": "766fa0a6c317174b812d52fbcd11a179",
            "k_aut": "0842ea722ff6835bfa2032499fc3ec23c2f0e388b4f07543ffc677f1696d71ea",
            "k_re": "cf83aa8bc7e0aced892acc98e76a9b2095b558c7795c7094715cb3393aa7d17a",
            "msk": "67c42d9aa56c1b79e295e3459fc3d187d42be0bf818d3070e362c5e967a4d544"
            "e8ecfe19358ab3039aff03b7c930588c055babee58a02650b067ec4e9347c75a",
            "emsk": "f861703cd775590e16c7679ea3874ada866311de290764d760cf76df647ea01c"
            "313f69924bdd7650ca9bac141ea075c4ef9e8029c0e290cdbad5638b63bc23fb",
        },
        id="case1-WLAN",
    ),
    pytest.param(
        RFC_CK_1,
        RFC_IK_1,
        "HRPD",
        RFC_AUTN_1,
        {
            "ck_prime": "3820f0277fa5f77732b1fb1d90c1a0da",
            "ik_prime": "db94a0ab557ef6c9ab48619ca05b9a9f",
            "k_encr": "05ad73ac915fce89ac77e1520d82187b",
            "k_aut": "5b4acaef62c6ebb8882b2f3d534c4b35277337a00184f20ff25d224c04be2afd",
            "k_re": "3f90bf5c6e5ef325ff04eb5ef6539fa8cca8398194fbd00be425b3f40dba10ac",
            "msk": "87b321570117cd6c95ab6c436fb5073ff15cf85505d2bc5bb7355fc21ea8a757"
            "57e8f86a2b138002e05752913bb43b82f868a96117e91a2d95f526677d572900",
            "emsk": "c891d5f20f148a1007553e2dea555c9cb672e9675f4a66b4bafa027379f93aee"
            "539a5979d0a0042b9d2ae28bed3b17a31dc8ab75072b80bd0c1da612466e402c",
        },
        id="case2-HRPD",
    ),
    pytest.param(
        RFC_CK_3,
        RFC_IK_3,
        "WLAN",
        RFC_AUTN_3,
        {
            "ck_prime": "cd4c8e5c68f57dd1d7d7dfd0c538e577",
            "ik_prime": "3ece6b705dbbf7dfc459a11280c65524",
            "k_encr": "897d302fa2847416488c28e20dcb7be4",
            "k_aut": "c40700e7722483ae3dc7139eb0b88bb558cb3081eccd057f9207d1286ee7dd53",
            "k_re": "0a591a22dd8b5b1cf29e3d508c91dbbdb4aee23051892c42b6a2de66ea504473",
            "msk": "9f7dca9e37bb22029ed986e7cd09d4a70d1ac76d95535c5cac40a7504699bb89"
            "61a29ef6f3e90f183de5861ad1bedc81ce9916391b401aa006c98785a5756df7",
            "emsk": "724de00bdb9e568187be3fe746114557d5018779537ee37f4d3c6c738cb97b9d"
            "c651bc19bfadc344ffe2b52ca78bd8316b51dacc5f2b1440cb9515521cc7ba23",
        },
        id="case3-WLAN",
    ),
    pytest.param(
        RFC_CK_3,
        RFC_IK_3,
        "HRPD",
        RFC_AUTN_3,
        {
            "ck_prime": "8310a71ce6f754889613da8f64d5fb46",
            "ik_prime": "5adf14360ae838192db23f6fcb7f8c76",
        },
        id="case4-HRPD",
    ),
]


@pytest.mark.parametrize(("ck", "ik", "network", "autn", "expected"), RFC_EAP_AKA_PRIME_CASES)
def test_eap_aka_prime_keys_match_rfc5448_appendix_c(
    ck: bytes, ik: bytes, network: str, autn: bytes, expected: dict
) -> None:
    """RFC 5448 Appendix C (RFC 9048 keeps the same test vectors): CK'/IK' by TS 33.501
    A.3 (FC 0x20, network name, SQN xor AK), then MK = PRF'(IK'|CK', "EAP-AKA'"|Identity)
    split into K_encr, K_aut, K_re, MSK, EMSK (RFC 9048 3.3, 3.4.1)."""
    ck_p, ik_p = ck_ik_prime(ck, ik, network, autn[:6])
    got = {"ck_prime": ck_p.hex(), "ik_prime": ik_p.hex()}
    mk = master_keys(ck_p, ik_p, RFC_IDENTITY)
    got |= {name: getattr(mk, name).hex() for name in ("k_encr", "k_aut", "k_re", "msk", "emsk")}
    assert {name: got[name] for name in expected} == expected


def test_eap_aka_prime_kausf_is_the_first_256_bits_of_emsk() -> None:
    """TS 33.501 6.1.3.1: for EAP-AKA', KAUSF = the most significant 256 bits of EMSK."""
    ck_p, ik_p = ck_ik_prime(RFC_CK_1, RFC_IK_1, "WLAN", RFC_AUTN_1[:6])
    assert master_keys(ck_p, ik_p, RFC_IDENTITY).k_ausf.hex() == (
        "f861703cd775590e16c7679ea3874ada866311de290764d760cf76df647ea01c"
    )


def test_rfc5448_case1_inputs_are_ts35208_set19() -> None:
    """RFC 5448 Appendix C case 1 takes CK, IK, RES and AUTN from TS 35.208 set 19 (with
    SQN 16f3b3f70fc2): Milenage reproduces them, so the EAP-AKA' chain is pinned from K."""
    k, opc = H("5122250214c33e723a5dd523fc145fc0"), H("981d464c7c52eb6e5036234984ad0bcf")
    rand, sqn, amf = H("81e92b6c0ee0e12ebceba8d92a99dfa5"), H("16f3b3f70fc2"), H("c3ab")
    m = milenage(k, opc, rand, sqn, amf)
    assert (bytes(m.ck), bytes(m.ik), m.res.hex()) == (RFC_CK_1, RFC_IK_1, "28d7b0f2a2ec3de5")
    assert bytes(a ^ b for a, b in zip(sqn, m.ak, strict=True)) + amf + m.mac_a == RFC_AUTN_1


# --- TS 33.401 Annex C: 128-EIA2 / 128-EEA2 (= 128-NIA2 / 128-NEA2, TS 33.501 D.3/D.4) ---


def test_nia2_matches_ts33401_eia2_test_set_1() -> None:
    """TS 33.401 C.2.1 (128-EIA2 test set 1, 64-bit message)."""
    key = H("d3c5d592327fb11c4035c6680af8c6d1")
    assert nia2(key, 0x398A59B4, 0x1A, 1, H("484583d5afe082ae")).hex() == "b93787e6"


def test_nea2_matches_ts33401_eea2_test_set_1() -> None:
    """TS 33.401 C.1.1 (128-EEA2 test set 1, 253 bits: the last 3 bits are not data)."""
    key = H("d3c5d592327fb11c4035c6680af8c6d1")
    plain = H("981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0")
    cipher = nea2(key, 0x398A59B4, 0x15, 1, plain)
    expected = H("e9fed8a63d155304d71df20bf3e82214b20ed7dad2f233dc3c22d7bdeeed8e78")
    assert cipher[:31] == expected[:31]
    assert cipher[31] & 0xF8 == expected[31] & 0xF8
    assert nea2(key, 0x398A59B4, 0x15, 1, cipher) == plain


# --- NIA2 on real captures (tests/data/captures/README.md) ------------------------------------

# Each PDU is the NAS message as captured: EPD 7e, security header type, MAC (4 octets),
# sequence number, inner message. The MAC covers sequence number + inner message.
CAPTURE_MACS = [
    # gnbsim/free5GC (K_NAS_int in docs/keys.md): SMC, SMC complete, ICS request, reg. complete
    ("gnbsim", "f2e93ce1fd9389e1f40a200c3b3462ad", DOWNLINK, 0,
     "7e036c2b24e2007e005d02000480a00000e1360100"),
    ("gnbsim", "f2e93ce1fd9389e1f40a200c3b3462ad", UPLINK, 0,
     "7e04a860200b007e005e7700090500000001000001f171001c7e004179000d0102f8392143000010"
     "325476981001202e0480a00000"),
    ("gnbsim", "f2e93ce1fd9389e1f40a200c3b3462ad", DOWNLINK, 1,
     "7e02930d75cf017e0242010177000b0202f839cafe000000000154070002f839000001150a040101"
     "020304011122335e010616012c"),
    ("gnbsim", "f2e93ce1fd9389e1f40a200c3b3462ad", UPLINK, 1, "7e042cbd08cf017e0043"),
    # OAI (oai-registration-nia2.pcap): SMC 781c441a, then 3 UL and 1 DL protected
    ("oai", "96b6456199d4d295eb4b8a6cc682438a", DOWNLINK, 0,
     "7e03781c441a007e005d02020480200000e1360102"),
    ("oai", "96b6456199d4d295eb4b8a6cc682438a", UPLINK, 0,
     "7e045306a541007e005e77000215117100207e004119000d0102f8590000000000000000131001072e"
     "088020000000000000"),
    ("oai", "96b6456199d4d295eb4b8a6cc682438a", DOWNLINK, 1,
     "7e02810b6714017e0042010177000bf202f8598000410000000854070002f85900a000151208de0000"
     "7b00000000080100000c00000000210201005e01be"),
    ("oai", "96b6456199d4d295eb4b8a6cc682438a", UPLINK, 1, "7e023dccc7ac017e0043"),
    ("oai", "96b6456199d4d295eb4b8a6cc682438a", UPLINK, 0,
     "7e043e1945e3007e00670100072e0a01c1ffff91120a812204010000012504046f6169"),
    # Open5GS home-routed roaming (open5gs-roaming-hr-nia2.pcapng): SMC c60524ef, ...
    ("open5gs", "6496ea378ec3c2af4e8e7cb4d814a2b7", DOWNLINK, 0,
     "7e03c60524ef007e005d020002f0f0e1360102"),
    ("open5gs", "6496ea378ec3c2af4e8e7cb4d814a2b7", UPLINK, 1, "7e02502c4b32017e0043"),
    ("open5gs", "6496ea378ec3c2af4e8e7cb4d814a2b7", DOWNLINK, 3,
     "7e02826bf876037e00680100672e0501c213000901000631310101ff010603f42403f424290d03000000"
     "00000000020a2e00022201017900060120410101097b00278080211002000010810608080808830608"
     "080404000d0408080808000d04080804040010020578250908696e7465726e65741205"),
    ("open5gs", "6496ea378ec3c2af4e8e7cb4d814a2b7", UPLINK, 3,
     "7e013621d359037e004509000bf200f110020040c0000580"),
]


@pytest.mark.parametrize(
    ("capture", "k_nas_int_hex", "direction", "count", "pdu"),
    CAPTURE_MACS,
    ids=[f"{c[0]}-{'dl' if c[2] else 'ul'}-count{c[3]}-{c[4][4:12]}" for c in CAPTURE_MACS],
)
def test_nia2_mac_of_captured_nas_pdu_verifies(
    capture: str, k_nas_int_hex: str, direction: int, count: int, pdu: str
) -> None:
    """TS 33.501 6.4.3 / D.3: 128-NIA2 over sequence number + message with BEARER 1,
    DIRECTION 0 uplink / 1 downlink, COUNT from the NAS sequence number."""
    raw = H(pdu)
    mac, body = raw[2:6], raw[6:]
    assert body[0] == count  # NAS sequence number = low octet of COUNT
    assert nia2(H(k_nas_int_hex), count, NAS_BEARER, direction, body) == mac


def test_nia2_with_bearer_0_never_verifies_a_capture() -> None:
    """docs/keys.md: BEARER is 1 for NAS on 3GPP access; 0 does not verify on real captures."""
    raw = H(CAPTURE_MACS[0][4])
    assert nia2(H(CAPTURE_MACS[0][1]), 0, 0, DOWNLINK, raw[6:]) != raw[2:6]


@pytest.mark.parametrize(
    ("chain_name", "k_nas_int_hex"),
    [
        ("capture-gnbsim-free5gc", "f2e93ce1fd9389e1f40a200c3b3462ad"),
        ("capture-open5gs-roaming-hr", "6496ea378ec3c2af4e8e7cb4d814a2b7"),
    ],
)
def test_k_nas_int_from_chain_equals_the_key_that_verifies_the_capture(
    chain_name: str, k_nas_int_hex: str
) -> None:
    """TS 33.501 A.8 (FC 0x69, type 0x02, NIA2 = 2, last 16 octets) from the chain's KAMF
    gives the K_NAS_int that verifies the capture's MACs."""
    (chain,) = [c for c in CHAINS if c["name"] == chain_name]
    assert k_nas_int(H(chain["outputs"]["k_amf"]), 2).hex() == k_nas_int_hex


def test_oai_capture_chain_gives_the_published_res_star_kausf_and_k_nas_int() -> None:
    """captures/README.md, OAI row: AUTHENTICATION REQUEST (RAND, AUTN from the pcap)
    verifies with K/OPc at SQN 000000000120; RES*, KAUSF and K_NAS_int (NIA2, ABBA 0000)
    are the published ones. SNN of serving PLMN 208/95 (2-digit MNC padded)."""
    k, opc = H("0c0a34601d4f07677303652c0462535b"), H("63bfa50ee6523365ff14c1f45f88737d")
    rand, autn = H("2ca7767ffcc09c46bc0ace6c8f91325e"), H("a8cc888e43508000ba8de722e0b4606d")
    v = verify_autn(k, opc, rand, autn, bytes(6))
    assert v.cause is None and v.sqn.hex() == "000000000120"
    c = aka_chain(k, opc, rand, v.sqn, autn[6:8], serving_network_name("208", "95"))
    assert c.autn == autn
    assert c.res_star.hex() == "6a1a332a8b0910494a4ba710ab7f45d4"
    assert c.k_ausf.hex() == "7b0afaaa30a776fdda43c39e409fad5d0b1baeccd188e61e7faf5d0041f6c9b1"
    kamf = k_amf(c.k_seaf, "208950000000031", b"\x00\x00")
    assert k_nas_int(kamf, 2).hex() == "96b6456199d4d295eb4b8a6cc682438a"

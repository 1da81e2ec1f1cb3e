"""SBI in clear: HTTP/2 between network functions on the same capture as the
NGAP. A KAUSF or KSEAF sent there is used like a ``--keys`` row for that RAND, and an AKMA
anchor key registration (Naanf_AKMA_AnchorKey_Register) becomes a ``net`` record
``aanf_registered`` with its time and frame.

Two captures: the real Open5GS roaming capture (its AUSF and UDM talk h2c on the loopback),
and the gnbsim/free5GC recording with a synthetic SBI around its 5G AKA: UDM AV, AUSF
authentication and 5G AKA confirmation, and the AAnF registration (``pcapgen.H2c``;
loopback addresses)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ue_stack.cli import main
from ue_stack.crypto import aka, akma
from ue_stack.crypto.milenage import milenage

from .pcapgen import H2c, data_chunk, ethernet, pcap, sctp_ip

K = bytes.fromhex("8baf473f2f8fd09487cccbd7097c6862")
OPC = bytes.fromhex("8e27b6af0e692e750f32667a3b14605d")
SUPI = "208930123456789"
SNN = "5G:mnc093.mcc208.3gppnetwork.org"
A_KID = "rid0.atidTEST@5gc.mnc093.mcc208.3gppnetwork.org"


def _import(capture: Path, out: Path, *options: str) -> tuple[dict, list[dict]]:
    out.mkdir(parents=True, exist_ok=True)
    report = out / "import.json"
    assert main(["import", str(capture), "-o", str(out), "--expect", "--report", str(report),
                 *options]) == 0
    data = orjson.loads(report.read_bytes())
    (trace,) = data["traces"]
    return data, [orjson.loads(x) for x in Path(trace).read_bytes().splitlines()]


def test_open5gs_sbi_kausf_verifies_every_mac_without_keys(captures, tmp_path):
    """The UDM's 5G HE AV carries RAND and KAUSF in clear (TS 29.503): with no key file at
    all, the capture verifies exactly as many MACs as with K/OPc."""
    capture = captures / "open5gs-roaming-hr-nia2.pcapng"
    with_k, _ = _import(capture, tmp_path / "k", "--keys", str(captures / "keys.csv"))
    from_sbi, _ = _import(capture, tmp_path / "sbi")
    assert with_k["nia_verified"] == from_sbi["nia_verified"] == 8
    assert from_sbi["extra"]["sbi_keys"] == 1 and from_sbi["extra"]["sbi_messages"] > 100
    assert not any("no keys" in p["problem"] for p in from_sbi["problems"])


@pytest.fixture
def with_sbi(captures: Path, tmp_path: Path) -> Path:
    """gnbsim/free5GC's NGAP with the SBI of its authentication between the frames."""
    doc = orjson.loads((captures / "gnbsim-free5gc-ngap.json").read_bytes())
    ngap = [ethernet(sctp_ip([data_chunk(bytes.fromhex(m["ngap_hex"]), i + 1)],
                             uplink=m["frame"] in (0, 2, 4, 6)))
            for i, m in enumerate(doc["messages"])]
    auth = bytes.fromhex(doc["messages"][1]["nas_pdu_hex"])
    rand, autn = auth[8:24], auth[26:42]  # after the IEIs 0x21 and 0x20 (+ length)
    m = milenage(K, OPC, rand)
    kausf = aka.k_ausf(m.ck, m.ik, SNN, autn[:6])
    kseaf = aka.k_seaf(kausf, SNN)
    udm = H2c((b"\x7f\x00\x00\x0c", 40001), (b"\x7f\x00\x00\x0d", 7777))
    ausf = H2c((b"\x7f\x00\x00\x05", 40002), (b"\x7f\x00\x00\x0b", 7777))
    aanf = H2c((b"\x7f\x00\x00\x0b", 40003), (b"\x7f\x00\x00\x0e", 7777))
    ctx = "/nausf-auth/v1/ue-authentications/ctx-1"
    frames = [
        ngap[0],
        *ausf.exchange("POST", "/nausf-auth/v1/ue-authentications",
                       {"supiOrSuci": f"imsi-{SUPI}", "servingNetworkName": SNN}, 201,
                       {"authType": "5G_AKA",
                        "5gAuthData": {"rand": rand.hex(), "autn": autn.hex(),
                                       "hxresStar": "00" * 16},
                        "_links": {"5g-aka": {"href": f"http://ausf{ctx}/5g-aka-confirmation"}}}),
        ngap[1], ngap[2],
        *ausf.exchange("PUT", f"{ctx}/5g-aka-confirmation", {"resStar": "00" * 16}, 200,
                       {"authResult": "AUTHENTICATION_SUCCESS", "supi": f"imsi-{SUPI}",
                        "kseaf": kseaf.hex()}),
        *aanf.exchange("POST", "/naanf-akma/v1/register-anchorkey",
                       {"supi": f"imsi-{SUPI}", "aKId": A_KID,
                        "kAkma": akma.k_akma(kausf, SUPI).hex()}, 200, {}),
        *ngap[3:],
    ]
    # (a UDM exchange for another subscriber: read, not used)
    frames[1:1] = udm.exchange("POST", "/nudm-ueau/v1/suci-0-001-01-0-0-0-1/security-"
                               "information/generate-auth-data", {}, 200,
                               {"authType": "5G_AKA", "supi": "imsi-001010000000001",
                                "authenticationVector": {"avType": "5G_HE_AKA",
                                                         "rand": "11" * 16, "autn": "22" * 16,
                                                         "xresStar": "33" * 16,
                                                         "kausf": "44" * 32}})
    path = tmp_path / "gnbsim-sbi.pcap"
    path.write_bytes(pcap(frames))
    return path


def test_kseaf_of_the_5g_aka_confirmation_verifies_every_mac(with_sbi, captures, tmp_path):
    with_k, _ = _import(with_sbi, tmp_path / "k", "--keys", str(captures / "keys.csv"))
    from_sbi, _ = _import(with_sbi, tmp_path / "sbi")
    assert from_sbi["nia_verified"] == with_k["nia_verified"] == 4
    assert from_sbi["extra"]["sbi_keys"] == 2  # the KSEAF, and the other UE's KAUSF


def test_the_aanf_registration_is_a_net_record_with_its_time_and_frame(with_sbi, tmp_path):
    """After the AUTHENTICATION RESPONSE and before the SECURITY MODE COMMAND, as captured:
    the network's end of W1 measured. KAKMA is not written."""
    _, records = _import(with_sbi, tmp_path / "sbi")
    kinds = [(r["kind"], r.get("msg") or r.get("op")) for r in records[1:]]
    at = kinds.index(("net", "aanf_registered"))
    assert kinds[at - 1] == ("ul", "authentication_response")
    assert kinds[at + 1] == ("dl", "security_mode_command")
    net = records[1 + at]
    assert net["a_kid"] == A_KID and net["frame"] == 10  # the Naanf request's frame
    auth_response = records[at]
    assert net["t"] > auth_response["t"]
    assert "kAkma" not in Path(tmp_path / "sbi").joinpath(
        next(p.name for p in (tmp_path / "sbi").glob("*.jsonl"))).read_text()


def test_a_trace_with_aanf_registered_replays_and_logs_it(with_sbi, tmp_path):
    _import(with_sbi, tmp_path / "sbi", "--akma-probe", "all")
    (trace,) = sorted((tmp_path / "sbi").glob("*.jsonl"))
    log = tmp_path / "log.jsonl"
    assert main(["replay", str(trace), "--check-expect", "--log", str(log)]) == 0
    inputs = [orjson.loads(x) for x in log.read_bytes().splitlines()
              if b'"aanf_registered"' in x]
    assert [(i["event"], i["kind"], i["frame"], i["a_kid"]) for i in inputs] == [
        ("input", "net", 10, A_KID)]


def test_sbi_without_key_or_akma_bodies_is_not_parsed(with_sbi, tmp_path):
    """HPACK decoding is most of the cost: a capture whose octets hold no KAUSF, KSEAF or
    A-KID field name is not read as HTTP/2 at all (the same capture, field names blanked)."""
    data = with_sbi.read_bytes()
    for name in (b'"kausf"', b'"kseaf"', b'"aKId"'):
        data = data.replace(name, b'"xxxxx"'[: len(name) - 1] + b'"')
    blank = tmp_path / "blank.pcap"
    blank.write_bytes(data)
    report, records = _import(blank, tmp_path / "blank")
    assert report["extra"]["sbi_messages"] == 0 and report["nia_verified"] == 0
    assert not [r for r in records if r.get("kind") == "net"]


def test_eap_aka_prime_session_kseaf_is_a_key_of_the_challenges_rand():
    """TS 29.509: for EAP-AKA' the AUTHENTICATION context's 5gAuthData is the EAP-Request
    (base64) whose AT_RAND names the authentication; the eap-session answer that ends in
    AUTHENTICATION_SUCCESS carries kSeaf."""
    import base64

    from ue_stack.capture import sbi
    from ue_stack.capture.pcapio import CaptureReader
    from ue_stack.nas import eap

    rand, kseaf = bytes(range(16)), bytes(range(32, 64))
    request = eap.challenge_request(1, rand, b"\x01" * 16, SNN, b"\x02" * 32)
    ausf = H2c((b"\x7f\x00\x00\x05", 40002), (b"\x7f\x00\x00\x0b", 7777))
    ctx = "/nausf-auth/v1/ue-authentications/eap-ctx"
    frames = [
        *ausf.exchange("POST", "/nausf-auth/v1/ue-authentications",
                       {"supiOrSuci": f"imsi-{SUPI}", "servingNetworkName": SNN}, 201,
                       {"authType": "EAP_AKA_PRIME",
                        "5gAuthData": base64.b64encode(request).decode(),
                        "_links": {"eap-session": {"href": f"http://ausf{ctx}/eap-session"}}}),
        *ausf.exchange("POST", f"{ctx}/eap-session", {"eapPayload": "AA=="}, 200,
                       {"eapPayload": "AwEABA==", "authResult": "AUTHENTICATION_SUCCESS",
                        "supi": f"imsi-{SUPI}", "kSeaf": kseaf.hex()}),
    ]
    found = sbi.read(CaptureReader(pcap(frames)))
    key = found.auth_keys[rand]
    assert (key.supi, key.kind, bytes(key.key)) == (SUPI, "kseaf", kseaf)
    assert found.messages == 4

"""Phone-like captures (issue 26), built from the gnbsim/free5GC recording of tests/data/captures
the way commercial phones were seen to behave on a test core's N2 tap:

- the AMF's AUTHENTICATION REQUEST reaches the phone twice, 1 ms apart (a RAN-level
  duplicate), and the phone answers both with the same RES* (TS 24.501 5.4.1.3.7: the
  same RAND while T3516 runs is answered with the stored RES*); a SECURITY MODE COMMAND
  duplicated likewise is answered twice;
- later, a re-authentication whose ngKSI is the one in use and whose AUTN fails the
  USIM's MAC check: the phone answers #20 (MAC failure) where the model checks the ngKSI
  first and would answer #71 (TS 24.501 5.4.1.3.5/5.4.1.3.7 order neither check first).

Protected messages are protected again with the keys of the recorded 5G AKA (NEA0/NIA2,
as the recording selects), so the capture verifies with the subscriber's keys.
"""

from __future__ import annotations

import copy

from ue_stack.capture.ngap import _ngap_pdu
from ue_stack.crypto import aka
from ue_stack.crypto.milenage import milenage
from ue_stack.crypto.nas_security import INTEGRITY
from ue_stack.nas.codec import protected_pdu

from .pcapgen import with_nas_pdu

# KAMF of the recording's 5G AKA (tests/data/vectors; test_capture_nea2.py)
KAMF = bytes.fromhex("79d732bed7bbf1e729e9807e417b09967bae88f6870b53d5e6367f06c8e1e5a8")
K_NAS_INT = aka.k_nas_int(KAMF, 2)
T0 = 1_733_000_000.0  # epoch seconds, as a real tap stamps them
# the recording's subscriber (tests/data/captures/README.md)
K = bytes.fromhex("8baf473f2f8fd09487cccbd7097c6862")
OPC = bytes.fromhex("8e27b6af0e692e750f32667a3b14605d")
SNN = "5G:mnc093.mcc208.3gppnetwork.org"


def protect(count: int, downlink: bool, plain: bytes, sht: int = 2) -> bytes:
    """A 5GMM message integrity protected (NIA2) and "ciphered" with NEA0 under the
    recording's context (TS 24.501 9.1.1, TS 33.501 D.3.1: bearer 1)."""
    mac = INTEGRITY[2](K_NAS_INT, count, 1, int(downlink), bytes((count & 0xFF,)) + plain)
    return protected_pdu(sht, mac, count & 0xFF, plain)


def _release(amf: int, ran: int) -> tuple[dict, dict]:
    """NGAP UE Context Release Command (AMF -> gNB) and Complete (TS 38.413 8.3.3)."""
    pdu = _ngap_pdu()
    pdu.set_val(("initiatingMessage", {"procedureCode": 41, "criticality": "reject", "value": (
        "UEContextReleaseCommand", {"protocolIEs": [
            {"id": 114, "criticality": "reject", "value": (
                "UE-NGAP-IDs", ("uE-NGAP-ID-pair", {"aMF-UE-NGAP-ID": amf,
                                                    "rAN-UE-NGAP-ID": ran}))},
            {"id": 15, "criticality": "ignore", "value": ("Cause", ("nas", "normal-release"))},
        ]})}))
    command = {"direction": "DL", "ngap_hex": pdu.to_aper().hex()}
    pdu.set_val(("successfulOutcome", {"procedureCode": 41, "criticality": "reject", "value": (
        "UEContextReleaseComplete", {"protocolIEs": [
            {"id": 10, "criticality": "ignore", "value": ("AMF-UE-NGAP-ID", amf)},
            {"id": 85, "criticality": "ignore", "value": ("RAN-UE-NGAP-ID", ran)},
        ]})}))
    return command, {"direction": "UL", "ngap_hex": pdu.to_aper().hex()}


def _renumbered(m: dict, ran: int, amf: int) -> dict:
    """The NGAP message ``m`` on another UE-associated connection (RAN/AMF UE NGAP IDs)."""
    pdu = _ngap_pdu()
    pdu.from_aper(bytes.fromhex(m["ngap_hex"]))
    value = copy.deepcopy(pdu.get_val())
    for ie in value[1]["value"][1]["protocolIEs"]:
        if ie["id"] == 85:
            ie["value"] = ("RAN-UE-NGAP-ID", ran)
        elif ie["id"] == 10:
            ie["value"] = ("AMF-UE-NGAP-ID", amf)
    pdu.set_val(value)
    return {**m, "ngap_hex": pdu.to_aper().hex()}


def reauthentication(first: dict, good_mac: bool) -> bytes:
    """A new challenge under the ngKSI in use (0): a fresh RAND, and an AUTN for it from
    the subscriber's keys with the next SQN — or, for a broken MAC, the first challenge's
    AUTN, whose MAC-A was computed for the other RAND."""
    plain = bytes.fromhex(first["nas_pdu_hex"])  # 7e 00 56 ngKSI ABBA(4) 21 RAND 20 10 AUTN
    rand, autn = plain[8:24], plain[26:42]
    new_rand = bytes((rand[0] ^ 0xA5,)) + rand[1:]
    if good_mac:
        sqn = int.from_bytes(bytes(a ^ b for a, b in zip(
            autn[:6], milenage(K, OPC, rand).ak, strict=True)), "big") + 32
        autn = aka.aka_chain(K, OPC, new_rand, sqn.to_bytes(6, "big"), autn[6:8], SNN).autn
    return plain[:8] + new_rand + plain[24:26] + autn


def _at(m: dict, frame: int, time: float, nas: bytes | None = None) -> dict:
    out = {"frame": frame, "time": round(time, 6), "direction": m["direction"],
           "ngap_hex": m["ngap_hex"] if nas is None else with_nas_pdu(m["ngap_hex"], nas)}
    return out


# REGISTRATION REQUEST for a registration update by a registered UE: ngKSI 0, the 5G-GUTI
# the recording's REGISTRATION ACCEPT assigned (TS 24.501 8.2.6, 9.11.3.7)
GUTI_IE = bytes.fromhex("000bf202f839cafe0000000001")
UPDATE_TYPES = {"mobility": 2, "periodic": 3}
# the 5G-S-TMSI of that 5G-GUTI (AMF set and pointer, 5G-TMSI), for a SERVICE REQUEST
S_TMSI_IE = bytes.fromhex("0007f4fe0000000001")


def phone_capture(doc: dict, *, duplicate_challenge: bool = True, duplicate_smc: bool = False,
                  reauth_cause: int | None = None, reauth_bad_mac: bool = True,
                  update: str | None = None) -> list[dict]:
    """The recording's registration as a phone shows it, frames numbered from 1 (Wireshark)
    with epoch times: ``duplicate_challenge`` doubles the AUTHENTICATION REQUEST and its
    answer; ``duplicate_smc`` doubles the SECURITY MODE COMMAND and its COMPLETE;
    ``reauth_cause`` appends a re-authentication with the ngKSI in use (its AUTN's MAC
    broken when ``reauth_bad_mac``) answered by AUTHENTICATION FAILURE with that cause;
    ``update`` (``mobility``, ``periodic`` or ``service``) appends an NGAP UE context
    release and, on a new connection, the UE's registration update of that type, accepted
    and completed, or its SERVICE REQUEST (uplink data), accepted."""
    msgs = copy.deepcopy(doc["messages"])
    out: list[dict] = []
    t = T0

    def add(m: dict, gap: float, nas: bytes | None = None) -> None:
        nonlocal t
        t += gap
        out.append(_at(m, len(out) + 1, t, nas))

    add(msgs[0], 0.0)                      # REGISTRATION REQUEST (InitialUEMessage)
    add(msgs[1], 0.012)                    # AUTHENTICATION REQUEST
    if duplicate_challenge:
        add(msgs[1], 0.001)                # the same challenge again, 1 ms later
    add(msgs[2], 0.045)                    # AUTHENTICATION RESPONSE
    if duplicate_challenge:
        add(msgs[2], 0.001)                # ... and the answer to the copy
    add(msgs[3], 0.010)                    # SECURITY MODE COMMAND
    if duplicate_smc:
        add(msgs[3], 0.001)
    add(msgs[4], 0.030)                    # SECURITY MODE COMPLETE
    if duplicate_smc:
        add(msgs[4], 0.001)
    add(msgs[5], 0.020)                    # REGISTRATION ACCEPT (DL COUNT 1)
    add(msgs[6], 0.015)                    # REGISTRATION COMPLETE (UL COUNT 1)
    if reauth_cause is not None:
        add(msgs[5], 5.0, protect(2, True, reauthentication(msgs[1], good_mac=not reauth_bad_mac)))
        failure = bytes((0x7E, 0x00, 0x59, reauth_cause))
        add(msgs[6], 0.040, protect(2, False, failure))
    if update is not None:
        ul, dl = (3, 3) if reauth_cause is not None else (2, 2)  # next NAS COUNTs
        command, complete = _release(amf=1, ran=0)
        add(command, 1.0)
        add(complete, 0.003)
        if update == "service":  # uplink data pending: SERVICE REQUEST (8.2.16), accepted
            request = bytes((0x7E, 0x00, 0x4C, 0x01)) + S_TMSI_IE
            add(_renumbered(msgs[0], ran=1, amf=0), 12.0, protect(ul, False, request, sht=1))
            add(_renumbered(msgs[5], ran=1, amf=2), 0.020,
                protect(dl, True, bytes((0x7E, 0x00, 0x4E))))
            return out
        request = bytes((0x7E, 0x00, 0x41, UPDATE_TYPES[update])) + GUTI_IE
        add(_renumbered(msgs[0], ran=1, amf=0), 30.0 if update == "mobility" else 3240.0,
            protect(ul, False, request, sht=1))
        accept = bytes.fromhex(msgs[5]["nas_pdu_hex"])[7:]  # the plain REGISTRATION ACCEPT
        add(_renumbered(msgs[5], ran=1, amf=2), 0.020, protect(dl, True, accept))
        complete_nas = bytes.fromhex(msgs[6]["nas_pdu_hex"])[7:]
        add(_renumbered(msgs[6], ran=1, amf=2), 0.015, protect(ul + 1, False, complete_nas))
    return out

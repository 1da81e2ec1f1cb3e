"""NGAP (TS 38.413, APER) -> the UE-associated facts an importer needs.

``ngap_fast`` reads the few IEs we need straight from the APER octets; where it is not
certain it answers None and pycrate decodes the PDU: NGAP's APER encoding with its open
types and extension containers is exactly what a maintained ASN.1 compiler is for. Its
NGAP module takes about a second to import, so it is loaded lazily, only when needed.

From each PDU we keep: the procedure, the direction of the NAS PDUs it carries, the
RAN/AMF UE NGAP IDs, every NAS-PDU (top level, IE 38, and inside PDU session lists), the
PLMN of the user location TAI, and a 5G-S-TMSI when the gNB reports one.
"""

from __future__ import annotations

from typing import Any

from .ngap_fast import decode
from .ngap_ies import (
    IE_AMF_UE_NGAP_ID,
    IE_FIVEG_S_TMSI,
    IE_NAS_PDU,
    IE_RAN_UE_NGAP_ID,
    IE_UE_NGAP_IDS,
    IE_USER_LOCATION_INFORMATION,
    REPEATING_PROCEDURES,
    UPLINK_PROCEDURES,
    NgapFacts,
)

_pdu_type: Any = None


def _ngap_pdu() -> Any:
    """pycrate's NGAP-PDU type, imported on first use (slow import, ~1 s)."""
    global _pdu_type
    if _pdu_type is None:
        from pycrate_asn1dir import NGAP

        _pdu_type = NGAP.NGAP_PDU_Descriptions.NGAP_PDU
    return _pdu_type


class NgapDecodeError(ValueError):
    pass


def decode_ngap(payload: bytes) -> NgapFacts:
    """Decode one NGAP PDU (TS 38.413 9.4, APER) and pick out the UE-associated facts."""
    facts = decode(payload)
    if facts is None:
        facts = decode_ngap_pycrate(payload)
    if facts.nas_pdus:
        if facts.procedure in REPEATING_PROCEDURES:
            facts.direction = None
        else:
            facts.direction = "ul" if facts.procedure in UPLINK_PROCEDURES else "dl"
    return facts


def decode_ngap_pycrate(payload: bytes) -> NgapFacts:
    """The facts by pycrate's full NGAP decoder (the fast path's fallback and check)."""
    pdu = _ngap_pdu()
    try:
        pdu.from_aper(payload)
        outcome, body = pdu.get_val()
        procedure, value = body["value"]
        ies = value.get("protocolIEs", []) if isinstance(value, dict) else []
    except Exception as exc:  # pycrate raises many types for malformed APER
        raise NgapDecodeError(f"NGAP does not decode: {type(exc).__name__}: {exc}") from None
    facts = NgapFacts(procedure=procedure, outcome=outcome)
    for ie in ies:
        ie_id, (ie_type, v) = ie["id"], ie["value"]
        if ie_id == IE_RAN_UE_NGAP_ID:
            facts.ran_ue_ngap_id = v
        elif ie_id == IE_AMF_UE_NGAP_ID:
            facts.amf_ue_ngap_id = v
        elif ie_id == IE_UE_NGAP_IDS:
            kind, ids = v
            if kind == "uE-NGAP-ID-pair":
                facts.amf_ue_ngap_id = ids["aMF-UE-NGAP-ID"]
                facts.ran_ue_ngap_id = ids["rAN-UE-NGAP-ID"]
            else:
                facts.amf_ue_ngap_id = ids
        elif ie_id == IE_NAS_PDU:
            facts.nas_pdus.append(bytes(v))
        elif ie_id == IE_USER_LOCATION_INFORMATION:
            tai = v[1].get("tAI") if isinstance(v, tuple) and isinstance(v[1], dict) else None
            if tai:
                facts.tai_plmn = bytes(tai["pLMNIdentity"])
        elif ie_id == IE_FIVEG_S_TMSI:
            set_id, pointer = v["aMFSetID"][0], v["aMFPointer"][0]
            facts.s_tmsi = ((set_id << 6) | pointer).to_bytes(2, "big") + bytes(v["fiveG-TMSI"])
        elif ie_type.endswith("List") or ie_type.endswith("Req"):
            _nested_nas(v, facts.nas_pdus)
    return facts


def _nested_nas(value: Any, out: list[bytes]) -> None:
    """NAS-PDUs inside list items (pDUSessionNAS-PDU of PDU session setup, nAS-PDU of
    modify/release lists, TS 38.413 9.3.1)."""
    if isinstance(value, list):
        for item in value:
            _nested_nas(item, out)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key.lower().endswith("nas-pdu") and isinstance(item, bytes | bytearray):
                out.append(bytes(item))
            elif isinstance(item, list | dict):
                _nested_nas(item, out)

"""A fast path for the NGAP facts the importer needs (TS 38.413 9.4, ITU-T X.691 APER).

pycrate decodes all of NGAP, but importing its NGAP module costs about a second, more
than reading a capture of a thousand NAS PDUs. Every NGAP message is a SEQUENCE of
protocol IEs, each an open type with its own length (TS 38.413 9.4.4-9.4.6), so this
path walks the IE list and reads only: the procedure, RAN/AMF UE NGAP IDs, UE-NGAP-IDs,
NAS-PDU, the user location's TAI PLMN, 5G-S-TMSI, and the NAS-PDUs of PDU session
setup lists. It returns None for anything it does not read with certainty (an unknown
procedure, an extension it would have to interpret, a fragmented length); the caller
then asks pycrate. Tests compare both paths on every NGAP PDU of the test captures.
"""

from __future__ import annotations

from .ngap_ies import (
    IE_AMF_UE_NGAP_ID,
    IE_FIVEG_S_TMSI,
    IE_NAS_PDU,
    IE_RAN_UE_NGAP_ID,
    IE_UE_NGAP_IDS,
    IE_USER_LOCATION_INFORMATION,
    NgapFacts,
)

OUTCOMES = ("initiatingMessage", "successfulOutcome", "unsuccessfulOutcome")
# (outcome index, procedureCode) -> the message name pycrate gives (TS 38.413 9.4.4, 9.4.7)
MESSAGE_NAMES = {
    (0, 4): "DownlinkNASTransport",
    (0, 9): "ErrorIndication",
    (0, 14): "InitialContextSetupRequest",
    (1, 14): "InitialContextSetupResponse",
    (2, 14): "InitialContextSetupFailure",
    (0, 15): "InitialUEMessage",
    (0, 19): "NASNonDeliveryIndication",
    (0, 21): "NGSetupRequest",
    (1, 21): "NGSetupResponse",
    (2, 21): "NGSetupFailure",
    (0, 28): "PDUSessionResourceReleaseCommand",
    (1, 28): "PDUSessionResourceReleaseResponse",
    (0, 29): "PDUSessionResourceSetupRequest",
    (1, 29): "PDUSessionResourceSetupResponse",
    (0, 36): "RerouteNASRequest",
    (0, 40): "UEContextModificationRequest",
    (1, 40): "UEContextModificationResponse",
    (0, 41): "UEContextReleaseCommand",
    (1, 41): "UEContextReleaseComplete",
    (0, 42): "UEContextReleaseRequest",
    (0, 44): "UERadioCapabilityInfoIndication",
    (0, 46): "UplinkNASTransport",
}
# PDU session setup lists whose items carry an optional NAS-PDU (TS 38.413 9.3.1.x)
IE_SETUP_LIST_CXT_REQ = 71
IE_SETUP_LIST_SU_REQ = 74
IE_MODIFY_LIST_MOD_REQ = 64  # items hold a NAS-PDU too: left to pycrate
NAS_LISTS = frozenset({IE_SETUP_LIST_CXT_REQ, IE_SETUP_LIST_SU_REQ})


class _Unsure(Exception):
    """Something this path does not read with certainty: ask pycrate."""


def _length(data: bytes, i: int) -> tuple[int, int]:
    """An aligned unconstrained length determinant at ``i`` (X.691 11.9.3.6-7)."""
    first = data[i]
    if first < 0x80:
        return first, i + 1
    if first < 0xC0:
        return ((first & 0x3F) << 8) | data[i + 1], i + 2
    raise _Unsure  # fragmented (>= 16K octets)


def _ranged(value: bytes, length_bits: int) -> int:
    """A constrained whole number of range > 64K: octet count - 1 in ``length_bits``
    leading bits, then the octets (X.691 11.5.7.4)."""
    octets = (value[0] >> (8 - length_bits)) + 1
    if len(value) < 1 + octets:
        raise _Unsure
    return int.from_bytes(value[1 : 1 + octets], "big")


def decode(payload: bytes) -> NgapFacts | None:
    """The facts of one NGAP PDU, or None where pycrate must decide."""
    try:
        return _decode(payload)
    except (_Unsure, IndexError):
        return None


def _decode(data: bytes) -> NgapFacts:
    head = data[0]
    if head & 0x80 or head & 0x1F:
        raise _Unsure  # an extension of the NGAP-PDU choice, or not APER as we know it
    outcome = head >> 5
    name = MESSAGE_NAMES.get((outcome, data[1]))
    if name is None or outcome > 2:
        raise _Unsure
    size, i = _length(data, 3)  # after the criticality octet
    end = i + size
    if end > len(data) or data[i] & 0x80:
        raise _Unsure  # the message SEQUENCE has extension additions
    count = int.from_bytes(data[i + 1 : i + 3], "big")
    i += 3
    facts = NgapFacts(procedure=name, outcome=OUTCOMES[outcome])
    for _ in range(count):
        ie_id = int.from_bytes(data[i : i + 2], "big")
        size, i = _length(data, i + 3)
        value = data[i : i + size]
        i += size
        if len(value) != size or i > end:
            raise _Unsure
        _ie(facts, ie_id, value)
    return facts


def _ie(facts: NgapFacts, ie_id: int, value: bytes) -> None:
    if ie_id == IE_RAN_UE_NGAP_ID:
        facts.ran_ue_ngap_id = _ranged(value, 2)
    elif ie_id == IE_AMF_UE_NGAP_ID:
        facts.amf_ue_ngap_id = _ranged(value, 3)
    elif ie_id == IE_NAS_PDU:
        size, j = _length(value, 0)
        facts.nas_pdus.append(bytes(value[j : j + size]))
    elif ie_id == IE_USER_LOCATION_INFORMATION:
        facts.tai_plmn = _tai_plmn(value)
    elif ie_id == IE_FIVEG_S_TMSI:
        facts.s_tmsi = _s_tmsi(value)
    elif ie_id == IE_UE_NGAP_IDS:
        facts.amf_ue_ngap_id, facts.ran_ue_ngap_id = _ue_ngap_ids(value)
    elif ie_id in NAS_LISTS:
        facts.nas_pdus.extend(_setup_list_nas(value))
    elif ie_id == IE_MODIFY_LIST_MOD_REQ:
        raise _Unsure


def _tai_plmn(v: bytes) -> bytes | None:
    """UserLocationInformation (9.3.1.16): CHOICE of 4 (2 bits). NR (1): ext, timeStamp?,
    iE-Ext?, then NR-CGI's ext and iE-Ext bits, padding; NR-CGI's PLMN (3 octets), the
    36-bit cell id with the TAI's ext and iE-Ext bits (5 octets), the TAI's PLMN. E-UTRA
    (0): the same with a 28-bit cell id (4 octets)."""
    choice = v[0] >> 6
    if v[0] & 0x20 or v[0] & 0x06:
        raise _Unsure  # an extension, or an NR-CGI/E-UTRA-CGI with iE-Extensions
    if choice == 1:
        return bytes(v[9:12])
    if choice == 0:
        return bytes(v[8:11])
    return None  # N3IWF or an extension choice: no TAI


def _s_tmsi(v: bytes) -> bytes:
    """FiveG-S-TMSI (9.3.3.20): ext, iE-Ext?, AMF Set ID (10 bits), AMF Pointer (6
    bits), padding, 5G-TMSI (4 octets). Returned as set+pointer (2 octets) + 5G-TMSI."""
    bits = int.from_bytes(v[0:3], "big")
    if bits & 0x800000:
        raise _Unsure
    set_id, pointer = (bits >> 12) & 0x3FF, (bits >> 6) & 0x3F
    return ((set_id << 6) | pointer).to_bytes(2, "big") + bytes(v[3:7])


def _ue_ngap_ids(v: bytes) -> tuple[int, int | None]:
    """UE-NGAP-IDs (9.3.3.?): CHOICE { uE-NGAP-ID-pair, aMF-UE-NGAP-ID, choice-Ext }."""
    choice = v[0] >> 6
    if choice == 1:  # aMF-UE-NGAP-ID alone: its 3 length bits follow the choice bits
        octets = ((v[0] >> 3) & 0x07) + 1
        return int.from_bytes(v[1 : 1 + octets], "big"), None
    if choice != 0 or v[0] & 0x30:
        raise _Unsure  # an extension choice, or a pair with extensions
    # pair: ext, iE-Ext?, then AMF id's 3 length bits, padding, octets; RAN id: 2 bits...
    octets = ((v[0] >> 1) & 0x07) + 1
    amf = int.from_bytes(v[1 : 1 + octets], "big")
    rest = v[1 + octets :]
    return amf, _ranged(rest, 2)


def _setup_list_nas(v: bytes) -> list[bytes]:
    """PDUSessionResourceSetupListSUReq/CxtReq: SEQUENCE (SIZE(1..256)) OF items, each
    SEQUENCE { pDUSessionID, NAS-PDU OPTIONAL, s-NSSAI, transfer OCTET STRING, iE-Ext
    OPTIONAL, ... } (TS 38.413 9.3.1.x)."""
    out = []
    count, i = v[0] + 1, 1
    for _ in range(count):
        bits = v[i]
        if bits & 0x80 or bits & 0x20:
            raise _Unsure  # item extensions
        has_nas = bool(bits & 0x40)
        i += 2  # the preamble octet, then pDUSessionID (INTEGER 0..255, one octet)
        if has_nas:
            size, i = _length(v, i)
            out.append(bytes(v[i : i + size]))
            i += size
        # S-NSSAI: ext, sD?, iE-Ext?, then sST (1 octet, not aligned: 5 bits pad after)
        snssai = v[i]
        if snssai & 0x80 or snssai & 0x20:
            raise _Unsure
        i += 2  # the 3 bits and the sST's 8 bits span two octets (padding to the end)
        if snssai & 0x40:
            i += 3  # sD
        size, i = _length(v, i)
        i += size  # the transfer
    return out

"""The three UE-associated NGAP PDUs a NAS capture needs, encoded in APER (TS 38.413 9.4,
ITU-T X.691 aligned PER): InitialUEMessage (8.6.1), UplinkNASTransport (8.6.3) and
DownlinkNASTransport (8.6.2), with their mandatory IEs only.

Three fixed shapes do not justify compiling NGAP's ASN.1 for writing (pycrate's module
takes a second to import); the tests decode every PDU written here with pycrate.
"""

from __future__ import annotations

# ProcedureCode values (TS 38.413 9.4.7)
PROC_DOWNLINK_NAS_TRANSPORT = 4
PROC_INITIAL_UE_MESSAGE = 15
PROC_UPLINK_NAS_TRANSPORT = 46

# ProtocolIE-ID values (TS 38.413 9.4.7)
IE_AMF_UE_NGAP_ID = 10
IE_NAS_PDU = 38
IE_RAN_UE_NGAP_ID = 85
IE_RRC_ESTABLISHMENT_CAUSE = 90
IE_USER_LOCATION_INFORMATION = 121

REJECT, IGNORE = 0, 1  # Criticality (ENUMERATED, 2 bits)
MO_SIGNALLING = 3  # RRCEstablishmentCause (extensible ENUMERATED, 10 root values)


def _length(n: int) -> bytes:
    """An unconstrained length determinant (X.691 11.9.3.6-7), octet-aligned."""
    if n < 0x80:
        return bytes((n,))
    if n < 0x4000:
        return (0x8000 | n).to_bytes(2, "big")
    raise ValueError(f"NGAP field of {n} octets needs fragmentation (not written)")


def _open(value: bytes) -> bytes:
    """An open type or unconstrained OCTET STRING: length determinant + octets."""
    return _length(len(value)) + value


def _ranged_int(value: int, length_bits: int, max_octets: int) -> bytes:
    """A constrained whole number whose range exceeds 64K octets (X.691 11.5.7.4): the
    octet count minus one in ``length_bits`` bits (then padding), then the octets."""
    octets = max(1, (value.bit_length() + 7) // 8)
    if value < 0 or octets > max_octets:
        raise ValueError(f"NGAP id {value} out of range")
    return bytes(((octets - 1) << (8 - length_bits),)) + value.to_bytes(octets, "big")


def ran_ue_ngap_id(value: int) -> bytes:
    """RAN-UE-NGAP-ID ::= INTEGER (0..4294967295): 1..4 octets, 2 length bits."""
    return _ranged_int(value, 2, 4)


def amf_ue_ngap_id(value: int) -> bytes:
    """AMF-UE-NGAP-ID ::= INTEGER (0..1099511627775): 1..5 octets, 3 length bits."""
    return _ranged_int(value, 3, 5)


def user_location_nr(plmn: bytes, cell_id: int = 1, tac: int = 1) -> bytes:
    """UserLocationInformation: the userLocationInformationNR choice (index 1 of 4) with
    NR-CGI and TAI, no time stamp, no extensions."""
    # choice '01' | ULI-NR: ext 0, timeStamp absent, iE-Ext absent | NR-CGI: ext 0, iE-Ext
    # absent | padding -> 0100 0000; then pLMNIdentity (3 octets, aligned)
    head = b"\x40" + plmn
    # nRCellIdentity BIT STRING (SIZE(36)), then TAI's ext and iE-Ext bits (0, 0), padding
    cell = (cell_id << 4).to_bytes(5, "big")
    return head + cell + plmn + tac.to_bytes(3, "big")


def _ie(ie_id: int, criticality: int, value: bytes) -> bytes:
    """ProtocolIE-Field: id (2 octets), criticality (2 bits, padded), open-type value."""
    return ie_id.to_bytes(2, "big") + bytes((criticality << 6,)) + _open(value)


def _initiating(procedure: int, criticality: int, ies: list[bytes]) -> bytes:
    """NGAP-PDU initiatingMessage (choice index 0 of an extensible 3-way choice) whose
    value is a SEQUENCE { protocolIEs, ... } (extension bit 0, IE count in 16 bits)."""
    body = b"\x00" + len(ies).to_bytes(2, "big") + b"".join(ies)
    return bytes((0x00, procedure, criticality << 6)) + _open(body)


def initial_ue_message(ran_id: int, nas_pdu: bytes, plmn: bytes) -> bytes:
    """InitialUEMessage (TS 38.413 9.2.5.1) carrying the UE's first NAS message."""
    return _initiating(PROC_INITIAL_UE_MESSAGE, IGNORE, [
        _ie(IE_RAN_UE_NGAP_ID, REJECT, ran_ue_ngap_id(ran_id)),
        _ie(IE_NAS_PDU, REJECT, _open(nas_pdu)),
        _ie(IE_USER_LOCATION_INFORMATION, REJECT, user_location_nr(plmn)),
        # extension bit 0, then the 4-bit root index, padded: 0 0011 000
        _ie(IE_RRC_ESTABLISHMENT_CAUSE, IGNORE, bytes((MO_SIGNALLING << 3,))),
    ])


def uplink_nas_transport(ran_id: int, amf_id: int, nas_pdu: bytes, plmn: bytes) -> bytes:
    """UplinkNASTransport (TS 38.413 9.2.5.3)."""
    return _initiating(PROC_UPLINK_NAS_TRANSPORT, IGNORE, [
        _ie(IE_AMF_UE_NGAP_ID, REJECT, amf_ue_ngap_id(amf_id)),
        _ie(IE_RAN_UE_NGAP_ID, REJECT, ran_ue_ngap_id(ran_id)),
        _ie(IE_NAS_PDU, REJECT, _open(nas_pdu)),
        _ie(IE_USER_LOCATION_INFORMATION, IGNORE, user_location_nr(plmn)),
    ])


def downlink_nas_transport(ran_id: int, amf_id: int, nas_pdu: bytes) -> bytes:
    """DownlinkNASTransport (TS 38.413 9.2.5.2)."""
    return _initiating(PROC_DOWNLINK_NAS_TRANSPORT, IGNORE, [
        _ie(IE_AMF_UE_NGAP_ID, REJECT, amf_ue_ngap_id(amf_id)),
        _ie(IE_RAN_UE_NGAP_ID, REJECT, ran_ue_ngap_id(ran_id)),
        _ie(IE_NAS_PDU, REJECT, _open(nas_pdu)),
    ])

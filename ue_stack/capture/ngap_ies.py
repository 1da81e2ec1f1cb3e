"""What both NGAP decoders share (TS 38.413 9.4.7): the protocol IE ids we read, which
procedures carry NAS uplink or repeat it, and the facts a PDU yields.

``ngap`` (pycrate, the full decoder) and ``ngap_fast`` (the APER fast path) both import
these from here, so neither imports the other at module level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Protocol IE ids (TS 38.413 9.4.7, ProtocolIE-ID values)
IE_AMF_UE_NGAP_ID = 10
IE_FIVEG_S_TMSI = 26
IE_NAS_PDU = 38
IE_RAN_UE_NGAP_ID = 85
IE_UE_NGAP_IDS = 114
IE_USER_LOCATION_INFORMATION = 121

# Procedures whose NAS-PDU travels UE -> AMF. Every other NAS-PDU travels AMF -> UE,
# except the two below, which repeat a NAS-PDU that was (or was not) delivered already.
UPLINK_PROCEDURES = frozenset({"InitialUEMessage", "UplinkNASTransport"})
REPEATING_PROCEDURES = frozenset({"NASNonDeliveryIndication", "RerouteNASRequest"})


@dataclass(slots=True)
class NgapFacts:
    """What one NGAP PDU says about a UE."""

    procedure: str
    outcome: str  # initiatingMessage | successfulOutcome | unsuccessfulOutcome
    ran_ue_ngap_id: int | None = None
    amf_ue_ngap_id: int | None = None
    nas_pdus: list[bytes] = field(default_factory=list)
    direction: str | None = None  # "ul" | "dl" for the NAS PDUs; None: repeats, ignore
    tai_plmn: bytes | None = None
    s_tmsi: bytes | None = None  # AMF set + pointer (2 octets) + 5G-TMSI (4 octets)

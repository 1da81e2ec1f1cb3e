"""AKMA keys and identifiers (TS 33.535 Annex A, clause 6.1; FC values from Rel-17).

The A-KID syntax of TS 33.535 6.1 / TS 23.003 was not available to this project; the
character convention lives in ``a_kid`` only (docs/keys.md "A-KID"), and both the UE and the
network twin call that one function. Everything else compares A-KIDs as opaque strings.
"""

from __future__ import annotations

import base64

from .aka import supi_for_kdf
from .kdf import kdf, utf8
from .secret import Key

FC_K_AKMA = 0x80  # TS 33.535 A.2 (0x6A is KAUSF's FC: the classic mistake)
FC_A_TID = 0x81  # TS 33.535 A.3
FC_K_AF = 0x82  # TS 33.535 A.4
UA_ID_LENGTH = 5  # Ua* security protocol identifier (TS 33.220 Annex H)


def k_akma(kausf: bytes, supi: str) -> Key:
    """KAKMA = KDF(KAUSF, 0x80, "AKMA", SUPI) (TS 33.535 A.2)."""
    return kdf(kausf, FC_K_AKMA, b"AKMA", supi_for_kdf(supi))


def a_tid(kausf: bytes, supi: str) -> bytes:
    """A-TID = KDF(KAUSF, 0x81, "A-TID", SUPI), all 256 bits (TS 33.535 A.3)."""
    return bytes(kdf(kausf, FC_A_TID, b"A-TID", supi_for_kdf(supi)))


def a_kid(rid: str, a_tid_value: bytes, mcc: str, mnc: str) -> str:
    """A-KID = username@realm (TS 33.535 6.1), by the project convention of docs/keys.md:
    ``rid<RID>.atid<base64url(A-TID)>@5gc.mnc<MNC 3 digits>.mcc<MCC>.3gppnetwork.org``
    with the home PLMN. Assumption: the normative syntax was unavailable; change it here."""
    atid = base64.urlsafe_b64encode(a_tid_value).rstrip(b"=").decode("ascii")
    return f"rid{rid}.atid{atid}@{realm(mcc, mnc)}"


def realm(mcc: str, mnc: str) -> str:
    """The realm part of an A-KID: the home network's (the same convention as ``a_kid``)."""
    return f"5gc.mnc{mnc.zfill(3)}.mcc{mcc}.3gppnetwork.org"


def realm_of(a_kid_value: str) -> str:
    """The realm of an A-KID (after the last ``@``; empty when there is none)."""
    return a_kid_value.rpartition("@")[2] if "@" in a_kid_value else ""


def af_id(fqdn: str, ua_id: bytes) -> bytes:
    """AF_ID = FQDN of the AF || Ua* security protocol identifier, no separator
    (TS 33.535 6.2, TS 33.220 Annex H)."""
    if len(ua_id) != UA_ID_LENGTH:
        raise ValueError(f"Ua* protocol id must be {UA_ID_LENGTH} octets, got {len(ua_id)}")
    return utf8(fqdn) + bytes(ua_id)


def k_af(kakma: bytes, af_id_value: bytes) -> Key:
    """KAF = KDF(KAKMA, 0x82, AF_ID) (TS 33.535 A.4)."""
    return kdf(kakma, FC_K_AF, af_id_value)

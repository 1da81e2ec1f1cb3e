"""EAP packets of EAP-AKA' (RFC 3748 4, RFC 4187 8-11, RFC 9048 3) <-> trace names
(docs/trace-format.md).

A packet is described by the fields traces and logs use for it (docs/trace-format.md,
"EAP-AKA' fields"): ``eap_code`` (request/response/success/failure), ``eap_id`` (the EAP
Identifier), ``eap_subtype`` (challenge, synchronization-failure, ...), and the
attributes present as ``at_rand``, ``at_autn``, ``at_kdf``, ``at_kdf_input``, ``at_res``,
``at_auts``, ``at_mac`` and ``at_client_error_code``. ``decode`` gives that description,
``encode`` builds a packet from it, computing AT_MAC when given K_aut; ``describe``
reconciles a message's ``eap`` octets with decoded fields written beside them, the one
check the trace loader and the NAS codec share.

AT_MAC of EAP-AKA' is HMAC-SHA-256-128 keyed with K_aut over the whole EAP packet with the
MAC value set to zero (RFC 9048 3.4.1, replacing RFC 4187 10.15's HMAC-SHA1-128); for
AKA'-Challenge nothing is appended to the packet. Pure: no I/O, no state.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from ..crypto.eap_aka_prime import KDF_VALUE

EAP_TYPE_AKA_PRIME = 50  # RFC 9048 6 (IANA EAP method type)

CODES = {1: "request", 2: "response", 3: "success", 4: "failure"}  # RFC 3748 4
CODE_VALUES = {v: k for k, v in CODES.items()}
# IANA "EAP-AKA and EAP-SIM Parameters", subtypes (RFC 4187 11)
SUBTYPES = {
    1: "challenge",
    2: "authentication-reject",
    4: "synchronization-failure",
    5: "identity",
    12: "notification",
    13: "reauthentication",
    14: "client-error",
}
SUBTYPE_VALUES = {v: k for k, v in SUBTYPES.items()}

# Attribute types (RFC 4187 10, RFC 9048 3.1-3.2), in the order ``encode`` writes them;
# AT_MAC last, as the examples of RFC 4187 and real peers do.
AT_RAND, AT_AUTN, AT_RES, AT_AUTS = 1, 2, 3, 4
AT_KDF_INPUT, AT_KDF, AT_CLIENT_ERROR_CODE, AT_MAC = 23, 24, 22, 11
AT_NOTIFICATION, AT_IDENTITY = 12, 14  # RFC 4187 10.19, 10.5
ATTRIBUTE_NAMES = {
    AT_RAND: "at_rand",
    AT_AUTN: "at_autn",
    AT_RES: "at_res",
    AT_AUTS: "at_auts",
    AT_KDF_INPUT: "at_kdf_input",
    AT_KDF: "at_kdf",
    AT_CLIENT_ERROR_CODE: "at_client_error_code",
    AT_NOTIFICATION: "at_notification",
    AT_IDENTITY: "at_identity",
    AT_MAC: "at_mac",
}
# The three identity requests of AKA'-Identity (RFC 4187 10.2-10.4), one trace field
# ``at_id_req`` naming which one the request carries.
ID_REQUESTS = {10: "permanent", 17: "fullauth", 13: "any"}
ID_REQUEST_VALUES = {v: k for k, v in ID_REQUESTS.items()}
ATTRIBUTE_FIELDS = (*ATTRIBUTE_NAMES.values(), "at_id_req")
# Every decoded field name, in the order a log line shows them.
FIELDS = ("eap_code", "eap_id", "eap_subtype", *ATTRIBUTE_FIELDS)


MAC_LEN = 16  # HMAC-SHA-256-128
CLIENT_ERROR_UNABLE_TO_PROCESS = 0  # RFC 4187 10.19 "unable to process packet"


class EapDecodeError(ValueError):
    """The octets are not the EAP packet they claim to be."""


# --- decoding ---------------------------------------------------------------------------


def decode(packet: bytes) -> dict[str, Any]:
    """The trace-format description of an EAP packet. Success and failure have a code and
    an identifier only (RFC 3748 4.2); an EAP-AKA' request/response also a subtype and its
    attributes. A request/response of another method gives code and identifier only."""
    packet = bytes(packet)
    if len(packet) < 4:
        raise EapDecodeError("shorter than an EAP header")
    code, ident, length = packet[0], packet[1], int.from_bytes(packet[2:4], "big")
    if code not in CODES:
        raise EapDecodeError(f"unknown EAP code {code}")
    if length != len(packet):
        raise EapDecodeError(f"EAP length {length} but {len(packet)} octets")
    out: dict[str, Any] = {"eap_code": CODES[code], "eap_id": ident}
    if code > 2 or len(packet) < 5 or packet[4] != EAP_TYPE_AKA_PRIME:
        if code > 2 and length != 4:
            raise EapDecodeError("EAP success/failure must be 4 octets")
        return out
    if len(packet) < 8:
        raise EapDecodeError("shorter than an EAP-AKA' header")
    subtype = packet[5]
    out["eap_subtype"] = SUBTYPES.get(subtype, str(subtype))
    i = 8
    while i < len(packet):
        if i + 2 > len(packet):
            raise EapDecodeError("packet ends inside an attribute header")
        kind, size = packet[i], packet[i + 1] * 4
        if size == 0 or i + size > len(packet):
            raise EapDecodeError(f"attribute {kind} has a bad length")
        name = ATTRIBUTE_NAMES.get(kind)
        if kind in ID_REQUESTS:
            out.setdefault("at_id_req", ID_REQUESTS[kind])
        elif name is not None:
            value = _attribute_value(kind, packet[i + 2 : i + size])
            # AT_KDF may repeat in order of preference (RFC 9048 3.2): keep the first
            out.setdefault(name, value)
        elif kind < 128:
            # RFC 4187 8.1: a non-skippable attribute the peer does not know
            raise EapDecodeError(f"unknown non-skippable attribute {kind}")
        i += size
    return out


def _attribute_value(kind: int, body: bytes) -> Any:
    """One attribute's value from the octets after its type and length."""
    if kind in (AT_RAND, AT_AUTN, AT_MAC):
        if len(body) != 18:
            raise EapDecodeError(f"{ATTRIBUTE_NAMES[kind]} must carry 16 octets")
        return body[2:]
    if kind == AT_AUTS:
        if len(body) != 14:
            raise EapDecodeError("at_auts must carry 14 octets")
        return body
    if kind in (AT_RES, AT_KDF_INPUT, AT_IDENTITY):
        # RES length in bits (RFC 4187 10.8); network name and identity length in octets
        # (RFC 9048 3.1, RFC 4187 10.5)
        actual = int.from_bytes(body[:2], "big")
        size = (actual + 7) // 8 if kind == AT_RES else actual
        if size > len(body) - 2:
            raise EapDecodeError(f"{ATTRIBUTE_NAMES[kind]} is shorter than it says")
        value = body[2 : 2 + size]
        if kind == AT_RES:
            return value
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise EapDecodeError(f"{ATTRIBUTE_NAMES[kind]} is not UTF-8") from None
    # AT_KDF, AT_CLIENT_ERROR_CODE, AT_NOTIFICATION: a 2-octet value
    if len(body) != 2:
        raise EapDecodeError(f"{ATTRIBUTE_NAMES[kind]} must carry 2 octets")
    return int.from_bytes(body, "big")


# --- encoding ---------------------------------------------------------------------------


def encode(fields: Mapping[str, Any], k_aut: bytes | None = None) -> bytes:
    """An EAP packet from its description. With ``k_aut`` an AT_MAC is added and computed
    (RFC 9048 3.4.1); an ``at_mac`` given in ``fields`` is written as given otherwise."""
    code = CODE_VALUES[fields["eap_code"]]
    ident = int(fields.get("eap_id", 0)) & 0xFF
    if code > 2:
        return bytes((code, ident, 0, 4))
    body = bytearray((EAP_TYPE_AKA_PRIME, SUBTYPE_VALUES[fields["eap_subtype"]], 0, 0))
    for kind, name in ATTRIBUTE_NAMES.items():
        if kind == AT_MAC:
            continue
        value = fields.get(name)
        if value is not None:
            body += _attribute(kind, value)
    if fields.get("at_id_req") is not None:
        body += bytes((ID_REQUEST_VALUES[fields["at_id_req"]], 1, 0, 0))
    mac_at = None
    if k_aut is not None or fields.get("at_mac") is not None:
        mac_at = 4 + len(body) + 4  # offset of the MAC value in the packet
        body += _attribute(AT_MAC, fields.get("at_mac") or bytes(MAC_LEN))
    packet = bytes((code, ident)) + (4 + len(body)).to_bytes(2, "big") + bytes(body)
    if k_aut is not None and mac_at is not None:
        packet = packet[:mac_at] + at_mac(k_aut, packet) + packet[mac_at + MAC_LEN :]
    return packet


def _attribute(kind: int, value: Any) -> bytes:
    if kind in (AT_RAND, AT_AUTN, AT_MAC):
        body = bytes(2) + bytes(value)
    elif kind == AT_AUTS:
        body = bytes(value)
    elif kind == AT_RES:
        body = (len(value) * 8).to_bytes(2, "big") + bytes(value)
    elif kind in (AT_KDF_INPUT, AT_IDENTITY):
        name = value.encode("utf-8")
        body = len(name).to_bytes(2, "big") + name
    else:
        body = int(value).to_bytes(2, "big")
    body += bytes(-(len(body) + 2) % 4)  # pad to a multiple of 4 octets (RFC 4187 8.1)
    return bytes((kind, (len(body) + 2) // 4)) + body


def kdf_values(packet: bytes) -> list[int]:
    """Every AT_KDF value of an EAP-AKA' packet, in order: the server's preference list
    (RFC 9048 3.2). ``decode`` keeps only the first, as ``at_kdf``."""
    packet, values, i = bytes(packet), [], 8
    while i + 2 <= len(packet):
        kind, size = packet[i], packet[i + 1] * 4
        if size == 0:
            break
        if kind == AT_KDF and size == 4:
            values.append(int.from_bytes(packet[i + 2 : i + 4], "big"))
        i += size
    return values


# --- AT_MAC (RFC 9048 3.4.1) --------------------------------------------------------------


def _mac_offset(packet: bytes) -> int | None:
    """Where the AT_MAC value sits in an EAP-AKA' packet, or None when it has none."""
    i = 8
    while i + 2 <= len(packet):
        kind, size = packet[i], packet[i + 1] * 4
        if size == 0:
            return None
        if kind == AT_MAC:
            return i + 4
        i += size
    return None


def at_mac(k_aut: bytes, packet: bytes) -> bytes:
    """HMAC-SHA-256-128(K_aut, packet with the AT_MAC value zeroed) (RFC 9048 3.4.1)."""
    offset = _mac_offset(packet)
    if offset is None:
        raise ValueError("the packet has no AT_MAC")
    zeroed = packet[:offset] + bytes(MAC_LEN) + packet[offset + MAC_LEN :]
    return hmac.digest(bytes(k_aut), zeroed, hashlib.sha256)[:MAC_LEN]


def mac_ok(k_aut: bytes, packet: bytes) -> bool:
    """True when the packet carries an AT_MAC and it verifies with ``k_aut``."""
    offset = _mac_offset(packet)
    if offset is None:
        return False
    return hmac.compare_digest(packet[offset : offset + MAC_LEN], at_mac(k_aut, packet))


# --- a message's EAP fields ---------------------------------------------------------------


class EapFieldError(ValueError):
    """A message's ``eap`` octets and its decoded fields disagree; ``field`` names one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def describe(fields: dict[str, Any]) -> dict[str, Any]:
    """Reconcile a message's EAP fields (docs/trace-format.md): where ``eap`` (the packet) is
    given, every decoded field written beside it must agree with it, and the ones left
    out are filled in from it. Without ``eap`` the fields stand as written (a v1 trace's
    ``eap: success`` shorthand arrives here as ``eap_code``). Returns the fields."""
    packet = fields.get("eap")
    if packet is None:
        return fields
    try:
        decoded = decode(packet)
    except EapDecodeError as exc:
        raise EapFieldError("eap", f"is not an EAP packet: {exc}") from None
    for name in FIELDS:
        given = fields.get(name)
        value = decoded.get(name)
        if given is not None and given != value:
            shown = value.hex() if isinstance(value, bytes) else repr(value)
            raise EapFieldError(name, f"contradicts the eap packet, which carries {shown}")
        if value is not None:
            fields[name] = value
    return fields


# --- the two AKA'-Challenge packets, as the AUSF and the UE of this model build them --------


def challenge_request(ident: int, rand: bytes, autn: bytes, network_name: str,
                      k_aut: bytes) -> bytes:
    """EAP-Request/AKA'-Challenge: AT_RAND, AT_AUTN, AT_KDF_INPUT (the network name),
    AT_KDF 1, AT_MAC (RFC 9048 3; TS 33.501 6.1.3.1 step 5). Real servers may add
    attributes (AT_RESULT_IND, AT_CHECKCODE...), which changes their AT_MAC."""
    return encode({"eap_code": "request", "eap_id": ident, "eap_subtype": "challenge",
                   "at_rand": rand, "at_autn": autn, "at_kdf_input": network_name,
                   "at_kdf": KDF_VALUE}, k_aut=k_aut)


def challenge_response(ident: int, res: bytes, k_aut: bytes) -> bytes:
    """EAP-Response/AKA'-Challenge: AT_RES, AT_MAC (RFC 9048 3; RFC 4187 9.4)."""
    return encode({"eap_code": "response", "eap_id": ident, "eap_subtype": "challenge",
                   "at_res": res}, k_aut=k_aut)

"""5GMM messages as they cross N1, in the one vocabulary shared by traces, logs and cores.

A ``NasMessage`` is a message name plus its information elements, typed per the table
below (docs/trace-format.md): integers for ngKSI/algorithms/causes, ``bytes`` for the
octet strings (hex in files and logs), ``str`` for the two enumerations, ``bool`` for
``switch_off``. The table is the single place that says which fields a message has; trace
loading, NAS-3 comparison and log rendering all read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# TS 24.501 9.11.3.50 service type values 0..7, in order
SERVICE_TYPES = ("signalling", "data", "mobile-terminated", "emergency",
                 "emergency-fallback", "high-priority", "elevated-signalling", "unused")

# Field kinds: ("int", lo, hi) | ("hex", exact_len or (min_len, max_len) or None)
# | ("enum", values) | ("bool",) | ("str",)
FIELD_TYPES: dict[str, tuple[Any, ...]] = {
    "ngksi": ("int", 0, 7),
    "nea": ("int", 0, 7),
    "nia": ("int", 0, 7),
    "cause": ("int", 0, 255),
    "identity_type": ("int", 0, 7),
    "registration_type": ("enum", ("initial", "mobility", "periodic")),
    # Service type (TS 24.501 9.11.3.50), the values the model uses spelled out
    "service_type": ("enum", SERVICE_TYPES),
    # EAP-AKA' (docs/trace-format.md "EAP-AKA' fields"): the packet, and its decoded fields
    # (nas/eap.py keeps them in agreement). A v1 trace's ``eap: success|failure``
    # shorthand is read as ``eap_code`` by the loader.
    "eap": ("hex", None),
    "eap_code": ("enum", ("request", "response", "success", "failure")),
    "eap_id": ("int", 0, 255),
    "eap_subtype": (
        "enum",
        (
            "challenge",
            "authentication-reject",
            "synchronization-failure",
            "identity",
            "notification",
            "reauthentication",
            "client-error",
        ),
    ),
    "at_rand": ("hex", 16),
    "at_autn": ("hex", 16),
    "at_kdf": ("int", 0, 65535),
    "at_kdf_input": ("str",),
    "at_res": ("hex", None),
    "at_auts": ("hex", 14),
    "at_mac": ("hex", 16),
    "at_client_error_code": ("int", 0, 65535),
    "at_notification": ("int", 0, 65535),
    "at_identity": ("str",),
    "at_id_req": ("enum", ("permanent", "fullauth", "any")),
    "switch_off": ("bool",),
    "re_registration_required": ("bool",),
    # SECURITY MODE COMMAND flags (docs/trace-format.md; TS 24.501 8.2.25): IMEISV request,
    # horizontal derivation parameter, retransmission of initial NAS message request
    "imeisv_request": ("bool",),
    "hdp": ("bool",),
    "rinmr": ("bool",),
    # CONFIGURATION UPDATE COMMAND: acknowledgement requested (9.11.3.18)
    "ack_requested": ("bool",),
    "rand": ("hex", 16),
    "autn": ("hex", 16),
    "res_star": ("hex", 16),
    "auts": ("hex", 14),
    # ABBA IE (TS 24.501 9.11.3.10): a type 4 IE, so its contents are 2..255 octets
    "abba": ("hex", (2, 255)),
    "guti": ("hex", None),
    "replayed_ue_sec_cap": ("hex", None),
    "identity": ("hex", None),
    "pdu": ("hex", None),
    # GPRS timer values in seconds (TS 24.501 9.11.2.4/9.11.2.5; docs/trace-format.md)
    "t3346": ("int", 0, 11_160_000),
    "t3512": ("int", 0, 11_160_000),
    "note": ("str",),
}

# The fields of a message that carries an EAP message IE (TS 24.501 9.11.2.2).
EAP_FIELDS = (
    "eap",
    "eap_code",
    "eap_id",
    "eap_subtype",
    "at_rand",
    "at_autn",
    "at_kdf",
    "at_kdf_input",
    "at_res",
    "at_auts",
    "at_mac",
    "at_client_error_code",
    "at_notification",
    "at_identity",
    "at_id_req",
)

# msg -> (allowed directions, fields). Direction "dl" is network to UE.
MESSAGES: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "registration_request": (frozenset({"ul"}), ("registration_type", "ngksi")),
    "registration_accept": (frozenset({"dl"}), ("guti", "t3512")),
    "registration_reject": (frozenset({"dl"}), ("cause", "t3346", *EAP_FIELDS)),
    "registration_complete": (frozenset({"ul"}), ()),
    "authentication_request": (
        frozenset({"dl"}),
        ("ngksi", "abba", "rand", "autn", *EAP_FIELDS),
    ),
    "authentication_response": (frozenset({"ul"}), ("res_star", *EAP_FIELDS)),
    "authentication_failure": (frozenset({"ul"}), ("cause", "auts")),
    "authentication_reject": (frozenset({"dl"}), EAP_FIELDS),
    "authentication_result": (frozenset({"dl"}), ("ngksi", *EAP_FIELDS)),
    "security_mode_command": (
        frozenset({"dl"}),
        ("ngksi", "nea", "nia", "abba", "replayed_ue_sec_cap", "imeisv_request", "hdp",
         "rinmr", *EAP_FIELDS),
    ),
    # identity: the IMEISV (5GS mobile identity IE contents) when the SMC asked for it
    "security_mode_complete": (frozenset({"ul"}), ("identity",)),
    "security_mode_reject": (frozenset({"ul"}), ("cause",)),
    "identity_request": (frozenset({"dl"}), ("identity_type",)),
    "identity_response": (frozenset({"ul"}), ("identity",)),
    # dl only: re_registration_required, cause (UE-terminated, TS 24.501 8.2.14)
    "deregistration_request": (
        frozenset({"ul", "dl"}),
        ("switch_off", "re_registration_required", "cause", "t3346"),
    ),
    "deregistration_accept": (frozenset({"ul", "dl"}), ()),
    "service_request": (frozenset({"ul"}), ("service_type", "ngksi")),
    "service_accept": (frozenset({"dl"}), ()),
    "service_reject": (frozenset({"dl"}), ("cause", "t3346", *EAP_FIELDS)),
    "configuration_update_command": (frozenset({"dl"}), ("guti", "ack_requested")),
    "configuration_update_complete": (frozenset({"ul"}), ()),
    "status": (frozenset({"ul", "dl"}), ("cause",)),
    "ciphered": (frozenset({"ul", "dl"}), ("note",)),
}

# 5GMM cause values used by the model (TS 24.501 9.11.3.2).
CAUSE_MAC_FAILURE = 20
CAUSE_SYNCH_FAILURE = 21
CAUSE_UE_SECURITY_CAPABILITIES_MISMATCH = 23
CAUSE_SECURITY_MODE_REJECTED_UNSPECIFIED = 24
CAUSE_NON_5G_AUTHENTICATION_UNACCEPTABLE = 26
CAUSE_NGKSI_ALREADY_IN_USE = 71
CAUSE_MESSAGE_NOT_COMPATIBLE_WITH_STATE = 98

NGKSI_NO_KEY = 7  # "111": no key is available (TS 24.501 9.11.3.32)


# Security header types (TS 24.501 9.3.1) and what a receiver found of the MAC
# (docs/trace-format.md "Message protection").
SHT_PLAIN, SHT_INTEGRITY, SHT_CIPHERED, SHT_NEW_CONTEXT, SHT_CIPHERED_NEW_CONTEXT = range(5)
MAC_RESULTS = ("verified", "failed", "unchecked")
PROTECTION_FIELDS = ("sht", "mac", "count")


@dataclass(frozen=True, slots=True)
class Protection:
    """How one NAS message crossed N1 (TS 24.501 4.4, 9.1.1): its security header type
    ``sht``, what became of its MAC (``mac``: verified | failed | unchecked, None when
    plain) and the NAS COUNT it was protected with (``count``; None when plain or
    unknown). ``pdu`` is the security protected message as sent, where the sender built
    the octets (simulation): a receiver with keys checks the MAC in it itself rather
    than trusting ``mac``. A message without a ``Protection`` was protected as the spec
    says (docs/trace-format.md: the default of a hand-written record)."""

    sht: int
    mac: str | None = None
    count: int | None = None
    pdu: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def protected(self) -> bool:
        return self.sht != SHT_PLAIN

    def log_fields(self) -> dict[str, Any]:
        """``sht``/``mac``/``count`` as an ``n1`` line carries them (absent ones left out)."""
        out: dict[str, Any] = {"sht": self.sht}
        if self.mac is not None:
            out["mac"] = self.mac
        if self.count is not None:
            out["count"] = self.count
        return out


@dataclass(frozen=True, slots=True)
class NasMessage:
    """One 5GMM message: its trace-format name and its fields (typed per FIELD_TYPES),
    and how it was protected on N1 (None: as the spec says, the v1 default)."""

    msg: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    protection: Protection | None = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]


def nas(msg: str, **fields: Any) -> NasMessage:
    """Build a message, leaving out fields given as None."""
    return NasMessage(msg, {k: v for k, v in fields.items() if v is not None})


def render_fields(message: NasMessage) -> dict[str, Any]:
    """Fields as JSON-ready values (bytes as lowercase hex), for logs and recorded traces."""
    return {
        k: (v.hex() if isinstance(v, bytes | bytearray) else v)
        for k, v in message.fields.items()
    }


def is_modelled(msg: str) -> bool:
    """True for the 5GMM messages the model implements (docs/trace-format.md table)."""
    return msg in MESSAGES and msg != "ciphered"

"""Typed values of a ue-stack/trace v1 file (docs/trace-format.md).

The loader builds these; replay reads them. Keys are ``Key`` objects and are left out of
every ``repr``, so a header or a ``usim_inserted`` record can be printed safely.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from ..crypto.secret import Key
from ..nas.messages import NasMessage

RecordKind = Literal["dl", "ul", "app", "ue", "net"]
RECORD_KINDS: frozenset[str] = frozenset({"dl", "ul", "app", "ue", "net"})

# op -> {field: required?}, per kind (docs/trace-format.md, "app/ue/net ops")
APP_OPS: dict[str, dict[str, bool]] = {
    "kaf_request": {"app": True, "af_fqdn": True, "ua_id": True, "expect": False},
}
UE_OPS: dict[str, dict[str, bool]] = {
    "power_on": {},
    "power_off": {},
    "usim_removed": {},
    "usim_inserted": {"ue": False},
    "register": {"registration_type": False},
    "deregister": {"switch_off": False},
    "advance": {},
    "lower_layer_failure": {},
    # docs/trace-format.md: UE-initiated procedures and what starts them
    "mobility_update": {},
    "periodic_update": {},
    "release": {},
    "service_request": {"service_type": False},
    "plmn_change": {"mcc": True, "mnc": True},
}
NET_OPS: dict[str, dict[str, bool]] = {
    "aanf_context_remove": {},
    # the network registered the UE's AKMA anchor key, as a capture's SBI shows
    # (docs/trace-format.md)
    "aanf_registered": {"a_kid": False},
    "reauthenticate": {},
    "drop_next": {"msg": True},
}
# `net` ops an importer reads from a capture (what the network did, measured): a scenario
# cannot make them happen, so they are trace-only
OBSERVED_NET_OPS = frozenset({"aanf_registered"})
OPS: dict[str, dict[str, dict[str, bool]]] = {"app": APP_OPS, "ue": UE_OPS, "net": NET_OPS}

APP_MODES = ("per-kaf", "legacy-cache")
KAF_EXPECT = ("ok", "rejected")
UA_ID_OCTETS = 5  # Ua* security protocol identifier (TS 33.220 Annex H)
SQN_MS_DEFAULT = bytes(6)


def stand_in_supi(suci: bytes) -> str:
    """The SUPI replay uses for a UE known only by a concealed SUCI (docs/trace-format.md): the
    SUCI's home MCC/MNC followed by digits derived from the whole SUCI, so two UEs of a
    capture get two SUPIs and the A-KID realm stays the home network's."""
    from ..nas.codec import decode_mobile_identity  # the codec is heavier than this module

    ident = decode_mobile_identity(suci)
    prefix = (ident.mcc or "001") + (ident.mnc or "01")
    digits = str(int.from_bytes(hashlib.sha256(b"ue-stack stand-in SUPI:" + suci).digest()))
    return prefix + digits[: 15 - len(prefix)]


def suci_name(suci: bytes) -> str:
    """A SUCI as people write it (TS 23.003 2.2B): ``suci-0-MCC-MNC-RID-SCHEME-KEYID-OUTPUT``
    for an IMSI-type SUCI, the scheme output in hex; other octets as ``suci-HEX``. Reports
    name a concealed UE so, never by its stand-in SUPI."""
    from ..nas.codec import decode_mobile_identity

    ident = decode_mobile_identity(suci)
    if ident.mcc is None or len(suci) < 8:
        return f"suci-{suci.hex()}"
    supi_format = (suci[0] >> 4) & 0x07
    return (f"suci-{supi_format}-{ident.mcc}-{ident.mnc}-{ident.routing_indicator}-"
            f"{ident.protection_scheme}-{suci[7]}-{suci[8:].hex()}")


@dataclass(frozen=True, slots=True)
class Plmn:
    """A PLMN identity: MCC 3 digits, MNC 2 or 3 digits, kept as written."""

    mcc: str
    mnc: str


@dataclass(frozen=True, slots=True)
class StoredContext:
    """A header's ``ue.stored`` (docs/trace-format.md): the full native 5G NAS security context and
    the KAUSF the UE kept from before the trace (TS 24.501 Annex C.1 d; TS 33.501
    6.2.2.2; the USIM's EF5GS3GPPNSC and EF5GAUTHKEYS, TS 31.102). ``kamf``/``kausf`` are
    keys: left out of every ``repr``. ``nea``/``nia``: the algorithms the context was taken
    into use with (the trace may say; else ``STORED_NEA``/``STORED_NIA``). ``ul_count`` is
    the next uplink NAS COUNT, ``dl_count`` the last downlink one accepted (-1: none)."""

    ngksi: int
    kamf: Key = field(repr=False)
    kausf: Key = field(repr=False)
    guti: bytes | None = None
    ul_count: int = 0
    dl_count: int = -1
    nea: int = 2
    nia: int = 2


# The algorithms a stored context is taken to use when ``ue.stored`` does not say: what
# the twin AMF selects by default (128-NEA2, 128-NIA2; TS 33.501 5.11.1.1). The spec
# stores them with the context; a trace that knows them says so. docs/trace-format.md.
STORED_NEA = 2
STORED_NIA = 2


@dataclass(frozen=True, slots=True)
class UeConfig:
    """The USIM and UE settings of a trace header's ``ue`` object (or of ``usim_inserted``).

    ``opc`` is computed from ``op`` when only ``op`` is given; ``k``/``opc`` are None for a
    capture from a real SIM, and replay then checks only what it can. ``ngksi`` names a
    native 5G NAS security context the UE holds when the trace (or this USIM) starts; its
    keys are not in the trace; None means no stored context (TS 24.501 Annex C.1 d).
    """

    supi: str
    k: Key | None = field(default=None, repr=False)
    opc: Key | None = field(default=None, repr=False)
    sqn_ms: bytes = SQN_MS_DEFAULT
    rid: str = "0"
    home_plmn: Plmn | None = None
    sec_cap: bytes | None = None
    ngksi: int | None = None
    # The SUCI (5GS mobile identity IE contents) of a UE whose SUPI is concealed and never
    # revealed (protection scheme A/B); ``supi`` is then a stand-in (``stand_in_supi``).
    suci: bytes | None = None
    # The USIM's SUCI calculation (docs/keys.md): ECIES profile "A"/"B", the home network
    # public key and its identifier; None: the UE sends the null scheme.
    suci_profile: str | None = None
    hn_public: bytes | None = None
    hn_key_id: int = 1
    # The ME's identities (``ue.imei``/``ue.imeisv``, docs/trace-format.md): 15 and 16 digits
    imei: str | None = None
    imeisv: str | None = None
    # ``ue.stored`` (docs/trace-format.md): a stored context with its keys, and KAUSF
    stored: StoredContext | None = None

    def secret_values(self) -> list[str]:
        """The hex of every key this object gives (K, OPc, a stored KAMF and KAUSF), for
        SEC-1 to look for in every log line."""
        keys = [self.k, self.opc]
        if self.stored is not None:
            keys += [self.stored.kamf, self.stored.kausf]
        return [bytes(key).hex() for key in keys if key is not None]

    @property
    def has_credentials(self) -> bool:
        return self.k is not None and self.opc is not None


@dataclass(frozen=True, slots=True)
class TraceHeader:
    """The first line of a trace. ``snn`` is the explicit ``snn`` verbatim, else the
    serving network name of ``serving_plmn`` (TS 24.501 9.12.1). ``options`` holds only
    the options the header gives; ``raw`` is the header object as read."""

    path: str
    title: str
    source: str
    ue: UeConfig
    serving_plmn: Plmn | None
    snn: str
    options: dict[str, Any]
    expect: dict[str, Any] | None
    raw: dict[str, Any] = field(repr=False)

    @property
    def home_plmn(self) -> Plmn | None:
        """The A-KID realm's PLMN: ``ue.home_plmn``, else the serving PLMN (docs/keys.md)."""
        return self.ue.home_plmn or self.serving_plmn


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One record after the header.

    - ``dl``/``ul``: ``message`` is the NAS message with fields typed per
      ``nas.messages.FIELD_TYPES`` (for a message the model does not implement, its
      fields as written); ``pdu`` the captured octets if given. ``message`` is None only
      for a ``pdu``-only record whose PDU could not be decoded here.
    - ``app``/``ue``/``net``: ``op`` and its typed ``fields``.
    """

    line: int
    t: float
    kind: RecordKind
    message: NasMessage | None = None
    op: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    pdu: bytes | None = None
    skip: str | None = None  # dl/ul: why the model is not fed / not expected to send it
    frame: int | None = None  # the capture frame an imported record comes from
    # ``expect_state`` (docs/trace-format.md): the 5GMM state and/or update status right after this
    # input ({"5gmm": "5GMM-...", "update_status": "5U1"}); None when not stated
    expect_state: dict[str, str] | None = None

    @property
    def msg(self) -> str | None:
        return self.message.msg if self.message is not None else None

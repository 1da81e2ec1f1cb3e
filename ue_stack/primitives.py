"""Primitives between the upper layers and NAS (TS 24.501 4.21; no over-the-air message
exists for AKMA). Frozen dataclasses; key fields are ``repr=False``. No asyncio here.

Names follow docs/exchange-log.md: a ``...Request`` is answered by exactly one
``...Confirm`` or ``...Reject`` carrying the same ``corr``; ``...Indication`` is
unsolicited. ``app`` names the application (its layer is ``app:<app>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .crypto.secret import Key, fp

# ObtainAkmaKeyReject causes (docs/exchange-log.md)
KAUSF_UNAVAILABLE = "kausf_unavailable"
USIM_INVALID = "usim_invalid"
PROCEDURE_ABORTED = "procedure_aborted"


@dataclass(frozen=True, slots=True)
class ObtainAkmaKeyRequest:
    """Upper layers ask NAS for KAKMA and A-KID (TS 24.501 4.21)."""

    app: str
    corr: str


@dataclass(frozen=True, slots=True)
class ObtainAkmaKeyConfirm:
    """NAS answers with KAKMA and A-KID derived from the KAUSF valid now. ``k_akma_fp``
    is ``fp(k_akma)``, computed once here: the log line and the application's
    ``kaf_derived`` both name it."""

    app: str
    corr: str
    a_kid: str
    k_akma: Key = field(repr=False)
    k_ausf_fp: str = ""
    k_akma_fp: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "k_akma_fp", fp(self.k_akma))


@dataclass(frozen=True, slots=True)
class ObtainAkmaKeyReject:
    app: str
    corr: str
    cause: str


@dataclass(frozen=True, slots=True)
class KausfChangedIndication:
    """Optional notice to upper layers that KAUSF changed (they may drop KAFs early)."""

    app: str
    corr: str
    k_ausf_fp: str | None

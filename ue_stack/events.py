"""Outputs the sans-I/O cores queue for the bus (no asyncio here).

Cores never log and never send: they append these to their outbox, and the bus moves
them and writes one log line each (docs/exchange-log.md names the log event each maps to).
No event carries key material: keys appear only as ``fp(key)`` fingerprints.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .nas.messages import NasMessage


@dataclass(frozen=True, slots=True)
class SendN1:
    """A NAS message leaves its sender over N1 (log event ``n1``). The network sets
    ``supi`` to address one of several UEs; the UE side leaves it None."""

    message: NasMessage
    supi: str | None = None


@dataclass(frozen=True, slots=True)
class StateChanged:
    """A state machine moved (log event ``state``); names in TS 24.501 spelling. The
    network's AMF sets ``supi`` to the UE the change concerns (logged as ``ue``)."""

    layer: str
    from_: str
    to: str
    supi: str | None = None


@dataclass(frozen=True, slots=True)
class KausfChanged:
    """The UE's KAUSF changed status: ``pending`` | ``valid`` | ``deleted`` | ``stored``
(valid, held from before the run: ``ue.stored``) (log event ``kausf``)."""

    action: str
    k_ausf_fp: str


@dataclass(frozen=True, slots=True)
class UsimChanged:
    """``valid`` | ``invalid`` | ``removed`` | ``inserted`` (log event ``usim``)."""

    action: str


@dataclass(frozen=True, slots=True)
class KafDerived:
    """Upper layers derived a KAF (log event ``kaf_derived``). ``corr`` is the confirm it
    used, or None when it reused a cached KAKMA (legacy-cache). Only fingerprints: the
    application keeps the KAF itself."""

    app: str
    corr: str | None
    af_id: str  # "FQDN:UAID", the notation of `ue-stack keys --af`
    a_kid: str
    k_akma_fp: str
    k_af_fp: str


@dataclass(frozen=True, slots=True)
class AfSessionRequest:
    """The UE's application opens a session with an AF (Ua*): the A-KID and a key
    confirmation value — ``fp(KAF)`` — never the key itself."""

    app: str
    af_fqdn: str
    ua_id: bytes
    a_kid: str
    k_af_fp: str
    attempt: int = 0  # retries after a failure indication (ue_stack.rel18 choice 3)

    @property
    def af_id(self) -> str:
        return f"{self.af_fqdn}:{self.ua_id.hex()}"


@dataclass(frozen=True, slots=True)
class AfFailureIndication:
    """An AF answers a Ua* request with the AAnF's failure indication (the A-KID is
    unknown) instead of failing the session: the application may obtain KAKMA/A-KID from
    NAS again and retry (TS 33.535 Rel-18; ``ue_stack.rel18`` choice 3). Logged as a
    ``note``; the session's outcome is the ``af_session`` of the last attempt."""

    app: str
    af_fqdn: str
    ua_id: bytes
    a_kid: str
    attempt: int
    supi: str | None = None

    @property
    def af_id(self) -> str:
        return f"{self.af_fqdn}:{self.ua_id.hex()}"


@dataclass(frozen=True, slots=True)
class AfSessionResult:
    """An AF checked the UE's key (log event ``af_session``): ``ok`` | ``unknown_a_kid``
    | ``key_mismatch``."""

    app: str
    af_id: str
    a_kid: str
    result: str
    k_af_fp_ue: str
    k_af_fp_net: str | None
    supi: str | None = None


@dataclass(frozen=True, slots=True)
class AanfChanged:
    """The AAnF's AKMA context for a SUPI changed: ``registered`` | ``replaced`` |
    ``removed`` (log event ``aanf``)."""

    action: str
    supi: str
    a_kid: str
    k_akma_fp: str


@dataclass(frozen=True, slots=True)
class Discarded:
    """The UE did not act on a downlink message (log event ``discarded``): why, and the
    clause that says so (``nas/protection.py``)."""

    msg: str
    reason: str
    clause: str


@dataclass(frozen=True, slots=True)
class Note:
    """Anything else worth a log line (log event ``note``): a timer expiry, a message the
    model passes through, a local release."""

    layer: str
    text: str
    fields: dict[str, Any] = field(default_factory=dict)


class Outbox:
    """A core's queue of outputs; the bus drains it after every input (aioquic's
    ``next_event`` pattern, drained in one call)."""

    __slots__ = ("_queue",)

    def __init__(self) -> None:
        self._queue: deque[object] = deque()

    def put(self, event: object) -> None:
        self._queue.append(event)

    def drain(self) -> list[object]:
        queue = self._queue
        if not queue:  # the bus asks once more after every input: make that cheap
            return []
        out = list(queue)
        queue.clear()
        return out

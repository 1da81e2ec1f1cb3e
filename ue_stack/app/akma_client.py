"""The AKMA client of one application in the UE's upper layers (sans-I/O).

TS 24.501 clause 4.21 (as amended): "when the upper layers need to derive KAF, they are
required to request the UE NAS layer to obtain KAKMA and A-KID". TS 33.535 6.2: the
application derives KAF = KDF(KAKMA, AF_ID) and starts a Ua* session with the AF, naming
the A-KID.

Two modes:
- ``per-kaf`` (the rule): every KAF derivation is preceded by its own
  ``ObtainAkmaKeyRequest``; the KAKMA in the confirm is used once, at once, and dropped.
- ``legacy-cache`` (the pre-CR behaviour, a negative control for the checker): the first
  KAKMA/A-KID obtained is kept and reused for every later KAF, so a re-authentication that
  replaces KAUSF leaves the application on a stale KAKMA.

An AF may answer a stale A-KID with a failure indication (Release 18, ``ue_stack.rel18``
choice 3). The client then tries the session again ``RETRY_DELAY_S`` later, as its mode
says: ``per-kaf`` asks NAS for KAKMA/A-KID again first — which is what lets it recover once
the UE has the new KAUSF — while ``legacy-cache`` derives from its cache again.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass

from ..crypto import akma
from ..crypto.secret import fp
from ..errors import LocalProtocolError
from ..events import AfFailureIndication, AfSessionRequest, KafDerived, Note, Outbox
from ..primitives import ObtainAkmaKeyConfirm, ObtainAkmaKeyReject, ObtainAkmaKeyRequest
from ..rel18 import RETRY_DELAY_S

PER_KAF = "per-kaf"
LEGACY_CACHE = "legacy-cache"
APP_MODES = (PER_KAF, LEGACY_CACHE)


@dataclass(frozen=True, slots=True)
class KafNeed:
    """One application need for a KAF: the AF and its Ua* protocol (TS 33.535 6.2)."""

    af_fqdn: str
    ua_id: bytes
    attempt: int = 0  # 0: the first try; n: the n-th retry after a failure indication


class AkmaClient:
    """Upper-layer AKMA client of the application ``app``.

    Inputs: ``kaf_request`` (the application needs a KAF now) and ``handle_primitive``
    (NAS answered). Outputs in ``outbox``: ``ObtainAkmaKeyRequest`` to NAS, ``KafDerived``,
    ``AfSessionRequest`` to the AF, and a ``Note`` when a request is rejected.
    """

    def __init__(self, app: str, mode: str = PER_KAF, corr_prefix: str = "") -> None:
        if mode not in APP_MODES:
            raise LocalProtocolError(f"unknown app mode {mode!r} (expected one of {APP_MODES})")
        self.app = app
        self.mode = mode
        self.outbox = Outbox()
        self._corr_prefix = corr_prefix or f"{app}-"
        self._next_corr = 1
        # Requests sent to NAS and not yet answered, oldest first (NAS answers in order).
        self._waiting: dict[str, KafNeed] = {}
        # legacy-cache only: the KAKMA/A-KID obtained first, reused forever.
        self._cached: ObtainAkmaKeyConfirm | None = None
        self._queued_for_cache: deque[KafNeed] = deque()
        # retries after a failure indication: (when, order, need), earliest first
        self._retries: list[tuple[float, int, KafNeed]] = []
        self._retry_order = itertools.count()

    def kaf_request(self, af_fqdn: str, ua_id: bytes, now: float) -> None:
        """The application needs KAF for ``af_fqdn`` over the Ua* protocol ``ua_id``."""
        self._need(KafNeed(af_fqdn, bytes(ua_id)), now)

    def _need(self, need: KafNeed, now: float) -> None:
        akma.af_id(need.af_fqdn, need.ua_id)  # validates the Ua* id before anything is sent
        if self.mode == LEGACY_CACHE and self._cached is not None:
            self._derive_and_connect(need, None, self._cached)
            return
        if self.mode == LEGACY_CACHE and self._waiting:
            # legacy: one obtain in flight; later needs wait for its answer and reuse it.
            self._queued_for_cache.append(need)
            return
        corr = f"{self._corr_prefix}{self._next_corr}"
        self._next_corr += 1
        self._waiting[corr] = need
        self.outbox.put(ObtainAkmaKeyRequest(app=self.app, corr=corr))

    def handle_primitive(
        self, prim: ObtainAkmaKeyConfirm | ObtainAkmaKeyReject, now: float
    ) -> None:
        """NAS answered an ``ObtainAkmaKeyRequest`` of ours (TS 24.501 4.21)."""
        need = self._waiting.pop(prim.corr, None)
        if need is None:
            raise LocalProtocolError(f"{type(prim).__name__} {prim.corr!r} answers no request")
        if isinstance(prim, ObtainAkmaKeyReject):
            self.outbox.put(
                Note(f"app:{self.app}", "KAF not derived: AKMA key rejected",
                     {"corr": prim.corr, "cause": prim.cause})
            )
            self._flush_queued_for_cache(now)
            return
        if self.mode == LEGACY_CACHE:
            self._cached = prim
        self._derive_and_connect(need, prim.corr, prim)
        self._flush_queued_for_cache(now)

    def _flush_queued_for_cache(self, now: float) -> None:
        queued, self._queued_for_cache = self._queued_for_cache, deque()
        for need in queued:
            self._need(need, now)

    def handle_af_failure(self, indication: AfFailureIndication, now: float) -> None:
        """The AF answered a failure indication (rel18 choice 3): try again
        ``RETRY_DELAY_S`` from now, as a new need of the same AF (``_need``)."""
        need = KafNeed(indication.af_fqdn, indication.ua_id, indication.attempt + 1)
        heapq.heappush(self._retries, (now + RETRY_DELAY_S, next(self._retry_order), need))

    def next_deadline(self) -> float | None:
        return self._retries[0][0] if self._retries else None

    def handle_timer(self, now: float) -> None:
        while self._retries and self._retries[0][0] <= now:
            self._need(heapq.heappop(self._retries)[2], now)

    def _derive_and_connect(
        self, need: KafNeed, corr: str | None, keys: ObtainAkmaKeyConfirm
    ) -> None:
        """KAF = KDF(KAKMA, 0x82, AF_ID) (TS 33.535 A.4), then the Ua* session request,
        which carries the A-KID and a key-confirmation value, never the key."""
        a_kid = keys.a_kid
        k_af = akma.k_af(keys.k_akma, akma.af_id(need.af_fqdn, need.ua_id))
        k_af_fp = fp(k_af)
        af_id = f"{need.af_fqdn}:{need.ua_id.hex()}"
        self.outbox.put(KafDerived(self.app, corr, af_id, a_kid, keys.k_akma_fp, k_af_fp))
        self.outbox.put(AfSessionRequest(self.app, need.af_fqdn, need.ua_id, a_kid, k_af_fp,
                                         need.attempt))

    @property
    def waiting(self) -> int:
        """Requests sent to NAS and not answered yet."""
        return len(self._waiting)

"""AAnF: the AKMA anchor function (TS 33.535 6.1, 6.2, 7.2).

Keeps exactly one AKMA context per SUPI — the latest the AUSF registered. Registering a
new A-KID/KAKMA deletes the old pair (TS 33.535 6.1; TS 33.537 4.2.2.1
TC_AKMA_Key_Storage_Update), so an AF that presents the old A-KID afterwards gets a
failure. That deletion is what makes a UE with a stale KAKMA visible.

Release 18 (``ue_stack.rel18`` choice 2): a consumer may give a Service Disable URI with
``ApplicationKey_Get``; when AKMA service is disabled for the UE, the AAnF deletes the
context and owes each such consumer a ``Naanf_AKMA_ServiceDisableNotification`` (A-KID).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..crypto.akma import k_af
from ..crypto.secret import Key, fp
from ..events import AanfChanged, Note, Outbox
from ..rel18 import SERVICE_DISABLE_CLAUSE

KAF_LIFETIME = 3600.0  # seconds; operator policy (TS 33.535 6.2 leaves it to the AAnF)


@dataclass(frozen=True, slots=True)
class AkmaContext:
    supi: str
    a_kid: str
    k_akma: Key = field(repr=False)
    registered_at: float = 0.0


class ApplicationKey(NamedTuple):
    """Naanf_AKMA_ApplicationKey_Get output: KAF and its expiry (model time)."""

    k_af: Key
    expiry: float


class Aanf:
    def __init__(self, outbox: Outbox | None = None, kaf_lifetime: float = KAF_LIFETIME):
        self.outbox = outbox if outbox is not None else Outbox()
        self.kaf_lifetime = kaf_lifetime
        self._by_supi: dict[str, AkmaContext] = {}
        self._by_a_kid: dict[str, AkmaContext] = {}
        # A-KID -> the Service Disable URIs consumers gave for it (insertion ordered)
        self._disable_uris: dict[str, dict[str, None]] = {}

    def register(self, supi: str, a_kid: str, k_akma: bytes, now: float) -> None:
        """Naanf_AKMA_AnchorKey_Register (TS 33.535 6.1, 7.2.2): store the new context and
        delete the previous A-KID/KAKMA of the same SUPI."""
        old = self._by_supi.get(supi)
        if old is not None:
            del self._by_a_kid[old.a_kid]
            self._disable_uris.pop(old.a_kid, None)
        ctx = AkmaContext(supi, a_kid, Key(k_akma), now)
        self._by_supi[supi] = ctx
        self._by_a_kid[a_kid] = ctx
        action = "registered" if old is None else "replaced"
        self.outbox.put(AanfChanged(action, supi, a_kid, fp(k_akma)))

    def application_key_get(self, a_kid: str, af_id: bytes, now: float,
                            disable_uri: str | None = None) -> ApplicationKey | None:
        """Naanf_AKMA_ApplicationKey_Get (TS 33.535 6.2, 7.2.3): KAF = KDF(KAKMA, AF_ID)
        with an expiry, or None (the failure indication) when the A-KID is unknown. A
        ``disable_uri`` asks for a service-disable notification for this A-KID."""
        ctx = self._by_a_kid.get(a_kid)
        if ctx is None:
            return None
        if disable_uri is not None:
            self._disable_uris.setdefault(a_kid, {})[disable_uri] = None
        return ApplicationKey(k_af(ctx.k_akma, af_id), now + self.kaf_lifetime)

    def service_disable(self, supi: str, now: float) -> list[tuple[str, str]]:
        """AKMA service disabled for ``supi`` (TS 33.535 Rel-18; ``ue_stack.rel18`` choice
        2): delete its context and return the ``(Service Disable URI, A-KID)`` pairs owed a
        Naanf_AKMA_ServiceDisableNotification, each also noted in the log."""
        ctx = self._by_supi.get(supi)
        if ctx is None:
            return []
        owed = [(uri, ctx.a_kid) for uri in self._disable_uris.get(ctx.a_kid, {})]
        self.context_remove(supi, now)
        for uri, a_kid in owed:
            self.outbox.put(Note("aanf", "Naanf_AKMA_ServiceDisableNotification",
                                 {"supi": supi, "a_kid": a_kid, "uri": uri,
                                  "clause": SERVICE_DISABLE_CLAUSE}))
        return owed

    def context_remove(self, supi: str, now: float) -> bool:
        """Naanf_AKMA_Context_Remove (TS 33.535 7.2.4): delete the SUPI's context.
        Returns False (and emits nothing) when there was none."""
        ctx = self._by_supi.pop(supi, None)
        if ctx is None:
            return False
        del self._by_a_kid[ctx.a_kid]
        self._disable_uris.pop(ctx.a_kid, None)
        self.outbox.put(AanfChanged("removed", supi, ctx.a_kid, fp(ctx.k_akma)))
        return True

    def context(self, supi: str) -> AkmaContext | None:
        return self._by_supi.get(supi)

    def __len__(self) -> int:
        return len(self._by_supi)

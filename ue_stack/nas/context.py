"""5G NAS security contexts and the UE's KAUSF, kept apart on purpose.

TS 33.501 6.2.2.2 keeps KAUSF outside the NAS security context: a context is replaced at
every SMC, while KAUSF lives in the USIM (or ME non-volatile memory) and survives
deregistration and power-off. Mixing the two is how an implementation loses KAUSF at SMC
(a mistake seen in UERANSIM). So:

- ``NasSecurityContext``: one native 5G NAS security context named by its ngKSI. A trace
  may start with the UE holding one from before it began (docs/trace-format.md ``ue.ngksi``): the
  model then knows its ngKSI but not its keys (``k_amf`` None) — or, with ``ue.stored``,
  its KAMF, algorithms and NAS COUNTs too: the UE *resumes* it (``resumed``).
- ``SecurityContexts``: the *current* context and the *partial* native context that the
  last successful 5G AKA created (TS 24.501 4.4.2.1, 5.4.1.3.2), not yet taken into use.
- ``KausfStore``: the *pending* KAUSF of that 5G AKA run (ME memory) and the *valid* one
  (the USIM's non-volatile store). A pending KAUSF becomes valid only when NAS accepts the
  SMC that takes the partial context into use (TS 24.501 5.4.2.1; TS 33.501 6.2.2.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..crypto.aka import k_nas_enc, k_nas_int
from ..crypto.secret import Key, fp
from .messages import NGKSI_NO_KEY, NasMessage
from .usim import Usim

if TYPE_CHECKING:
    from ..trace.schema import StoredContext


@dataclass(slots=True)
class NasSecurityContext:
    """A native 5G NAS security context (TS 24.501 4.4.2): ngKSI, KAMF, the ABBA used for
    KAMF, and once an SMC took it into use, the selected algorithms. ``k_amf`` is None only
    for a context stored before the trace began, whose keys the trace does not give."""

    ngksi: int
    k_amf: Key | None = field(repr=False)
    abba: bytes = b"\x00\x00"
    nea: int | None = None
    nia: int | None = None
    smc_abba: bytes | None = None
    # NAS COUNTs (TS 24.501 4.4.3.1): the next uplink one, and the last downlink one
    # accepted (-1: none yet). They belong to the context and outlive the connection.
    ul_count: int = 0
    dl_count: int = -1
    # Kept from before the run with its keys (``ue.stored``): the UE resumes it, so its
    # initial NAS message establishes secure exchange (protection.Boundary.protect_ul).
    resumed: bool = False

    @classmethod
    def stored(cls, ngksi: int) -> NasSecurityContext:
        """A full native context the UE kept from before the trace (TS 24.501 Annex C.1 d:
        stored on the USIM, or in the ME with the SUPI, across switch-off): it has an
        ngKSI, so REGISTRATION REQUEST names it (5.5.1.2.2) and a challenge naming the
        same ngKSI gets #71 (5.4.1.3.7 c); its KAMF is not known to the model."""
        if not 0 <= ngksi < NGKSI_NO_KEY:
            raise ValueError(f"a stored context's ngKSI must be 0..6, got {ngksi}")
        return cls(ngksi, None)

    @property
    def keys_known(self) -> bool:
        return self.k_amf is not None

    def k_nas_enc(self) -> Key:
        """K_NASenc for the selected NEA (TS 33.501 A.8); derived on demand, not stored."""
        if self.nea is None:
            raise ValueError("no ciphering algorithm selected yet")
        return k_nas_enc(self._k_amf(), self.nea)

    def k_nas_int(self) -> Key:
        """K_NASint for the selected NIA (TS 33.501 A.8)."""
        if self.nia is None:
            raise ValueError("no integrity algorithm selected yet")
        return k_nas_int(self._k_amf(), self.nia)

    def _k_amf(self) -> Key:
        if self.k_amf is None:
            raise ValueError(f"context ngKSI {self.ngksi} was stored before the trace: no KAMF")
        return self.k_amf


class SecurityContexts:
    """The UE's stored native contexts: current (in use) and partial (from 5G AKA)."""

    __slots__ = ("current", "partial")

    def __init__(self) -> None:
        self.current: NasSecurityContext | None = None
        self.partial: NasSecurityContext | None = None

    def ngksi_in_use(self, ngksi: int) -> bool:
        """True when ``ngksi`` already names a stored context (TS 24.501 5.4.1.3.7 c)."""
        return any(c is not None and c.ngksi == ngksi for c in (self.current, self.partial))

    def restore(self, ngksi: int | None, stored: StoredContext | None = None) -> None:
        """The UE reads a stored native context with the USIM's subscriber (TS 24.501
        Annex C.1 d): it becomes the current context — with ``stored`` its KAMF,
        algorithms and NAS COUNTs, else keys unknown. None: nothing stored."""
        if stored is not None:
            self.current = NasSecurityContext(
                stored.ngksi, Key(stored.kamf), nea=stored.nea, nia=stored.nia,
                ul_count=stored.ul_count, dl_count=stored.dl_count, resumed=True)
        elif ngksi is not None:
            self.current = NasSecurityContext.stored(ngksi)

    def registration_ngksi(self) -> int:
        """ngKSI for REGISTRATION REQUEST: the current context's, else "111" (no key)
        (TS 24.501 5.5.1.2.2, 9.11.3.32)."""
        return self.current.ngksi if self.current is not None else NGKSI_NO_KEY

    def take_partial_into_use(self, nea: int, nia: int) -> NasSecurityContext:
        """The SMC names the partial context: it becomes current (TS 24.501 5.4.2.3)."""
        ctx = self.partial
        if ctx is None:
            raise ValueError("no partial native security context")
        ctx.nea, ctx.nia = nea, nia
        self.current, self.partial = ctx, None
        return ctx

    def clear(self) -> None:
        self.current = None
        self.partial = None

    def __repr__(self) -> str:
        def ksi(c: NasSecurityContext | None) -> str:
            return "none" if c is None else str(c.ngksi)

        return f"SecurityContexts(current={ksi(self.current)}, partial={ksi(self.partial)})"


class KausfStore:
    """Pending and valid KAUSF. ``valid`` reads the inserted USIM's store; the fingerprint
    is computed once per change, not per AKMA request."""

    __slots__ = ("_pending", "_valid_fp", "pending_eap", "pending_fp", "usim")

    def __init__(self, usim: Usim | None = None) -> None:
        self.usim = usim
        self._pending: Key | None = None
        self.pending_fp: str | None = None
        # The pending KAUSF came from EAP-AKA': valid on EAP-Success only (TS 24.501
        # 5.4.1.2.2), not on an SMC alone as for 5G AKA.
        self.pending_eap = False
        self._valid_fp: tuple[bytes, str] | None = None

    @property
    def pending(self) -> Key | None:
        return self._pending

    @property
    def valid(self) -> Key | None:
        return self.usim.kausf if self.usim is not None else None

    @property
    def valid_fp(self) -> str | None:
        key = self.valid
        if key is None:
            return None
        cached = self._valid_fp
        if cached is None or cached[0] is not key:
            cached = self._valid_fp = (key, fp(key))
        return cached[1]

    def set_pending(self, key: Key, *, eap: bool = False) -> str:
        """A 5G AKA run (or, with ``eap``, an EAP-AKA' challenge) succeeded on the UE: its
        KAUSF is pending (TS 33.501 6.1.3.2, 6.1.3.1)."""
        self._pending = Key(key)
        self.pending_fp = fp(key)
        self.pending_eap = eap
        return self.pending_fp

    def drop_pending(self) -> str | None:
        """The pending KAUSF is abandoned (SMC rejected, context deleted); returns its fp."""
        dropped, self._pending, self.pending_fp = self.pending_fp, None, None
        self.pending_eap = False
        return dropped

    def promote_pending(self) -> str:
        """The SMC taking the new context into use was accepted: the pending KAUSF replaces
        the valid one in the USIM's store (TS 24.501 5.4.2.1, TS 33.501 6.2.2.2)."""
        if self._pending is None or self.usim is None:
            raise ValueError("no pending KAUSF to take into use")
        key, fingerprint = self._pending, self.pending_fp
        assert fingerprint is not None
        self.usim.kausf = key
        self._valid_fp = (key, fingerprint)
        self._pending = self.pending_fp = None
        self.pending_eap = False
        return fingerprint

    def delete_valid(self) -> str | None:
        """Delete the valid KAUSF (USIM removed while powered on); returns its fp."""
        old = self.valid_fp
        if self.usim is not None:
            self.usim.kausf = None
        self._valid_fp = None
        return old

    def __repr__(self) -> str:
        return f"KausfStore(valid={self.valid_fp}, pending={self.pending_fp})"


@dataclass(slots=True)
class EapPeer:
    """The peer's memory between messages: the last request and our answer to it, for a
    retransmission, and whether that answer carried AT_RES (it then reopens the AKMA
    deferral). Whether the pending KAUSF came from EAP-AKA' is ``KausfStore.pending_eap``."""

    last_request: bytes | None = None
    last_response: NasMessage | None = None
    res_sent: bool = False
    # RFC 9048 3.2: the AT_KDF list of a challenge this peer answered with the KDF it
    # chose (not the server's first); the next challenge must be that one + this list
    kdf_offer: tuple[int, ...] | None = None

    def forget(self) -> None:
        self.last_request = self.last_response = None
        self.res_sent = False
        self.kdf_offer = None

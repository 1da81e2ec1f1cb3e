"""Security mode control, UE side (TS 24.501 5.4.2): SECURITY MODE COMMAND takes a
security context into use — and with it the pending KAUSF (TS 33.501 6.2.2.2) — or is
answered with SECURITY MODE REJECT."""

from __future__ import annotations

from collections.abc import Callable

from ..events import KausfChanged
from . import eap_aka_prime
from .core import MmCore, required
from .identification import IDENTITY_IMEISV, digits_identity
from .messages import (
    CAUSE_SECURITY_MODE_REJECTED_UNSPECIFIED,
    CAUSE_UE_SECURITY_CAPABILITIES_MISMATCH,
    NasMessage,
    nas,
)

NIA0 = 0  # 5G-IA0, the null integrity algorithm (TS 33.501 5.11.1.2; 24.501 9.11.3.34)


class SecurityModeControl(MmCore):
    """SECURITY MODE COMMAND/COMPLETE/REJECT."""

    def _on_security_mode_command(self, message: NasMessage, now: float) -> None:
        """SECURITY MODE COMMAND (5.4.2.3). Accepting the SMC that takes the partial
        context into use makes the pending KAUSF valid, replacing the old one (5.4.2.1;
        TS 33.501 6.2.2.2) — announced before SECURITY MODE COMPLETE. Replayed UE security
        capabilities that differ -> #23; 5G-IA0 (``nia`` 0) outside an emergency -> #24
        (5.4.2.3; TS 33.501 5.5.2); an ngKSI naming neither the partial nor the current
        context -> #24 (5.4.2.5); the old KAUSF then stays valid."""
        ngksi = required(message, "ngksi")
        nea = required(message, "nea")
        nia = required(message, "nia")
        self._fire("security_mode_command", remote=True)
        self._forget_rand_res()  # the challenge is over (5.4.1.3.2)
        replayed, own = message.get("replayed_ue_sec_cap"), self.config.sec_cap
        if replayed is not None and own is not None and bytes(replayed) != bytes(own):
            self._security_mode_rejected(CAUSE_UE_SECURITY_CAPABILITIES_MISMATCH)
            return
        if nia == NIA0:
            # 5G-IA0 outside an emergency (none is modelled): never switch the KAUSF over
            # an unprotected context (5.4.2.3; TS 33.501 5.5.2).
            self._security_mode_rejected(CAUSE_SECURITY_MODE_REJECTED_UNSPECIFIED)
            return
        contexts = self.contexts
        if contexts.partial is not None and contexts.partial.ngksi == ngksi:
            ctx = contexts.take_partial_into_use(nea, nia)
            ctx.smc_abba = message.get("abba")
            if self.kausf.pending_eap:
                # EAP-AKA': valid on EAP-Success only (5.4.1.2.2), carried by this SMC
                if message.get("eap_code") == "success":
                    eap_aka_prime.eap_success(self, "security_mode_command")
                else:
                    self._note("SMC without EAP-Success: the EAP-AKA' KAUSF stays pending")
            elif self.kausf.pending is not None:
                valid_fp = self.kausf.promote_pending()
                self._announced_kausf_fp = valid_fp
                self.outbox.put(KausfChanged("valid", valid_fp))
        elif contexts.current is not None and contexts.current.ngksi == ngksi:
            # Same context, (possibly) new algorithms: no new KAUSF.
            contexts.current.nea, contexts.current.nia = nea, nia
        else:
            self._security_mode_rejected(CAUSE_SECURITY_MODE_REJECTED_UNSPECIFIED)
            return
        self.boundary.established()
        self._send(nas("security_mode_complete", identity=self._imeisv_if_asked(message)))

    def _imeisv_if_asked(self, message: NasMessage) -> bytes | None:
        """SECURITY MODE COMPLETE carries the IMEISV when the command asked for it and the
        UE has one (5.4.2.3). HDP (horizontal KAMF derivation) and RINMR (retransmission
        of the initial message) are read but not modelled: a note says so."""
        for flag in ("hdp", "rinmr"):
            if message.get(flag):
                self._note(f"SMC {flag} not modelled", clause="5.4.2.3")
        if message.get("imeisv_request") and self.config.imeisv:
            return digits_identity(self.config.imeisv, IDENTITY_IMEISV)
        return None

    def _security_mode_rejected(self, cause: int) -> None:
        """SECURITY MODE REJECT (5.4.2.5): the old KAUSF stays valid, the pending one and
        its partial context are dropped."""
        self._send(nas("security_mode_reject", cause=cause))
        self._drop_partial(f"SECURITY MODE REJECT #{cause}")


# The downlink messages and timers this procedure handles (mm.Nas routes them).
DL_HANDLERS: dict[str, Callable[[SecurityModeControl, NasMessage, float], None]] = {
    "security_mode_command": SecurityModeControl._on_security_mode_command,
}

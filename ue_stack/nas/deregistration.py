"""Deregistration (TS 24.501 5.5.2): UE-initiated (5.5.2.2, with T3521) and
network-initiated (5.5.2.3), and the collision of the two (5.5.2.2.6)."""

from __future__ import annotations

from collections.abc import Callable

from .core import MmCore, nas_input
from .messages import NasMessage, nas
from .registration import REJECT_USIM_INVALID
from .states import MmState

S = MmState
MAX_T3521_EXPIRIES = 5  # the fifth expiry aborts the deregistration (5.5.2.2.6)


class Deregistration(MmCore):
    """DEREGISTRATION REQUEST/ACCEPT in both directions."""

    @nas_input
    def deregister(self, now: float, switch_off: bool = False) -> None:
        """UE-initiated deregistration (5.5.2.2.1). With switch-off no ACCEPT is awaited:
        straight to DEREGISTERED (the caller then powers off); else T3521."""
        self._fire(
            "switch_off_deregistration" if switch_off else "deregistration_started",
            remote=False,
        )
        self.timers.stop("T3511", "T3502")
        self._send(nas("deregistration_request", switch_off=switch_off))
        if not switch_off:
            self._t3521_expiries = 0
            self._start("T3521", now)

    def _on_deregistration_accept(self, message: NasMessage, now: float) -> None:
        """DEREGISTRATION ACCEPT (5.5.2.2.2): stop T3521, 5GMM-DEREGISTERED."""
        self._fire("deregistration_accepted", remote=True)
        self.timers.stop("T3521")
        self._suspended.discard("T3521")

    def _on_t3521(self, now: float) -> None:
        # First four expiries: retransmit; the fifth aborts the procedure (5.5.2.2.6).
        if self.state is not S.DEREGISTERED_INITIATED:
            return
        self._t3521_expiries += 1
        if self._t3521_expiries < MAX_T3521_EXPIRIES:
            self._send(nas("deregistration_request", switch_off=False))
            self._start("T3521", now)
        else:
            self._fire("deregistration_aborted", remote=False)

    def _on_deregistration_request(self, message: NasMessage, now: float) -> None:
        """Network-initiated deregistration (5.5.2.3.2): DEREGISTRATION ACCEPT,
        5GMM-DEREGISTERED; a collision with the UE's own deregistration is resolved in
        favour of the network's (5.5.2.2.6). With "re-registration not required" and
        cause #3/#6/#7 the USIM is invalid for 5GS services until switch-off or removal:
        5G-GUTI and ngKSI deleted, 5U3, 5GMM-DEREGISTERED.NO-SUPI (5.5.2.3.2); a deferred
        AKMA request then sees the invalid USIM. Re-registration itself is left to the
        caller (FORMATS v1 drives registration from the trace)."""
        cause = message.get("cause")
        invalid = (
            not message.get("re_registration_required", False) and cause in REJECT_USIM_INVALID
        )
        self._fire(
            "network_deregistration_no_supi" if invalid else "network_deregistration",
            remote=True,
        )
        self.timers.stop("T3510", "T3511", "T3502", "T3521")
        self._suspended.clear()
        self._send(nas("deregistration_accept"))
        if invalid:
            self._forget_registration(f"DEREGISTRATION REQUEST #{cause}", usim_invalid=True)


# The downlink messages and timers this procedure handles (mm.Nas routes them).
DL_HANDLERS: dict[str, Callable[[Deregistration, NasMessage, float], None]] = {
    "deregistration_request": Deregistration._on_deregistration_request,
    "deregistration_accept": Deregistration._on_deregistration_accept,
}
TIMER_HANDLERS: dict[str, Callable[[Deregistration, float], None]] = {
    "T3521": Deregistration._on_t3521,
}

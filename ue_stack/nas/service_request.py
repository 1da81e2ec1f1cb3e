"""Service request, UE side (TS 24.501 5.6.1). Only T3517 is kept for now: it is one of
the retransmission timers AUTHENTICATION FAILURE suspends (5.4.1.3.7)."""

from __future__ import annotations

from collections.abc import Callable

from .core import MmCore


class ServiceRequest(MmCore):
    """SERVICE REQUEST and T3517."""

    def _on_t3517(self, now: float) -> None:
        self._note("service request abandoned")


# The timers this procedure handles (mm.Nas routes them).
TIMER_HANDLERS: dict[str, Callable[[ServiceRequest, float], None]] = {
    "T3517": ServiceRequest._on_t3517,
}

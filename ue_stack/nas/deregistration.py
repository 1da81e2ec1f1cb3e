"""Deregistration (TS 24.501 5.5.2): UE-initiated (5.5.2.2, with T3521) and
network-initiated (5.5.2.3), and the collision of the two (5.5.2.2.6)."""

from __future__ import annotations

from collections.abc import Callable

from .core import (
    ALL_IDENTITIES,
    PARTIAL_CONTEXT,
    TAIS,
    CauseRow,
    MmCore,
    nas_input,
    usim_invalid_row,
)
from .messages import NasMessage, nas
from .states import MmState, UpdateStatus

S = MmState
U = UpdateStatus
MAX_T3521_EXPIRIES = 5  # the fifth expiry aborts the deregistration (5.5.2.2.6)
_ALL = ALL_IDENTITIES
_TEXT = ("Rel-18 5.5.2.3.2 text not available to us; the row follows the same cause in "
         "5.5.1.3.5 (read) and docs/behaviour.md")

# Network DEREGISTRATION REQUEST with "re-registration not required" (TS 24.501 5.5.2.3.2),
# by 5GMM cause. No cause, a cause not listed, or ``needs`` missing: ``ABNORMAL`` below.
NETWORK_DEREGISTRATION: dict[int, CauseRow] = {
    3: usim_invalid_row("illegal UE", "5.5.2.3.2 #3"),
    6: usim_invalid_row("illegal ME", "5.5.2.3.2 #6"),
    7: usim_invalid_row("5GS services not allowed", "5.5.2.3.2 #7"),
    11: CauseRow("PLMN not allowed", S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, _ALL,
                 clause="5.5.2.3.2 #11", source=_TEXT),
    12: CauseRow("tracking area not allowed", S.DEREGISTERED_LIMITED_SERVICE,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.5.2.3.2 #12", source=_TEXT),
    13: CauseRow("roaming not allowed in this tracking area", S.DEREGISTERED_PLMN_SEARCH,
                 U.ROAMING_NOT_ALLOWED, TAIS, clause="5.5.2.3.2 #13", source=_TEXT),
    15: CauseRow("no suitable cells in tracking area", S.DEREGISTERED_LIMITED_SERVICE,
                 U.ROAMING_NOT_ALLOWED, TAIS, clause="5.5.2.3.2 #15", source=_TEXT),
    22: CauseRow("congestion", S.DEREGISTERED_ATTEMPTING_REGISTRATION, U.NOT_UPDATED,
                 timers=("T3346",), needs="t3346", clause="5.5.2.3.2 #22", source=_TEXT),
    27: CauseRow("N1 mode not allowed", S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED,
                 _ALL, clause="5.5.2.3.2 #27", source=_TEXT),
    62: CauseRow("no network slices available", S.DEREGISTERED_ATTEMPTING_REGISTRATION,
                 U.NOT_UPDATED, clause="5.5.2.3.2 #62", source=_TEXT),
    73: CauseRow("serving network not authorized", S.DEREGISTERED_PLMN_SEARCH,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.5.2.3.2 #73", source=_TEXT),
}
# "Re-registration not required" with no cause or one not listed (5.5.2.3.4): 5G-GUTI and
# ngKSI deleted, T3502 (docs/behaviour.md). The UE stays in NORMAL-SERVICE, where it was
# before the tables: whether the text moves it to ATTEMPTING-REGISTRATION we could not read.
ABNORMAL = CauseRow("no cause, or a cause not listed", S.DEREGISTERED_NORMAL_SERVICE,
                    U.NOT_UPDATED, _ALL, timers=("T3502",), reset_counter=False,
                    clause="5.5.2.3.4", source="Rel-18 5.5.2.3.4 text not available to us; "
                    "deletions and T3502 per docs/behaviour.md, the state is our choice")
# "Re-registration required" (5.5.2.3.2): the cause IE is ignored; DEREGISTRATION ACCEPT,
# then the UE starts an initial registration itself.
RE_REGISTRATION = CauseRow("re-registration required", S.DEREGISTERED_NORMAL_SERVICE, None,
                           frozenset({PARTIAL_CONTEXT}), reset_counter=True,
                           then_register=True, clause="5.5.2.3.2")

# 5.5.1.3.7 g: a DEREGISTRATION REQUEST with one of these causes during a mobility or
# periodic registration update is ignored (the update is progressed, the de-registration
# aborted: no DEREGISTRATION ACCEPT); with any other cause the update is aborted and the
# de-registration progressed (the rows above).
IGNORED_DURING_UPDATE = frozenset({11, 12, 13, 15, 36, 62, 74, 75, 78})

# 5.5.2.2.6 (38.523-1 9.1.6.1.1): after a switch-off DEREGISTRATION REQUEST the UE ignores
# whatever the network sends until the connection is released or the UE registers again —
# above all an AUTHENTICATION REQUEST, whose RES* would move the network's AKMA context to
# a KAUSF the UE never takes. ``mm.Nas.handle_n1`` applies it before any handler.
AFTER_SWITCH_OFF = "5.5.2.2.6"

# The trigger of the one transition table that goes to each state a row ends in.
DEREGISTRATION_TRIGGERS: dict[MmState, str] = {
    S.DEREGISTERED_NORMAL_SERVICE: "network_deregistration",
    S.DEREGISTERED_NO_SUPI: "network_deregistration_no_supi",
    S.DEREGISTERED_LIMITED_SERVICE: "network_deregistration_limited",
    S.DEREGISTERED_PLMN_SEARCH: "network_deregistration_plmn_search",
    S.DEREGISTERED_ATTEMPTING_REGISTRATION: "network_deregistration_attempting",
}


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
        self.timers.stop("T3511", "T3502", "T3512")
        self._send(nas("deregistration_request", switch_off=switch_off))
        self._switch_off_sent = switch_off
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
        """Network-initiated deregistration (5.5.2.3.2): DEREGISTRATION ACCEPT, then the
        row of ``NETWORK_DEREGISTRATION`` for the cause (``ABNORMAL`` without one,
        ``RE_REGISTRATION`` when re-registration is required). A collision with the UE's
        own (not switch-off) deregistration is resolved in favour of the network's; one
        with a mobility or periodic update follows 5.5.1.3.7 g (``IGNORED_DURING_UPDATE``).
        #3/#6/#7 make the USIM invalid first, so a deferred AKMA request sees it."""
        cause = message.get("cause")
        re_register = bool(message.get("re_registration_required", False))
        if (self.state is S.REGISTERED_INITIATED and self._registration_type != "initial"
                and not re_register and cause in IGNORED_DURING_UPDATE):
            self._fire("network_deregistration_ignored", remote=True)
            self._note("DEREGISTRATION REQUEST ignored: registration update in progress",
                       cause=cause, clause="5.5.1.3.7 g")
            return
        if re_register:
            row = RE_REGISTRATION
        else:
            row = NETWORK_DEREGISTRATION.get(cause, ABNORMAL) if cause is not None else ABNORMAL
            if row.needs is not None and not message.get(row.needs):
                row = ABNORMAL
        self.timers.stop("T3510", "T3511", "T3502", "T3521", "T3346", "T3512")
        self._suspended.clear()
        reason = f"DEREGISTRATION REQUEST #{cause}" if cause is not None else (
            "DEREGISTRATION REQUEST")
        self._apply_cause(row, DEREGISTRATION_TRIGGERS[row.state], reason, now,
                          message.get("t3346"), reply=nas("deregistration_accept"))
        if row.then_register:
            self._start_initial_registration(now)

# The downlink messages and timers this procedure handles (mm.Nas routes them).
DL_HANDLERS: dict[str, Callable[[Deregistration, NasMessage, float], None]] = {
    "deregistration_request": Deregistration._on_deregistration_request,
    "deregistration_accept": Deregistration._on_deregistration_accept,
}
TIMER_HANDLERS: dict[str, Callable[[Deregistration, float], None]] = {
    "T3521": Deregistration._on_t3521,
}

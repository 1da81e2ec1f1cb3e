"""Service request, UE side (TS 24.501 5.6.1): SERVICE REQUEST from 5GMM-IDLE in
5GMM-REGISTERED.NORMAL-SERVICE, T3517, SERVICE ACCEPT, SERVICE REJECT by the cause table
``SERVICE_REJECT`` (5.6.1.5), the abnormal cases (5.6.1.7)."""

from __future__ import annotations

from collections.abc import Callable

from .core import (
    ALL_IDENTITIES,
    PARTIAL_CONTEXT,
    CauseRow,
    MmCore,
    nas_input,
    required,
    usim_invalid_row,
)
from .messages import NasMessage, nas
from .states import MmState, UpdateStatus

S = MmState
U = UpdateStatus
_ALL = ALL_IDENTITIES
_TEXT = ("Rel-18 5.6.1.5 text not available to us; the row follows the same cause in "
         "5.5.1.3.5 (read)")

# SERVICE REJECT (TS 24.501 5.6.1.5), by 5GMM cause. A cause not listed, or a row whose
# ``needs`` field is missing, is the abnormal case of 5.6.1.7: back to
# 5GMM-REGISTERED.NORMAL-SERVICE, nothing deleted. #28 (restricted service area,
# NON-ALLOWED-SERVICE) and the causes that are abnormal over 3GPP access (#72, SNPN, ...)
# are not rows.
SERVICE_REJECT: dict[int, CauseRow] = {
    3: usim_invalid_row("illegal UE", "5.6.1.5 #3"),
    6: usim_invalid_row("illegal ME", "5.6.1.5 #6"),
    7: usim_invalid_row("5GS services not allowed", "5.6.1.5 #7"),
    9: CauseRow("UE identity cannot be derived by the network", S.DEREGISTERED_NORMAL_SERVICE,
                U.NOT_UPDATED, _ALL, reset_counter=False, then_register=True,
                clause="5.6.1.5 #9", source=_TEXT),
    10: CauseRow("implicitly de-registered", S.DEREGISTERED_NORMAL_SERVICE, None,
                 frozenset({PARTIAL_CONTEXT}), reset_counter=False, then_register=True,
                 clause="5.6.1.5 #10", source=_TEXT),
    11: CauseRow("PLMN not allowed", S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, _ALL,
                 clause="5.6.1.5 #11", source=_TEXT),
    12: CauseRow("tracking area not allowed", S.DEREGISTERED_LIMITED_SERVICE,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.6.1.5 #12", source=_TEXT),
    13: CauseRow("roaming not allowed in this tracking area", S.REGISTERED_PLMN_SEARCH,
                 U.ROAMING_NOT_ALLOWED, clause="5.6.1.5 #13", source=_TEXT),
    15: CauseRow("no suitable cells in tracking area", S.REGISTERED_LIMITED_SERVICE,
                 U.ROAMING_NOT_ALLOWED, clause="5.6.1.5 #15", source=_TEXT),
    22: CauseRow("congestion", S.REGISTERED_NORMAL_SERVICE, None, timers=("T3346",),
                 reset_counter=False, needs="t3346", clause="5.6.1.5 #22", source=_TEXT),
    27: CauseRow("N1 mode not allowed", S.REGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED,
                 clause="5.6.1.5 #27", source=_TEXT),
    73: CauseRow("serving network not authorized", S.DEREGISTERED_PLMN_SEARCH,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.6.1.5 #73", source=_TEXT),
}

# The trigger of the one transition table that goes to each state a row ends in.
SERVICE_REJECT_TRIGGERS: dict[MmState, str] = {
    S.DEREGISTERED_NO_SUPI: "service_rejected_no_supi",
    S.DEREGISTERED_NORMAL_SERVICE: "service_rejected_deregistered",
    S.DEREGISTERED_PLMN_SEARCH: "service_rejected_plmn_search",
    S.DEREGISTERED_LIMITED_SERVICE: "service_rejected_limited",
    S.REGISTERED_PLMN_SEARCH: "service_rejected_registered_plmn_search",
    S.REGISTERED_LIMITED_SERVICE: "service_rejected_registered_limited",
    S.REGISTERED_NORMAL_SERVICE: "service_rejected_congestion",
}


class ServiceRequest(MmCore):
    """SERVICE REQUEST/ACCEPT/REJECT and T3517."""

    @nas_input
    def service_request(self, now: float, service_type: str = "data") -> None:
        """Uplink data pending while idle (5.6.1.2 a): SERVICE REQUEST with the ngKSI of
        the current context, T3517; 5GMM-SERVICE-REQUEST-INITIATED. Leaving 5GMM-IDLE
        stops T3512 (10.2)."""
        self._fire("service_request_started", remote=False)
        self.timers.stop("T3512")
        self._send(nas("service_request", service_type=service_type,
                       ngksi=self.contexts.registration_ngksi()))
        self._start("T3517", now)

    def _on_service_accept(self, message: NasMessage, now: float) -> None:
        """SERVICE ACCEPT (5.6.1.4): stop T3517, RAND/RES* deleted (5.4.1.3.2),
        5GMM-REGISTERED.NORMAL-SERVICE."""
        self._fire("service_request_completed", remote=True)
        self.timers.stop("T3517")
        self._suspended.discard("T3517")
        self._forget_rand_res()

    def _on_service_reject(self, message: NasMessage, now: float) -> None:
        """SERVICE REJECT (5.6.1.5): the row of ``SERVICE_REJECT`` for the cause; any
        other cause is the abnormal case (5.6.1.7)."""
        cause = required(message, "cause")
        reason = f"SERVICE REJECT #{cause}"
        row = SERVICE_REJECT.get(cause)
        if row is None or (row.needs is not None and not message.get(row.needs)):
            self._service_request_aborted(reason, remote=True)
            self._forget_rand_res()
            return
        self.timers.stop("T3517", "T3346")
        self._suspended.discard("T3517")
        self._forget_rand_res()
        self._apply_cause(row, SERVICE_REJECT_TRIGGERS[row.state], reason, now,
                          message.get("t3346"))
        if row.then_register:
            self._start_initial_registration(now)

    def _service_request_aborted(self, reason: str, *, remote: bool) -> None:
        """Abnormal end (5.6.1.7): T3517 stopped, back to 5GMM-REGISTERED.NORMAL-SERVICE,
        nothing deleted."""
        self._fire("service_request_aborted", remote=remote)
        self.timers.stop("T3517")
        self._suspended.discard("T3517")
        self._note("service request abandoned", reason=reason, clause="5.6.1.7")

    def _on_t3517(self, now: float) -> None:
        if self.state is S.SERVICE_REQUEST_INITIATED:
            self._note("N1 signalling connection released locally", reason="T3517")
            self._service_request_aborted("T3517 expiry", remote=False)


# The downlink messages and timers this procedure handles (mm.Nas routes them).
DL_HANDLERS: dict[str, Callable[[ServiceRequest, NasMessage, float], None]] = {
    "service_accept": ServiceRequest._on_service_accept,
    "service_reject": ServiceRequest._on_service_reject,
}
TIMER_HANDLERS: dict[str, Callable[[ServiceRequest, float], None]] = {
    "T3517": ServiceRequest._on_t3517,
}

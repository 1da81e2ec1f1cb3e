"""Registration (TS 24.501 5.5.1): initial registration (5.5.1.2) and the mobility and
periodic registration update (5.5.1.3) — REGISTRATION REQUEST/ACCEPT/REJECT, the attempt
counter and T3510, T3511, T3502, T3519."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import LocalProtocolError
from .core import (
    ALL_IDENTITIES,
    LAST_VISITED_TAI,
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
MAX_REGISTRATION_ATTEMPTS = 5  # registration attempt counter limit (5.5.1.2.7)
# 5.5.1.2.7 d / 5.5.1.3.7 d: on these causes the UE "should set the registration attempt
# counter to 5" (semantically incorrect message, invalid mandatory information, message
# type non-existent, IE non-existent, protocol error unspecified).
COUNTER_TO_MAX_CAUSES = frozenset({95, 96, 97, 99, 111})
_ALL = ALL_IDENTITIES
_INVALID = "USIM invalid for 5GS until switch-off or removal"
_INITIAL_TEXT = ("Rel-18 5.5.1.2.5 text not available to us; the row follows the same "
                 "cause in 5.5.1.3.5 (read) and Rel-16/17 5.5.1.2.5")

# REGISTRATION REJECT during an initial registration (TS 24.501 5.5.1.2.5). A cause not
# listed, and a row whose ``needs`` field is missing, is the abnormal case of 5.5.1.2.7
# (attempt counter, T3511/T3502). Over 3GPP access #31, #36, #72, #74, #75, #77-#82 are
# abnormal cases by the clause's own words (no CIoT/S1, IAB, SNPN, satellite, UAS,
# disaster roaming or N3IWF/TNGF in this model), so they are not rows.
INITIAL_REJECT: dict[int, CauseRow] = {
    3: usim_invalid_row("illegal UE", "5.5.1.2.5 #3"),
    6: usim_invalid_row("illegal ME", "5.5.1.2.5 #6"),
    7: usim_invalid_row("5GS services not allowed", "5.5.1.2.5 #7"),
    11: CauseRow("PLMN not allowed", S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, _ALL,
                 clause="5.5.1.2.5 #11", source=_INITIAL_TEXT),
    12: CauseRow("tracking area not allowed", S.DEREGISTERED_LIMITED_SERVICE,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.5.1.2.5 #12", source=_INITIAL_TEXT),
    13: CauseRow("roaming not allowed in this tracking area", S.DEREGISTERED_LIMITED_SERVICE,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.5.1.2.5 #13", source=_INITIAL_TEXT),
    15: CauseRow("no suitable cells in tracking area", S.DEREGISTERED_LIMITED_SERVICE,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.5.1.2.5 #15", source=_INITIAL_TEXT),
    22: CauseRow("congestion", S.DEREGISTERED_ATTEMPTING_REGISTRATION, U.NOT_UPDATED,
                 timers=("T3346",), needs="t3346", clause="5.5.1.2.5 #22",
                 source=_INITIAL_TEXT),
    27: CauseRow("N1 mode not allowed", S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED,
                 _ALL, clause="5.5.1.2.5 #27", source=_INITIAL_TEXT),
    62: CauseRow("no network slices available", S.DEREGISTERED_ATTEMPTING_REGISTRATION,
                 U.NOT_UPDATED, clause="5.5.1.2.5 #62", source=_INITIAL_TEXT),
    73: CauseRow("serving network not authorized", S.DEREGISTERED_PLMN_SEARCH,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.5.1.2.5 #73", source=_INITIAL_TEXT),
    76: CauseRow("not authorized for this CAG or authorized for CAG cells only",
                 S.DEREGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED,
                 clause="5.5.1.2.5 #76",
                 source=_INITIAL_TEXT + "; CAG lists are not modelled, LIMITED-SERVICE is "
                 "our choice; an unprotected #76 is never processed (4.4.4.2)"),
}

# REGISTRATION REJECT during a mobility or periodic registration update (TS 24.501
# 5.5.1.3.5, Rel-18 text read). Not listed, or ``needs`` missing: 5.5.1.3.7.
UPDATE_REJECT: dict[int, CauseRow] = {
    3: usim_invalid_row("illegal UE", "5.5.1.3.5 #3"),
    6: usim_invalid_row("illegal ME", "5.5.1.3.5 #6"),
    7: usim_invalid_row("5GS services not allowed", "5.5.1.3.5 #7"),
    9: CauseRow("UE identity cannot be derived by the network", S.DEREGISTERED_NORMAL_SERVICE,
                U.NOT_UPDATED, _ALL, reset_counter=False, then_register=True,
                clause="5.5.1.3.5 #9"),
    10: CauseRow("implicitly de-registered", S.DEREGISTERED_NORMAL_SERVICE, None,
                 frozenset({PARTIAL_CONTEXT}), reset_counter=False, then_register=True,
                 clause="5.5.1.3.5 #10"),
    11: CauseRow("PLMN not allowed", S.DEREGISTERED_PLMN_SEARCH, U.ROAMING_NOT_ALLOWED, _ALL,
                 clause="5.5.1.3.5 #11"),
    # single access only: "not registering ... over both accesses" also deletes GUTI, ngKSI
    12: CauseRow("tracking area not allowed", S.DEREGISTERED_LIMITED_SERVICE,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.5.1.3.5 #12"),
    13: CauseRow("roaming not allowed in this tracking area", S.REGISTERED_PLMN_SEARCH,
                 U.ROAMING_NOT_ALLOWED, clause="5.5.1.3.5 #13"),
    15: CauseRow("no suitable cells in tracking area", S.REGISTERED_LIMITED_SERVICE,
                 U.ROAMING_NOT_ALLOWED, frozenset({LAST_VISITED_TAI}),
                 clause="5.5.1.3.5 #15"),
    22: CauseRow("congestion", S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE, U.NOT_UPDATED,
                 timers=("T3346",), needs="t3346", clause="5.5.1.3.5 #22"),
    27: CauseRow("N1 mode not allowed", S.REGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED,
                 clause="5.5.1.3.5 #27"),
    62: CauseRow("no network slices available", S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE,
                 U.NOT_UPDATED, clause="5.5.1.3.5 #62"),
    73: CauseRow("serving network not authorized", S.DEREGISTERED_PLMN_SEARCH,
                 U.ROAMING_NOT_ALLOWED, _ALL, clause="5.5.1.3.5 #73"),
    76: CauseRow("not authorized for this CAG or authorized for CAG cells only",
                 S.REGISTERED_LIMITED_SERVICE, U.ROAMING_NOT_ALLOWED, clause="5.5.1.3.5 #76",
                 source="Rel-18 text read up to the CAG lists, which are not modelled; "
                 "LIMITED-SERVICE is our choice; an unprotected #76 is never processed "
                 "(4.4.4.2)"),
}

# The trigger of the one transition table (states.TRANSITIONS) that takes
# 5GMM-REGISTERED-INITIATED to each state a REGISTRATION REJECT row ends in.
REJECT_TRIGGERS: dict[MmState, str] = {
    S.DEREGISTERED_NO_SUPI: "registration_rejected_no_supi",
    S.DEREGISTERED_LIMITED_SERVICE: "registration_rejected_limited",
    S.DEREGISTERED_PLMN_SEARCH: "registration_rejected_plmn_search",
    S.DEREGISTERED_ATTEMPTING_REGISTRATION: "registration_rejected_attempting",
    S.DEREGISTERED_NORMAL_SERVICE: "registration_rejected_normal",
    S.REGISTERED_LIMITED_SERVICE: "update_rejected_in_this_area",
    S.REGISTERED_PLMN_SEARCH: "update_rejected_plmn_search",
    S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE: "update_rejected_attempting",
}


class Registration(MmCore):
    """REGISTRATION REQUEST/ACCEPT/REJECT and the abnormal cases of 5.5.1.2.7/5.5.1.3.7."""

    @nas_input
    def register(self, now: float, registration_type: str = "initial") -> None:
        """Start a registration: initial from DEREGISTERED (5.5.1.2.2), mobility or
        periodic update from REGISTERED (5.5.1.3.2)."""
        if registration_type == "initial":
            self._fire("initial_registration_started", remote=False)
        elif registration_type in ("mobility", "periodic"):
            self._fire("registration_update_started", remote=False)
        else:
            raise LocalProtocolError(f"unknown registration type {registration_type!r}")
        self.timers.stop("T3511", "T3502", "T3512")  # T3512 stops leaving 5GMM-IDLE (10.2)
        self._switch_off_sent = False
        self._registration_type = registration_type
        # SUCI (null scheme) when no valid 5G-GUTI is stored; ngKSI "111" with no key.
        self.registration_identity = "5g-guti" if self.guti is not None else "suci"
        # A concealed SUCI is in the message (it changes per concealment); the null-scheme
        # one is left to the codec, which builds it from the SUPI (capture/writer.py).
        concealed = {"identity": self._suci()} if (
            self.guti is None and self.config.suci is not None) else {}
        self._send(
            nas(
                "registration_request",
                registration_type=registration_type,
                ngksi=self.contexts.registration_ngksi(),
                **concealed,
            )
        )
        self._start("T3510", now)
        if self.guti is None:
            self._start("T3519", now)

    def _on_registration_accept(self, message: NasMessage, now: float) -> None:
        """REGISTRATION ACCEPT (5.5.1.2.4, 5.5.1.3.4): REGISTERED, 5U1, counter reset;
        REGISTRATION COMPLETE when a 5G-GUTI was assigned."""
        guti = message.get("guti")
        self._fire("registration_accepted", remote=True)
        if message.get("t3512") is not None:
            self._t3512_value = float(message["t3512"])  # started at release (10.2)
        self.timers.stop("T3510", "T3511", "T3502", "T3519")
        self._suspended.discard("T3510")
        self._forget_rand_res()
        self.attempt_counter = 0
        self.update_status = UpdateStatus.UPDATED
        if guti is not None:
            self.guti = bytes(guti)
            self._send(nas("registration_complete"))

    def _on_registration_reject(self, message: NasMessage, now: float) -> None:
        """REGISTRATION REJECT (5.5.1.2.5, 5.5.1.3.5): the row of ``INITIAL_REJECT`` or
        ``UPDATE_REJECT`` for the cause; any other cause is the abnormal case with the
        attempt counter (5.5.1.2.7 / 5.5.1.3.7 d)."""
        cause = required(message, "cause")
        initial = self._registration_type == "initial"
        row = (INITIAL_REJECT if initial else UPDATE_REJECT).get(cause)
        reason = f"REGISTRATION REJECT #{cause}"
        if row is None or (row.needs is not None and not message.get(row.needs)):
            if cause in COUNTER_TO_MAX_CAUSES:
                self.attempt_counter = MAX_REGISTRATION_ATTEMPTS
            self._registration_failed(now, reason, remote=True)
            return
        self.timers.stop("T3510", "T3511", "T3502", "T3519", "T3346")
        self._suspended.discard("T3510")
        self._forget_rand_res()  # RAND/RES* go at REGISTRATION REJECT (5.4.1.3.2)
        self._apply_cause(row, REJECT_TRIGGERS[row.state], reason, now, message.get("t3346"))
        if row.then_register:
            self.register(now, "initial")

    def _start_initial_registration(self, now: float) -> None:
        self.register(now, "initial")

    def _registration_failed(self, now: float, reason: str, *, remote: bool) -> None:
        """Abnormal end of a registration (5.5.1.2.7 initial, 5.5.1.3.7 update): attempt
        counter + 1; below 5 retry on T3511, at 5 wait for T3502 (and, for an initial
        registration, delete the 5G-GUTI and ngKSI)."""
        initial = self._registration_type == "initial"
        if self.attempt_counter < MAX_REGISTRATION_ATTEMPTS:
            self.attempt_counter += 1
        below_max = self.attempt_counter < MAX_REGISTRATION_ATTEMPTS
        # 5.5.1.3.7: below 5, a UE still in a TA of its list (a periodic update; a mobility
        # update means the TA is not in the list) with 5U1 keeps 5U1 and NORMAL-SERVICE
        in_list = (below_max and self._registration_type == "periodic"
                   and self.update_status is UpdateStatus.UPDATED)
        if initial:
            trigger = "initial_registration_failed"
        else:
            trigger = "registration_update_failed_in_list" if in_list else (
                "registration_update_failed")
        self._fire(trigger, remote=remote)
        self.timers.stop("T3510")
        self._suspended.discard("T3510")
        if below_max:
            self._start("T3511", now)
            if not initial and not in_list:
                self.update_status = UpdateStatus.NOT_UPDATED
        else:
            self._start("T3502", now)
            self.update_status = UpdateStatus.NOT_UPDATED
            if initial:
                self.guti = None
                self.contexts.clear()
        self._note("registration attempt failed", reason=reason, attempt=self.attempt_counter)

    def _retry_registration(self, now: float) -> None:
        """T3511 / T3502 expiry: start the registration again (5.5.1.2.7, 5.5.1.3.7)."""
        if self.state is S.DEREGISTERED_ATTEMPTING_REGISTRATION:
            self.register(now, "initial")
        elif self.state is S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE:
            self.register(now, self._registration_type)
        elif self.state is S.REGISTERED_NORMAL_SERVICE and self._registration_type == "periodic":
            self.register(now, "periodic")  # a failed periodic update kept 5U1 (5.5.1.3.7)
        else:
            self._note("no registration to retry", state=self.state.value)

    def _on_t3510(self, now: float) -> None:
        # T3510 expiry: abort the registration, release locally (5.5.1.2.7)
        if self.state is S.REGISTERED_INITIATED:
            self._note("N1 signalling connection released locally", reason="T3510")
            self._registration_failed(now, "T3510 expiry", remote=False)

    def _on_t3511(self, now: float) -> None:
        self._retry_registration(now)

    def _on_t3502(self, now: float) -> None:
        self.attempt_counter = 0  # reset when T3502 expires (5.5.1.2.7)
        self._retry_registration(now)

    def _on_t3512(self, now: float) -> None:
        """T3512 expiry in 5GMM-IDLE (5.3.7): a periodic registration update from
        NORMAL-SERVICE; in another REGISTERED substate it waits for that one to end."""
        if self.state is S.REGISTERED_NORMAL_SERVICE:
            self.register(now, "periodic")
        else:
            self._note("periodic registration update pending", state=self.state.value,
                       clause="5.3.7")

    def _on_t3346(self, now: float) -> None:
        # The registration "is started, if still necessary, when T3346 expires" (5.5.1.2.5,
        # 5.5.1.3.5 #22)
        self._retry_registration(now)

    def _on_t3519(self, now: float) -> None:
        self._note("stored SUCI deleted")


# The downlink messages and timers this procedure handles (mm.Nas routes them).
DL_HANDLERS: dict[str, Callable[[Registration, NasMessage, float], None]] = {
    "registration_accept": Registration._on_registration_accept,
    "registration_reject": Registration._on_registration_reject,
}
TIMER_HANDLERS: dict[str, Callable[[Registration, float], None]] = {
    "T3502": Registration._on_t3502,
    "T3510": Registration._on_t3510,
    "T3511": Registration._on_t3511,
    "T3346": Registration._on_t3346,
    "T3512": Registration._on_t3512,
    "T3519": Registration._on_t3519,
}

"""Registration (TS 24.501 5.5.1): initial registration (5.5.1.2) and the mobility and
periodic registration update (5.5.1.3) — REGISTRATION REQUEST/ACCEPT/REJECT, the attempt
counter and T3510, T3511, T3502, T3519."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import LocalProtocolError
from .core import MmCore, nas_input, required
from .messages import NasMessage, nas
from .states import MmState, UpdateStatus

S = MmState
MAX_REGISTRATION_ATTEMPTS = 5  # registration attempt counter limit (5.5.1.2.7)
# Registration reject causes handled by 5.5.1.2.5 / 5.5.1.3.5; any other cause is the
# abnormal case of 5.5.1.2.7 / 5.5.1.3.7 (attempt counter).
REJECT_USIM_INVALID = frozenset({3, 6, 7})  # illegal UE/ME, 5GS services not allowed
REJECT_LIMITED_SERVICE = frozenset({11, 12, 13, 15, 27, 62, 72})  # PLMN/TA/N1 not allowed
REJECT_IN_AREA = frozenset({12, 13, 15})  # tracking-area restrictions


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
        self.timers.stop("T3511", "T3502")
        self._registration_type = registration_type
        # SUCI (null scheme) when no valid 5G-GUTI is stored; ngKSI "111" with no key.
        self.registration_identity = "5g-guti" if self.guti is not None else "suci"
        self._send(
            nas(
                "registration_request",
                registration_type=registration_type,
                ngksi=self.contexts.registration_ngksi(),
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
        self.timers.stop("T3510", "T3511", "T3502", "T3519")
        self._suspended.discard("T3510")
        self._forget_rand_res()
        self.attempt_counter = 0
        self.update_status = UpdateStatus.UPDATED
        if guti is not None:
            self.guti = bytes(guti)
            self._send(nas("registration_complete"))

    def _on_registration_reject(self, message: NasMessage, now: float) -> None:
        """REGISTRATION REJECT (5.5.1.2.5, 5.5.1.3.5). #3/#6/#7: USIM invalid, NO-SUPI;
        PLMN/TA/N1-mode causes: 5U3, LIMITED-SERVICE (forbidden lists not modelled) —
        REGISTERED.LIMITED-SERVICE for an update rejected with #12/#13/#15; any
        other cause: the abnormal case with the attempt counter (5.5.1.2.7 / 5.5.1.3.7)."""
        cause = required(message, "cause")
        if cause not in REJECT_USIM_INVALID and cause not in REJECT_LIMITED_SERVICE:
            self._registration_failed(now, f"REGISTRATION REJECT #{cause}", remote=True)
            return
        invalid = cause in REJECT_USIM_INVALID
        if not invalid and self._registration_type != "initial" and cause in REJECT_IN_AREA:
            # Update rejected for this tracking area only: the UE stays registered with
            # limited service and keeps its 5G-GUTI and context (5.5.1.3.5 #12/#13/#15).
            self._fire("update_rejected_in_this_area", remote=True)
            self.timers.stop("T3510", "T3511", "T3502", "T3519")
            self._suspended.discard("T3510")
            self.update_status = UpdateStatus.ROAMING_NOT_ALLOWED
            self.attempt_counter = 0
            return
        self._fire(
            "registration_rejected_no_supi" if invalid else "registration_rejected_limited",
            remote=True,
        )
        self.timers.stop("T3510", "T3511", "T3502", "T3519")
        self._suspended.discard("T3510")
        self.attempt_counter = 0
        self._forget_registration(f"REGISTRATION REJECT #{cause}", usim_invalid=invalid)

    def _registration_failed(self, now: float, reason: str, *, remote: bool) -> None:
        """Abnormal end of a registration (5.5.1.2.7 initial, 5.5.1.3.7 update): attempt
        counter + 1; below 5 retry on T3511, at 5 wait for T3502 (and, for an initial
        registration, delete the 5G-GUTI and ngKSI)."""
        initial = self._registration_type == "initial"
        self._fire(
            "initial_registration_failed" if initial else "registration_update_failed",
            remote=remote,
        )
        self.timers.stop("T3510")
        self._suspended.discard("T3510")
        if self.attempt_counter < MAX_REGISTRATION_ATTEMPTS:
            self.attempt_counter += 1
        if self.attempt_counter < MAX_REGISTRATION_ATTEMPTS:
            self._start("T3511", now)
            if not initial:
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
    "T3519": Registration._on_t3519,
}

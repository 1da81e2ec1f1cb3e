"""The UE's 5GMM layer (TS 24.501) as a synchronous sans-I/O core.

Inputs are method calls that carry the model time ``now``; outputs are queued in
``outbox`` in causal order (``SendN1``, AKMA confirms/rejects, ``StateChanged``,
``KausfChanged``, ``UsimChanged``, ``Note``). No asyncio, no clock, no logging here.

The state machine is ``transitions.Machine`` over ``states.MmState`` with the one table
``states.TRANSITIONS``; ``Nas._fire`` is the only place that runs it and the only place
that turns ``MachineError`` into a protocol error: ``RemoteProtocolError`` (#98) for
network input — answered with 5GMM STATUS inside ``handle_n1``, which never raises for a
network message (docs/invariants.md) — and ``LocalProtocolError`` for an illegal local request.

Primary authentication: 5G AKA here (5.4.1.3); EAP-AKA' (5.4.1.2) in ``eap_aka_prime``,
which gets every AUTHENTICATION REQUEST/RESULT and SMC EAP-Success that carries EAP. Cells, TAIs,
forbidden lists, emergency registration and the service request procedure (no message in
FORMATS v1) are not modelled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from transitions import MachineError

from ..crypto.aka import k_amf, k_ausf, k_seaf, res_star
from ..crypto.akma import a_kid, a_tid, k_akma
from ..errors import LocalProtocolError, RemoteProtocolError
from ..events import KausfChanged, Note, Outbox, SendN1, StateChanged, UsimChanged
from ..machines import SharedMachine
from ..primitives import (
    KAUSF_UNAVAILABLE,
    PROCEDURE_ABORTED,
    USIM_INVALID,
    ObtainAkmaKeyConfirm,
    ObtainAkmaKeyReject,
    ObtainAkmaKeyRequest,
)
from ..timers import Timers
from . import eap_aka_prime
from .context import KausfStore, NasSecurityContext, SecurityContexts
from .messages import (
    CAUSE_MESSAGE_NOT_COMPATIBLE_WITH_STATE,
    CAUSE_NGKSI_ALREADY_IN_USE,
    CAUSE_SECURITY_MODE_REJECTED_UNSPECIFIED,
    CAUSE_UE_SECURITY_CAPABILITIES_MISMATCH,
    NGKSI_NO_KEY,
    NasMessage,
    nas,
)
from .states import (
    DEREGISTERED,
    ENDS_AKMA_DEFERRAL,
    INTERNAL_SOURCES,
    REGISTERED,
    TRANSITIONS,
    MmState,
    UpdateStatus,
)
from .usim import FRESHNESS_RULES, Usim, suci_null_scheme

S = MmState
LAYER = "5gmm"
_MACHINE = SharedMachine(MmState, TRANSITIONS, S.NULL)  # one table for every UE

# TS 24.501 table 10.2.1 (UE side), in seconds.
DEFAULT_TIMERS: dict[str, float] = {
    "T3502": 720.0,  # after 5 failed registration attempts, before trying again
    "T3510": 15.0,  # REGISTRATION REQUEST sent, awaiting ACCEPT/REJECT
    "T3511": 10.0,  # retry an abnormally ended registration
    "T3516": 30.0,  # RAND and RES* kept to answer a retransmitted challenge
    "T3517": 15.0,  # SERVICE REQUEST sent (not started: no service request in v1)
    "T3519": 60.0,  # SUCI sent; the stored SUCI is deleted at expiry
    "T3520": 15.0,  # AUTHENTICATION FAILURE sent, awaiting a new challenge
    "T3521": 15.0,  # DEREGISTRATION REQUEST sent, awaiting ACCEPT
}

CAUSE_INVALID_MANDATORY_INFORMATION = 96  # TS 24.501 9.11.3.2
MAX_REGISTRATION_ATTEMPTS = 5  # registration attempt counter limit (5.5.1.2.7)
MAX_AUTH_FAILURES = 3  # consecutive failed challenges before the network is deemed
# to have failed the check (5.4.1.3.7)
MAX_T3521_EXPIRIES = 5  # the fifth expiry aborts the deregistration (5.5.2.2.6)

# Retransmission timers stopped while T3520 runs, each restarted only if the procedure it
# guards is still ongoing (5.4.1.3.7).
RETRANSMISSION_TIMERS: dict[str, MmState | None] = {
    "T3510": S.REGISTERED_INITIATED,
    "T3517": S.SERVICE_REQUEST_INITIATED,
    "T3519": None,  # not tied to a state
    "T3521": S.DEREGISTERED_INITIATED,
}
# Registration reject causes handled by 5.5.1.2.5 / 5.5.1.3.5; any other cause is the
# abnormal case of 5.5.1.2.7 / 5.5.1.3.7 (attempt counter).
REJECT_USIM_INVALID = frozenset({3, 6, 7})  # illegal UE/ME, 5GS services not allowed
REJECT_LIMITED_SERVICE = frozenset({11, 12, 13, 15, 27, 62, 72})  # PLMN/TA/N1 not allowed
REJECT_IN_AREA = frozenset({12, 13, 15})  # tracking-area restrictions
NIA0 = 0  # 5G-IA0, the null integrity algorithm (TS 33.501 5.11.1.2; 24.501 9.11.3.34)
IDENTITY_SUCI, IDENTITY_GUTI = 1, 2  # 5GS identity type (9.11.3.3)
GUTI_IE_TYPE = 0xF2  # first octet of a 5G-GUTI mobile identity IE value (9.11.3.4)
NO_IDENTITY = b"\x00"


@dataclass
class NasConfig:
    """How one UE's NAS behaves. ``snn`` is the serving network name used for RES* and
    KAUSF; ``home_mcc``/``home_mnc`` give the A-KID realm and the SUCI's MNC length."""

    snn: str
    home_mcc: str
    home_mnc: str
    akma_defer: bool = True
    sec_cap: bytes | None = None
    timers: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TIMERS))
    freshness: str = "delta"

    def __post_init__(self) -> None:
        if self.freshness not in FRESHNESS_RULES:
            raise ValueError(f"freshness must be one of {FRESHNESS_RULES}")
        unknown = set(self.timers) - set(DEFAULT_TIMERS)
        if unknown:
            raise ValueError(f"unknown timers: {sorted(unknown)}")
        self.timers = {**DEFAULT_TIMERS, **self.timers}


def _input(method: Callable[..., None]) -> Callable[..., None]:
    """Every input of the core goes through here. When it is complete — every state,
    KAUSF and USIM change it makes applied — an AKMA deferral that one of its triggers
    ended (``states.ENDS_AKMA_DEFERRAL``) is answered: the deferred requests see the
    state the input left, never the state before it (docs/behaviour.md "Order within one
    input"; TS 24.501 4.21). Inputs that call inputs answer once, at the outermost."""

    @functools.wraps(method)
    def run(self: Nas, *args: Any, **kwargs: Any) -> None:
        self._input_depth += 1
        try:
            method(self, *args, **kwargs)
        finally:
            self._input_depth -= 1
        if self._input_depth == 0 and self._deferral_ended:
            self._end_akma_deferral()

    return run


def _required(message: NasMessage, name: str, length: int | None = None) -> Any:
    """A mandatory IE, else #96 "invalid mandatory information" (TS 24.501 7.5)."""
    value = message.fields.get(name)
    if value is None or (length is not None and len(value) != length):
        raise RemoteProtocolError(
            f"{message.msg}: missing or malformed {name}", CAUSE_INVALID_MANDATORY_INFORMATION
        )
    return value


class Nas:
    """The 5GMM core of one UE."""

    def __init__(self, config: NasConfig, usim: Usim | None = None) -> None:
        self.config = config
        self.outbox = Outbox()
        self.timers = Timers()
        self.contexts = SecurityContexts()
        self.usim = usim
        self.kausf = KausfStore(usim)
        if usim is not None:
            usim.freshness = config.freshness
            # A native context kept with this subscriber before the run (Annex C.1 d)
            self.contexts.restore(usim.stored_ngksi)
        self.update_status = UpdateStatus.NOT_UPDATED
        self.guti: bytes | None = None
        self.attempt_counter = 0
        self.registration_identity: str | None = None  # "suci" | "5g-guti", last sent
        self._registration_type = "initial"
        self._auth_failures = 0
        self._suspended: set[str] = set()
        self._rand: bytes | None = None
        self._res_star: bytes | None = None
        self._t3521_expiries = 0
        self._deferring = False
        self._deferred: list[ObtainAkmaKeyRequest] = []
        self._deferral_ended = False  # set by _fire, acted on by _input
        self._input_depth = 0
        self._announced_kausf_fp: str | None = None
        self.eap = eap_aka_prime.EapPeer()
        self._machine_state = _MACHINE.initial  # a model of the shared table

    # -- state ---------------------------------------------------------------------

    @property
    def state(self) -> MmState:
        return self._machine_state

    @property
    def deferred_requests(self) -> int:
        return len(self._deferred)

    def _fire(self, trigger: str, *, remote: bool) -> None:
        """Run one trigger of the transition table; the one place that translates
        ``MachineError`` (illegal in this state) into a protocol error, and the one place
        that notes a trigger ending an AKMA deferral (answered by ``_input``)."""
        before = self._machine_state
        ends_deferral = self._deferring and trigger in ENDS_AKMA_DEFERRAL
        if before in INTERNAL_SOURCES.get(trigger, ()):
            self._deferral_ended |= ends_deferral
            return  # legal and moves nothing: skip the Machine on the hot path
        try:
            _MACHINE.fire(self, trigger)
        except MachineError as exc:
            text = f"{trigger} is not allowed in {before.value}"
            if remote:
                raise RemoteProtocolError(text, CAUSE_MESSAGE_NOT_COMPATIBLE_WITH_STATE) from exc
            raise LocalProtocolError(text) from exc
        self._deferral_ended |= ends_deferral
        after = self._machine_state
        if after is not before:
            self.outbox.put(StateChanged(LAYER, before.value, after.value))
            if after is S.NULL or after in DEREGISTERED:
                # Stored RAND/RES* do not outlive entering DEREGISTERED or NULL (5.4.1.3.2)
                self._forget_rand_res()

    def _send(self, message: NasMessage) -> None:
        self.outbox.put(SendN1(message))

    def _note(self, text: str, **fields: Any) -> None:
        self.outbox.put(Note(LAYER, text, fields))

    # -- timers --------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        return self.timers.next_deadline()

    @_input
    def handle_timer(self, now: float) -> None:
        """Fire every timer due at ``now``, earliest first."""
        for name in self.timers.expired(now):
            self._note(f"{name} expired")
            self._TIMER_HANDLERS[name](self, now)

    def _start(self, name: str, now: float) -> None:
        self.timers.start(name, now, self.config.timers[name])

    # -- switch on/off and the USIM (TS 24.501 5.2.2, 5.5.2.2.1; TS 33.501 6.2.2.2) ----

    @_input
    def power_on(self, now: float) -> None:
        """Switch on (TS 24.501 5.2.2.1): PLMN search with a USIM, else NO-SUPI. Cells are
        not modelled, so a suitable cell is found at once. Registration is not started."""
        if self.usim is None:
            self._fire("switch_on_without_usim", remote=False)
        else:
            self._fire("switch_on", remote=False)
        self.attempt_counter = 0  # reset at power-on (5.5.1.2.7)
        self._reconcile_kausf()
        if self.usim is not None:
            self._fire("cell_selected", remote=False)

    @_input
    def power_off(self, now: float) -> None:
        """Switch off without signalling. The valid KAUSF stays in the USIM's store and
        the current context is kept; the pending KAUSF and partial context are volatile
        (TS 33.501 6.2.2.2). Deferred AKMA requests are answered from that KAUSF."""
        self._fire("switch_off", remote=False)
        self.timers.clear()
        self._suspended.clear()
        self._auth_failures = 0
        self._drop_partial("switch-off")
        if self.usim is not None and not self.usim.valid:
            # The USIM is invalid only "until switching off" (5.4.1.3.5).
            self.usim.valid = True
            self.outbox.put(UsimChanged("valid"))

    @_input
    def usim_removed(self, now: float) -> None:
        """The USIM leaves the UE. Powered on: a registered UE first sends DEREGISTRATION
        REQUEST with switch-off (TS 24.501 5.5.2.2.1); the KAUSF and the NAS contexts are
        deleted (TS 33.501 6.2.2.2); 5GMM-DEREGISTERED.NO-SUPI. Switched off: nothing is
        signalled, but that subscriber's NAS contexts and 5G-GUTI go all the same (a card
        put back is a new USIM: docs/trace-format.md `usim_inserted`), and the KAUSF goes with
        it."""
        usim = self.usim
        if usim is None:
            raise LocalProtocolError("usim_removed: no USIM is inserted")
        if self.state is not S.NULL:
            if self.state in REGISTERED or self.state is S.SERVICE_REQUEST_INITIATED:
                self._send(nas("deregistration_request", switch_off=True))
            self._fire("usim_removed", remote=False)
        self.timers.clear()
        self._suspended.clear()
        self._auth_failures = 0
        self._drop_partial("USIM removed")
        self.contexts.clear()
        self.guti = None
        deleted = self.kausf.delete_valid()
        if deleted is not None:
            self.outbox.put(KausfChanged("deleted", deleted))
        self._announced_kausf_fp = None
        self._detach_usim()

    @_input
    def usim_inserted(self, usim: Usim, now: float) -> None:
        """A USIM is inserted; any USIM present is removed first. Powered on, the new
        subscriber is read: PLMN search, then DEREGISTERED.NORMAL-SERVICE (5.2.2.2)."""
        if self.usim is not None:
            self.usim_removed(now)
        usim.freshness = self.config.freshness
        self.usim = usim
        self.kausf.usim = usim
        # The new subscriber's stored native context, if any (Annex C.1 d); the removal
        # above deleted the old one's.
        self.contexts.restore(usim.stored_ngksi)
        self.update_status = UpdateStatus.NOT_UPDATED
        self.outbox.put(UsimChanged("inserted"))
        if self.state is S.NULL:
            return
        self._fire("usim_inserted", remote=False)
        self.attempt_counter = 0  # reset when a USIM is inserted (5.5.1.2.7)
        self._reconcile_kausf()
        self._fire("cell_selected", remote=False)

    def _detach_usim(self) -> None:
        self.usim = None
        self.kausf.usim = None
        self.outbox.put(UsimChanged("removed"))

    def _reconcile_kausf(self) -> None:
        """At power-up (or when a USIM is read): a KAUSF announced earlier that the USIM
        no longer holds is deleted (different or no USIM, TS 33.501 6.2.2.2); the USIM's
        stored KAUSF is (re-)announced valid — a re-announce is not a new KAUSF."""
        current = self.kausf.valid_fp
        announced = self._announced_kausf_fp
        if announced is not None and announced != current:
            self.outbox.put(KausfChanged("deleted", announced))
        if current is not None:
            self.outbox.put(KausfChanged("valid", current))
        self._announced_kausf_fp = current

    # -- registration (TS 24.501 5.5.1) ----------------------------------------------

    @_input
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
        cause = _required(message, "cause")
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

    def _forget_registration(self, reason: str, *, usim_invalid: bool) -> None:
        """What a reject leaves of the registration (5.4.1.3.5, 5.5.1.2.5, 5.5.1.3.5,
        5.5.2.3.2): the 5G-GUTI and the ngKSI — with the contexts it names, and the
        partial one with its pending KAUSF — are deleted (TAI lists not modelled); 5U3;
        with ``usim_invalid`` the USIM is invalid for 5GS services until switch-off or
        removal. The valid KAUSF is kept (TS 33.501 6.2.2.2)."""
        self.update_status = UpdateStatus.ROAMING_NOT_ALLOWED
        self.guti = None
        self.contexts.clear()
        self._drop_partial(reason)
        if usim_invalid:
            self._invalidate_usim()

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

    def _on_t3517(self, now: float) -> None:
        self._note("service request abandoned")

    # -- 5G AKA, UE side (TS 24.501 5.4.1.3; TS 33.501 6.1.3.2) ----------------------

    def _on_authentication_request(self, message: NasMessage, now: float) -> None:
        """AUTHENTICATION REQUEST, in the order of docs/behaviour.md: retransmitted RAND while
        T3516 runs -> the stored RES* (5.4.1.3.7); ngKSI already in use -> #71 before
        the USIM sees RAND (5.4.1.3.7); USIM MAC (#20) and SQN (#21 + AUTS), ME
        separation bit (#26) (5.4.1.3.6); else RES*, pending KAUSF, partial context.
        One carrying an EAP message is EAP-AKA' (5.4.1.2): ``eap_aka_prime``."""
        ngksi = _required(message, "ngksi")
        if ngksi == NGKSI_NO_KEY:
            raise RemoteProtocolError(
                "authentication_request: ngKSI 111", CAUSE_INVALID_MANDATORY_INFORMATION
            )
        if eap_aka_prime.carries_eap(message):
            self._fire("authentication_request", remote=True)
            eap_aka_prime.on_authentication_request(self, message, ngksi, now)
            return
        rand = _required(message, "rand", 16)
        autn = _required(message, "autn", 16)
        self._fire("authentication_request", remote=True)
        usim = self.usim
        assert usim is not None  # WITH_N1 excludes NO-SUPI, the only state without one

        if rand == self._rand and self.timers.running("T3516"):
            # A retransmission is a valid AUTHENTICATION REQUEST (5.4.1.3.7).
            self._valid_challenge_received(now)
            partial = self.contexts.partial
            if partial is not None:
                partial.ngksi = ngksi
            self._send(nas("authentication_response", res_star=self._res_star))
            self._open_akma_deferral()
            return

        if self.contexts.ngksi_in_use(ngksi):
            self._authentication_failed(now, CAUSE_NGKSI_ALREADY_IN_USE, None)
            return

        check = usim.authenticate(rand, autn)
        if check.cause is not None:
            self._authentication_failed(now, check.cause, check.auts)
            return

        self._valid_challenge_received(now)
        snn = self.config.snn
        kausf = k_ausf(check.ck, check.ik, snn, autn[:6])
        abba = message.get("abba") or b"\x00\x00"
        kamf = k_amf(k_seaf(kausf, snn), usim.supi, abba)
        self.contexts.partial = NasSecurityContext(ngksi, kamf, bytes(abba))
        self.outbox.put(KausfChanged("pending", self.kausf.set_pending(kausf)))
        self._rand = bytes(rand)
        self._res_star = res_star(check.ck, check.ik, snn, rand, check.res)
        self._send(nas("authentication_response", res_star=self._res_star))
        self._start("T3516", now)
        self._open_akma_deferral()

    def _authentication_failed(self, now: float, cause: int, auts: bytes | None) -> None:
        """AUTHENTICATION FAILURE (5.4.1.3.6): stop the running retransmission timers,
        start T3520; the third consecutive #20/#21/#26 means the network failed the check
        (5.4.1.3.7). #71 does not count: the network answers it with the same challenge
        under a new ngKSI (5.4.1.3.7)."""
        self._send(nas("authentication_failure", cause=cause, auts=auts))
        for name in RETRANSMISSION_TIMERS:
            if self.timers.running(name):
                self._suspended.add(name)
                self.timers.stop(name)
        self._start("T3520", now)
        if cause != CAUSE_NGKSI_ALREADY_IN_USE:
            self._auth_failures += 1
            if self._auth_failures >= MAX_AUTH_FAILURES:
                self._network_failed_check(now, f"{MAX_AUTH_FAILURES} consecutive failures")

    def _valid_challenge_received(self, now: float) -> None:
        """A valid challenge stops T3520 and restarts the timers it suspended (5.4.1.3.7)."""
        self.timers.stop("T3520")
        self._auth_failures = 0
        self._restart_suspended(now)

    def _restart_suspended(self, now: float) -> None:
        state = self.state
        for name in sorted(self._suspended):
            guarded = RETRANSMISSION_TIMERS[name]
            if guarded is None or guarded is state:
                self._start(name, now)
        self._suspended.clear()

    def _network_failed_check(self, now: float, reason: str) -> None:
        """The network failed the authentication check (5.4.1.3.7): release the N1
        connection locally, treat the cell as barred, restart the suspended timers."""
        self.timers.stop("T3520")
        self._auth_failures = 0
        self._note("network failed the authentication check", reason=reason)
        self._note("N1 signalling connection released locally; cell barred")
        self._fire("authentication_check_failed", remote=False)
        self._restart_suspended(now)

    def _on_t3520(self, now: float) -> None:
        self._network_failed_check(now, "T3520 expiry")

    def _on_t3516(self, now: float) -> None:
        # T3516 expiry: delete RAND and RES* (5.4.1.3.2); the partial context may still
        # be taken into use by a later SMC, but a deferred AKMA request waits no longer.
        self._fire("t3516_expired", remote=False)
        self._forget_rand_res()

    def _on_authentication_reject(self, message: NasMessage, now: float) -> None:
        """AUTHENTICATION REJECT (5.4.1.3.5): delete RAND/RES*, 5G-GUTI, ngKSI (TAI list
        not modelled); 5U3; the USIM is invalid until switch-off or removal; stop T3510,
        T3516, T3517, T3519, T3520, T3521; 5GMM-DEREGISTERED (NO-SUPI: no valid USIM)."""
        self._fire("authentication_rejected", remote=True)
        self.timers.stop("T3510", "T3511", "T3502", "T3516", "T3517", "T3519", "T3520", "T3521")
        self._suspended.clear()
        self._auth_failures = 0
        self._forget_rand_res()
        self._forget_registration("AUTHENTICATION REJECT", usim_invalid=True)

    def _forget_rand_res(self) -> None:
        self._rand = self._res_star = None
        self.timers.stop("T3516")

    def _drop_partial(self, reason: str) -> None:
        self.contexts.partial = None
        self.eap.forget()
        dropped = self.kausf.drop_pending()
        if dropped is not None:
            self._note("pending KAUSF dropped", reason=reason, k_ausf_fp=dropped)

    def _invalidate_usim(self) -> None:
        if self.usim is not None and self.usim.valid:
            self.usim.valid = False
            self.outbox.put(UsimChanged("invalid"))

    # -- security mode control (TS 24.501 5.4.2) --------------------------------------

    def _on_security_mode_command(self, message: NasMessage, now: float) -> None:
        """SECURITY MODE COMMAND (5.4.2.3). Accepting the SMC that takes the partial
        context into use makes the pending KAUSF valid, replacing the old one (5.4.2.1;
        TS 33.501 6.2.2.2) — announced before SECURITY MODE COMPLETE. Replayed UE security
        capabilities that differ -> #23; 5G-IA0 (``nia`` 0) outside an emergency -> #24
        (5.4.2.3; TS 33.501 5.5.2); an ngKSI naming neither the partial nor the current
        context -> #24 (5.4.2.5); the old KAUSF then stays valid."""
        ngksi = _required(message, "ngksi")
        nea = _required(message, "nea")
        nia = _required(message, "nia")
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
        self._send(nas("security_mode_complete"))

    def _security_mode_rejected(self, cause: int) -> None:
        """SECURITY MODE REJECT (5.4.2.5): the old KAUSF stays valid, the pending one and
        its partial context are dropped."""
        self._send(nas("security_mode_reject", cause=cause))
        self._drop_partial(f"SECURITY MODE REJECT #{cause}")

    # -- identification (TS 24.501 5.4.3) ---------------------------------------------

    def _on_identity_request(self, message: NasMessage, now: float) -> None:
        """IDENTITY REQUEST (5.4.3.2): SUCI with the null scheme, or the 5G-GUTI; other
        identities (IMEI, ...) are not modelled and answered as "no identity"."""
        identity_type = _required(message, "identity_type")
        self._fire("identity_request", remote=True)
        usim = self.usim
        assert usim is not None
        if identity_type == IDENTITY_SUCI:
            identity = suci_null_scheme(usim.supi, len(self.config.home_mnc), usim.rid)
            self._start("T3519", now)
        elif identity_type == IDENTITY_GUTI and self.guti is not None:
            identity = self.guti if len(self.guti) == 11 else bytes((GUTI_IE_TYPE,)) + self.guti
        else:
            identity = NO_IDENTITY
        self._send(nas("identity_response", identity=identity))

    # -- deregistration (TS 24.501 5.5.2) ---------------------------------------------

    @_input
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

    @_input
    def lower_layer_failure(self, now: float) -> None:
        """The N1 signalling connection is released: an ongoing registration ends
        abnormally (5.5.1.2.7, 5.5.1.3.7), an ongoing deregistration is completed
        locally (5.5.2.2.6); otherwise only the connection goes."""
        state = self.state
        if state is S.REGISTERED_INITIATED:
            self._note("N1 signalling connection released", reason="lower layer failure")
            self._registration_failed(now, "lower layer failure", remote=False)
        elif state is S.DEREGISTERED_INITIATED:
            self._fire("deregistration_aborted", remote=False)
            self.timers.stop("T3521")
        else:
            self._fire("n1_released", remote=False)
            self._note("N1 signalling connection released", reason="lower layer failure")

    # -- other downlink messages -------------------------------------------------------

    def _on_status(self, message: NasMessage, now: float) -> None:
        # 5GMM STATUS: no state change, no specific action (TS 24.501 5.4.6.3).
        self._note("5GMM STATUS received", cause=message.get("cause"))

    def _on_authentication_result(self, message: NasMessage, now: float) -> None:
        """AUTHENTICATION RESULT (5.4.1.2.2): EAP-Success or EAP-Failure of EAP-AKA'."""
        self._fire("authentication_result", remote=True)
        eap_aka_prime.on_authentication_result(self, message, now)

    def _on_ciphered(self, message: NasMessage, now: float) -> None:
        self._note("ciphered message skipped", note=message.get("note"))

    # -- the network boundary ------------------------------------------------------

    @_input
    def handle_n1(self, message: NasMessage, now: float) -> None:
        """Every downlink NAS message. Never raises for network input: a message illegal
        in this state is answered with 5GMM STATUS (#98, or #96 for a malformed mandatory
        IE) and noted (TS 24.501 7; docs/invariants.md)."""
        state = self._machine_state
        if state is S.NULL:
            self._note("downlink message while switched off: no N1 connection", msg=message.msg)
            return
        handler = self._DL_HANDLERS.get(message.msg)
        if handler is None:
            self._note("message not modelled: passed through", msg=message.msg)
            return
        try:
            handler(self, message, now)
        except RemoteProtocolError as exc:
            self._note(
                "message not compatible with the protocol state",
                msg=message.msg,
                state=state.value,
                cause=exc.cause,
                reason=str(exc),
            )
            self._send(nas("status", cause=exc.cause))

    # -- AKMA (TS 24.501 4.21; TS 33.535 6.1) ----------------------------------------

    @_input
    def handle_primitive(self, prim: ObtainAkmaKeyRequest, now: float) -> None:
        """``ObtainAkmaKeyRequest``: answer from the valid KAUSF now, or — with
        ``akma_defer`` — after the primary authentication in progress ends (window W1)."""
        if not isinstance(prim, ObtainAkmaKeyRequest):
            raise LocalProtocolError(f"NAS does not handle {type(prim).__name__}")
        if self._machine_state is S.NULL:
            self.outbox.put(ObtainAkmaKeyReject(prim.app, prim.corr, KAUSF_UNAVAILABLE))
            return
        if self._deferring:
            self._deferred.append(prim)
            self._note(
                "AKMA request deferred: primary authentication in progress",
                app=prim.app,
                corr=prim.corr,
            )
            return
        self._answer_akma(prim)

    def _answer_akma(self, request: ObtainAkmaKeyRequest) -> None:
        """Derive KAKMA and A-TID from the **valid** KAUSF (never the pending one), build
        the A-KID, confirm (TS 24.501 4.21; TS 33.535 A.2, A.3, 6.1). NAS keeps none of
        them. Without a USIM or without a valid KAUSF: kausf_unavailable; USIM invalid:
        usim_invalid. (A request made while switched off is rejected before it gets here;
        one deferred over a power-off is answered from the KAUSF that survives it.)"""
        usim = self.usim
        if usim is None:
            self.outbox.put(ObtainAkmaKeyReject(request.app, request.corr, KAUSF_UNAVAILABLE))
            return
        if not usim.valid:
            self.outbox.put(ObtainAkmaKeyReject(request.app, request.corr, USIM_INVALID))
            return
        kausf = usim.kausf
        if kausf is None:
            self.outbox.put(ObtainAkmaKeyReject(request.app, request.corr, KAUSF_UNAVAILABLE))
            return
        supi, config = usim.supi, self.config
        identifier = a_kid(usim.rid, a_tid(kausf, supi), config.home_mcc, config.home_mnc)
        self.outbox.put(
            ObtainAkmaKeyConfirm(
                request.app,
                request.corr,
                identifier,
                k_akma(kausf, supi),
                k_ausf_fp=self.kausf.valid_fp or "",
            )
        )

    def _open_akma_deferral(self) -> None:
        # Deferral starts when the UE sends AUTHENTICATION RESPONSE (docs/behaviour.md W1).
        if self.config.akma_defer:
            self._deferring = True

    def _end_akma_deferral(self) -> None:
        """The primary authentication ended (a trigger of ``ENDS_AKMA_DEFERRAL`` fired and
        its input is complete; called by ``_input`` only): answer every deferred request
        from whatever KAUSF is valid now, or reject it."""
        self._deferral_ended = False
        self._deferring = False
        waiting, self._deferred = self._deferred, []
        for request in waiting:
            self._answer_akma(request)

    def end_of_run(self, now: float) -> None:
        """The run ends: AKMA requests still deferred are rejected (procedure_aborted), so
        every request is answered (docs/trace-format.md)."""
        self._deferring = False
        waiting, self._deferred = self._deferred, []
        for request in waiting:
            self.outbox.put(ObtainAkmaKeyReject(request.app, request.corr, PROCEDURE_ABORTED))

    _DL_HANDLERS: dict[str, Callable[[Nas, NasMessage, float], None]] = {
        "registration_accept": _on_registration_accept,
        "registration_reject": _on_registration_reject,
        "authentication_request": _on_authentication_request,
        "authentication_reject": _on_authentication_reject,
        "authentication_result": _on_authentication_result,
        "security_mode_command": _on_security_mode_command,
        "identity_request": _on_identity_request,
        "deregistration_request": _on_deregistration_request,
        "deregistration_accept": _on_deregistration_accept,
        "status": _on_status,
        "ciphered": _on_ciphered,
    }
    _TIMER_HANDLERS: dict[str, Callable[[Nas, float], None]] = {
        "T3502": _on_t3502,
        "T3510": _on_t3510,
        "T3511": _on_t3511,
        "T3516": _on_t3516,
        "T3517": _on_t3517,
        "T3519": _on_t3519,
        "T3520": _on_t3520,
        "T3521": _on_t3521,
    }

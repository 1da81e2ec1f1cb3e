"""What every 5GMM procedure of the UE shares (TS 24.501 5.1.3): the one transition table
run in one place, the timers, the security contexts, the KAUSF store, the AKMA deferral
(TS 24.501 4.21) and the consequences several procedures have in common.

``mm.Nas`` is ``MmCore`` plus one mixin per procedure, the way UERANSIM splits
``src/ue/nas/mm/`` by procedure: ``registration``, ``authentication`` (5G AKA, with
``eap_aka_prime`` for EAP-AKA'), ``security_mode``, ``identification``, ``deregistration``,
``service_request``. The procedure modules build on this one and never on ``mm``, so
there is no import circle; the two methods EAP-AKA' needs from the authentication
procedure are declared here (like a C++ header) and defined in ``authentication``.

Inputs are method calls that carry the model time ``now``; outputs are queued in
``outbox`` in causal order. No asyncio, no clock, no logging here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from transitions import MachineError

from ..crypto.akma import a_kid, a_tid, k_akma
from ..errors import LocalProtocolError, RemoteProtocolError
from ..events import Note, Outbox, SendN1, StateChanged, UsimChanged
from ..machines import SharedMachine
from ..primitives import (
    KAUSF_UNAVAILABLE,
    USIM_INVALID,
    ObtainAkmaKeyConfirm,
    ObtainAkmaKeyReject,
    ObtainAkmaKeyRequest,
)
from ..timers import Timers
from .concealment import SuciConfig, make_suci
from .context import EapPeer, KausfStore, SecurityContexts
from .messages import CAUSE_MESSAGE_NOT_COMPATIBLE_WITH_STATE, NasMessage
from .protection import Boundary
from .states import (
    DEREGISTERED,
    ENDS_AKMA_DEFERRAL,
    INTERNAL_SOURCES,
    TRANSITIONS,
    MmState,
    UpdateStatus,
)
from .usim import FRESHNESS_RULES, Usim

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
    # Started with the value the network gives (REGISTRATION/SERVICE REJECT #22 "T3346
    # value"); this default is used only when a row starts it without one.
    "T3346": 900.0,
    # periodic registration update; REGISTRATION ACCEPT's T3512 value replaces it, 0
    # deactivates it (10.2; docs/trace-format.md: default 54 min)
    "T3512": 3240.0,
}

CAUSE_INVALID_MANDATORY_INFORMATION = 96  # TS 24.501 9.11.3.2

# What a cause row can delete (TS 24.501 5.5.1.2.5 and the clauses after it). TAI lists
# and the last visited registered TAI are not modelled: a row that names them says what
# the clause says, and nothing else happens for them.
GUTI, TAI_LIST, LAST_VISITED_TAI, NGKSI = "5g-guti", "tai-list", "last-visited-tai", "ngksi"
PARTIAL_CONTEXT = "partial-context"  # a partial native context (and its pending KAUSF)
ALL_IDENTITIES = frozenset({GUTI, TAI_LIST, LAST_VISITED_TAI, NGKSI})
TAIS = frozenset({TAI_LIST, LAST_VISITED_TAI})


@dataclass(frozen=True, slots=True)
class CauseRow:
    """What the UE does on one 5GMM cause in one procedure: one row of that procedure's
    cause table (``registration.INITIAL_REJECT``, ``registration.UPDATE_REJECT``,
    ``deregistration.NETWORK_DEREGISTRATION``, ``service_request.SERVICE_REJECT``).

    ``state`` is where the UE ends (the procedure maps it to the trigger of the one
    transition table that goes there); ``update_status`` None keeps the 5GS update status;
    ``deletes`` names what is deleted (``GUTI``, ``NGKSI``, ...); ``timers`` are started
    (T3346 with the message's value); ``reset_counter`` resets the registration attempt
    counter; ``usim_invalid`` makes the USIM invalid for 5GS until switch-off or removal;
    ``then_register`` makes the UE start an initial registration itself; ``needs`` names a
    message field without which the cause is the procedure's abnormal case (#22 needs a
    T3346 value). ``clause`` cites the text and ``source`` says how far we could read it."""

    name: str
    state: MmState
    update_status: UpdateStatus | None
    deletes: frozenset[str] = frozenset()
    timers: tuple[str, ...] = ()
    reset_counter: bool = True
    usim_invalid: bool = False
    then_register: bool = False
    needs: str | None = None
    clause: str = ""
    source: str = "Rel-18 text"


def usim_invalid_row(name: str, clause: str) -> CauseRow:
    """#3/#6/#7 in every procedure (5.5.1.2.5, 5.5.1.3.5, 5.5.2.3.2, 5.6.1.5): 5U3, 5G-GUTI,
    TAI list, last visited TAI and ngKSI deleted, the USIM invalid for 5GS until switch-off
    or removal, 5GMM-DEREGISTERED.NO-SUPI; the attempt counter is not touched."""
    return CauseRow(name, MmState.DEREGISTERED_NO_SUPI, UpdateStatus.ROAMING_NOT_ALLOWED,
                    ALL_IDENTITIES, reset_counter=False, usim_invalid=True, clause=clause)


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
    imei: str | None = None  # the ME's identities (digits), for IDENTITY REQUEST and SMC
    imeisv: str | None = None
    build_pdus: bool = False  # uplinks carry their protected octets (simulation)
    # SUCI concealment (ue.suci_profile/hn_public/hn_key_id); None: the null scheme
    suci: SuciConfig | None = None

    def __post_init__(self) -> None:
        if self.freshness not in FRESHNESS_RULES:
            raise ValueError(f"freshness must be one of {FRESHNESS_RULES}")
        unknown = set(self.timers) - set(DEFAULT_TIMERS)
        if unknown:
            raise ValueError(f"unknown timers: {sorted(unknown)}")
        self.timers = {**DEFAULT_TIMERS, **self.timers}


def nas_input(method: Callable[..., None]) -> Callable[..., None]:
    """Every input of the core goes through here. When it is complete — every state,
    KAUSF and USIM change it makes applied — an AKMA deferral that one of its triggers
    ended (``states.ENDS_AKMA_DEFERRAL``) is answered: the deferred requests see the
    state the input left, never the state before it (docs/behaviour.md "Order within one
    input"; TS 24.501 4.21). Inputs that call inputs answer once, at the outermost."""

    @functools.wraps(method)
    def run(self: MmCore, *args: Any, **kwargs: Any) -> None:
        self._input_depth += 1
        try:
            method(self, *args, **kwargs)
        finally:
            self._input_depth -= 1
        if self._input_depth == 0 and self._deferral_ended:
            self._end_akma_deferral()

    return run


def required(message: NasMessage, name: str, length: int | None = None) -> Any:
    """A mandatory IE, else #96 "invalid mandatory information" (TS 24.501 7.5)."""
    value = message.fields.get(name)
    if value is None or (length is not None and len(value) != length):
        raise RemoteProtocolError(
            f"{message.msg}: missing or malformed {name}", CAUSE_INVALID_MANDATORY_INFORMATION
        )
    return value


class MmCore:
    """The state one UE's 5GMM procedures share, and the plumbing they all use."""

    def __init__(self, config: NasConfig, usim: Usim | None = None) -> None:
        self.config = config
        self.outbox = Outbox()
        self.timers = Timers()
        self.contexts = SecurityContexts()
        self.boundary = Boundary(build_pdus=config.build_pdus)  # 4.4.4.2, 4.4.3.1
        self.usim = usim
        self.kausf = KausfStore(usim)
        if usim is not None:
            usim.freshness = config.freshness
            # A native context kept with this subscriber before the run (Annex C.1 d)
            self.contexts.restore(usim.stored_ngksi, usim.stored)
        self.update_status = UpdateStatus.NOT_UPDATED
        # the 5G-GUTI stored with a resumed context (``ue.stored``) identifies the UE
        stored = usim.stored if usim is not None else None
        self.guti: bytes | None = stored.guti if stored is not None else None
        self.attempt_counter = 0
        self.registration_identity: str | None = None  # "suci" | "5g-guti", last sent
        self.stored_suci: bytes | None = None  # sent again while T3519 runs (5.4.3.2)
        self._concealments = 0
        self._registration_type = "initial"
        self._auth_failures = 0
        self._suspended: set[str] = set()
        self._rand: bytes | None = None
        self._res_star: bytes | None = None
        self._t3521_expiries = 0
        # A switch-off DEREGISTRATION REQUEST was sent and the N1 connection is not yet
        # released: every downlink is ignored (5.5.2.2.6; deregistration.AFTER_SWITCH_OFF).
        self._switch_off_sent = False
        self._t3512_value = config.timers["T3512"]  # the last REGISTRATION ACCEPT's, or 54 min
        self._deferring = False
        self._deferred: list[ObtainAkmaKeyRequest] = []
        self._deferral_ended = False  # set by _fire, acted on by nas_input
        self._input_depth = 0
        self._announced_kausf_fp: str | None = None
        self.eap = EapPeer()
        self._machine_state: MmState = S.NULL  # _MACHINE.initial; a model of the shared table

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
        that notes a trigger ending an AKMA deferral (answered by ``nas_input``)."""
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
                self.boundary.released()  # nor does the NAS signalling connection

    def _send(self, message: NasMessage) -> None:
        # Protected with the current context once one is in use (TS 24.501 4.4.5)
        self.outbox.put(SendN1(self.boundary.protect_ul(message, self.contexts)))

    def _suci(self) -> bytes:
        """The SUCI to send (TS 24.501 5.4.3.2, 5.5.1.2.2): the stored one while T3519 runs,
        else a fresh one — concealed with a new ephemeral key when the USIM has a home
        network public key (TS 33.501 6.12.2), else the null scheme — which is stored."""
        if self.stored_suci is not None and self.timers.running("T3519"):
            return self.stored_suci
        usim = self.usim
        assert usim is not None
        self._concealments += 1
        self.stored_suci = make_suci(self.config.suci, usim.supi, len(self.config.home_mnc),
                                     usim.rid, self._concealments)
        return self.stored_suci

    def _note(self, text: str, **fields: Any) -> None:
        self.outbox.put(Note(LAYER, text, fields))

    # -- timers --------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        return self.timers.next_deadline()

    def _start(self, name: str, now: float) -> None:
        self.timers.start(name, now, self.config.timers[name])

    # -- what several procedures share ------------------------------------------------

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

    def _apply_cause(self, row: CauseRow, trigger: str, reason: str, now: float,
                     t3346: float | None = None, reply: NasMessage | None = None) -> None:
        """Apply one cause row (the caller has stopped its procedure's timers): the state
        move, the ``reply`` (DEREGISTRATION ACCEPT), the update status, the deletions, the
        attempt counter, the USIM, the timers — the order of the clauses' sentences."""
        self._fire(trigger, remote=True)
        if reply is not None:
            self._send(reply)
        if row.update_status is not None:
            self.update_status = row.update_status
        if GUTI in row.deletes:
            self.guti = None
        if NGKSI in row.deletes:
            self.contexts.clear()
            self._drop_partial(reason)
        elif PARTIAL_CONTEXT in row.deletes:
            self._drop_partial(reason)
        if row.reset_counter:
            self.attempt_counter = 0
        if row.usim_invalid:
            self._invalidate_usim()
        for name in row.timers:
            if name == "T3346" and t3346:
                self.timers.start(name, now, float(t3346))
            else:
                self._start(name, now)
        self._note("cause handled", reason=reason, clause=row.clause)

    # -- declared here, defined by one procedure, used by another (like a C++ header) ---

    def _start_initial_registration(self, now: float) -> None:
        """Defined by ``registration``; a network deregistration that requires
        re-registration starts one (5.5.2.3.2)."""
        raise NotImplementedError


    def _authentication_failed(self, now: float, cause: int, auts: bytes | None) -> None:
        raise NotImplementedError

    def _valid_challenge_received(self, now: float) -> None:
        raise NotImplementedError

    # -- AKMA deferral (TS 24.501 4.21; docs/behaviour.md W1) ---------------------------

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
        its input is complete; called by ``nas_input`` only): answer every deferred request
        from whatever KAUSF is valid now, or reject it."""
        self._deferral_ended = False
        self._deferring = False
        waiting, self._deferred = self._deferred, []
        for request in waiting:
            self._answer_akma(request)


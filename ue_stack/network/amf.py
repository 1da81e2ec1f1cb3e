"""AMF/SEAF for one UE: registration, 5G AKA, security mode control, network-triggered
re-authentication and deregistration — the network side of TS 24.501 5.4 and 5.5, with
the SEAF's part of TS 33.501 6.1.3.2.

Sans-I/O: every input takes ``now``; downlink messages go to ``outbox`` as
``SendN1(message, supi=...)``. Network 5GMM states follow TS 24.501 5.1.3.2.3, in the one
transition table ``TRANSITIONS`` run by ``transitions.Machine``; every state change is a
``StateChanged`` (log event ``state``, ``layer: "amf"``, with the ``ue`` it concerns).
Retransmissions (TS 24.501 10.2.2): T3560 guards AUTHENTICATION REQUEST and SECURITY MODE
COMMAND, T3550 a REGISTRATION ACCEPT that assigns a 5G-GUTI, T3522 a network-initiated
DEREGISTRATION REQUEST; each is sent again on the first four expiries and its procedure
is aborted on the fifth.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from transitions import MachineError

from .. import hnkeys
from ..crypto.aka import hxres_star, k_amf
from ..crypto.nas_security import DOWNLINK, UPLINK
from ..crypto.secret import Key
from ..errors import LocalProtocolError
from ..events import Note, Outbox, SendN1, StateChanged
from ..machines import SharedMachine
from ..nas.context import NasSecurityContext
from ..nas.eap_aka_prime import eap_fields
from ..nas.messages import (
    CAUSE_MAC_FAILURE,
    CAUSE_NGKSI_ALREADY_IN_USE,
    CAUSE_NON_5G_AUTHENTICATION_UNACCEPTABLE,
    CAUSE_SYNCH_FAILURE,
    NGKSI_NO_KEY,
    SHT_CIPHERED,
    SHT_NEW_CONTEXT,
    NasMessage,
    nas,
)
from ..nas.protection import mac_ok, protect
from ..timers import Timers
from .ausf import Ausf, Challenge

LAYER = "amf"
NGKSI_VALUES = 7  # ngKSI 0..6 name a key set; 7 means "no key" (TS 24.501 9.11.3.32)
DEFAULT_GUTI = bytes.fromhex("00f110cafe0040000001")  # PLMN 001/01, AMF ids, 5G-TMSI 1


class AmfState(Enum):
    """Network-side 5GMM states (TS 24.501 5.1.3.2.3)."""

    DEREGISTERED = "5GMM-DEREGISTERED"
    COMMON_PROCEDURE_INITIATED = "5GMM-COMMON-PROCEDURE-INITIATED"
    REGISTERED = "5GMM-REGISTERED"
    DEREGISTERED_INITIATED = "5GMM-DEREGISTERED-INITIATED"


A = AmfState
CAUSE_UE_IDENTITY_NOT_DERIVED = 9  # TS 24.501 9.11.3.2
CAUSE_IMPLICITLY_DEREGISTERED = 10
# fmt: off
# [trigger, source state(s), destination (None: internal, the state stays)]
TRANSITIONS: list[list[Any]] = [
    # 5G AKA, security mode control, a REGISTRATION ACCEPT awaiting COMPLETE (T3550):
    # the common procedures of TS 24.501 5.4 / 5.5.1.2.4
    ["common_procedure_started",   [A.DEREGISTERED, A.REGISTERED],
                                   A.COMMON_PROCEDURE_INITIATED],
    ["common_procedure_started",   A.COMMON_PROCEDURE_INITIATED,           None],
    # SECURITY MODE COMPLETE of a re-authentication (5.4.2.4)
    ["common_procedure_completed", A.COMMON_PROCEDURE_INITIATED,           A.REGISTERED],
    # REGISTRATION ACCEPT without a new 5G-GUTI, REGISTRATION COMPLETE, or the fifth
    # T3550 expiry, after which the UE is registered all the same (5.5.1.2.8)
    ["registration_completed",     [A.DEREGISTERED, A.COMMON_PROCEDURE_INITIATED],
                                   A.REGISTERED],
    ["registration_completed",     A.REGISTERED,                           None],
    # A common procedure aborted: back to where it started (5.4.1.3.7, 5.4.2.5, 5.5.1.2.8)
    ["aborted_to_registered",      A.COMMON_PROCEDURE_INITIATED,           A.REGISTERED],
    ["aborted_to_deregistered",    A.COMMON_PROCEDURE_INITIATED,           A.DEREGISTERED],
    ["authentication_rejected",    A.COMMON_PROCEDURE_INITIATED,           A.DEREGISTERED],
    ["registration_rejected",      A.COMMON_PROCEDURE_INITIATED,           A.DEREGISTERED],
    # Network-initiated deregistration (5.5.2.3) under T3522, ended by the UE's ACCEPT or
    # the fifth expiry; UE-initiated deregistration (5.5.2.2.2) from any state
    ["deregistration_started",     [A.DEREGISTERED, A.REGISTERED],
                                   A.DEREGISTERED_INITIATED],
    ["deregistration_completed",   A.DEREGISTERED_INITIATED,               A.DEREGISTERED],
    ["ue_deregistered",            [A.COMMON_PROCEDURE_INITIATED, A.REGISTERED,
                                    A.DEREGISTERED_INITIATED],             A.DEREGISTERED],
    ["ue_deregistered",            A.DEREGISTERED,                         None],
]
# fmt: on
_MACHINE = SharedMachine(AmfState, TRANSITIONS, A.DEREGISTERED)  # one table, every UE


@dataclass(slots=True)
class AmfConfig:
    """Operator policy of the twin's AMF/SEAF."""

    nea: int = 2  # 128-NEA2 (TS 33.501 5.11.1.1)
    nia: int = 2  # 128-NIA2; 0 (5G-IA0) only to show a UE rejecting it (24.501 5.4.2.3)
    # The UE security capability replayed in SECURITY MODE COMMAND; None leaves it out.
    replayed_ue_sec_cap: bytes | None = None
    guti: bytes | None = DEFAULT_GUTI  # assigned in REGISTRATION ACCEPT (None: no GUTI)
    authenticate_initial: bool = True  # authenticate every initial registration
    # Consecutive #20/#26 failures (or wrong RES*) in one procedure before AUTHENTICATION
    # REJECT. 2 stays below the UE's own limit of 3 (TS 24.501 5.4.1.3.7 f), so the
    # reject still reaches a UE that listens.
    auth_failure_limit: int = 2
    resync_limit: int = 1  # a second #21 after resynchronising ends in a reject
    t3560: float = 6.0
    t3550: float = 6.0
    t3522: float = 6.0
    max_retransmissions: int = 4  # the 5th expiry aborts (TS 24.501 10.2.2)
    # EAP-AKA': where EAP-Success goes (TS 24.501 5.4.1.2.2): in the SECURITY MODE
    # COMMAND that follows, or in AUTHENTICATION RESULT before a plain SMC.
    eap_success_in: str = "security_mode_command"
    # Protect every downlink once a 5G NAS security context exists and check the UE's
    # MACs (TS 24.501 4.4; TS 33.501 6.4): on in simulation, so --pcap shows what crosses N1.
    protect_n1: bool = False


@dataclass(slots=True)
class _AuthRun:
    """One authentication procedure in progress (possibly several challenges)."""

    challenge: Challenge
    ngksi: int
    failures: int = 0
    resyncs: int = 0
    ngksi_changes: int = 0


@dataclass(frozen=True, slots=True)
class _Partial:
    """A partial native 5G NAS security context: made at RES* verification, taken into
    use by SECURITY MODE COMPLETE (TS 33.501 6.7.2)."""

    ngksi: int
    k_amf: Key = field(repr=False)


class Amf:
    def __init__(
        self,
        supi: str,
        ausf: Ausf,
        snn: str,
        config: AmfConfig | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        self.supi = supi
        self.ausf = ausf
        self.snn = snn
        self.config = config if config is not None else AmfConfig()
        self.outbox = outbox if outbox is not None else Outbox()
        self.timers = Timers()
        # _MACHINE.initial; a model of the shared table
        self._machine_state: AmfState = A.DEREGISTERED
        self.ngksi: int | None = None  # of the security context in use
        self._k_amf: Key | None = None
        self._last_ngksi = NGKSI_VALUES - 1  # so the first assigned ngKSI is 0
        self._auth: _AuthRun | None = None
        self._partial: _Partial | None = None
        self._smc_pending = False
        self._registration: NasMessage | None = None  # the REGISTRATION REQUEST served
        self._state_before = AmfState.DEREGISTERED  # restored when a procedure aborts
        self._retx: dict[str, tuple[NasMessage, int]] = {}
        # simulation-only faults
        self._reuse_ngksi_next = False
        self._sec_cap_mismatch_next = False
        self._nia0_next = False
        self._reject_registration_cause: int | None = None
        # NAS security as it crosses N1 (with ``config.protect_n1``): the context in use
        # and the one a pending SECURITY MODE COMMAND names, each with its NAS COUNTs.
        self._ctx: NasSecurityContext | None = None
        self._smc_ctx: NasSecurityContext | None = None

    # -- plumbing -----------------------------------------------------------------------

    def _send(self, message: NasMessage) -> None:
        if self.config.protect_n1:
            message = self._protect(message)
        self.outbox.put(SendN1(message, supi=self.supi))

    def _protect(self, message: NasMessage) -> NasMessage:
        """The downlink as the AMF sends it (TS 24.501 4.4.4, 4.4.5, 9.3.1): a SECURITY
        MODE COMMAND integrity protected with the context it names (type 3), anything
        else protected and ciphered with the context in use (type 2); plain while there
        is none. Each retransmission takes the next downlink COUNT."""
        if message.msg == "security_mode_command" and self._smc_ctx is not None:
            ctx, sht = self._smc_ctx, SHT_NEW_CONTEXT
        elif self._ctx is not None and self.ngksi is not None:
            ctx, sht = self._ctx, SHT_CIPHERED
        else:
            return message
        ctx.dl_count += 1
        return protect(message, ctx, sht, ctx.dl_count, DOWNLINK)

    def _integrity_failed(self, message: NasMessage) -> bool:
        """The UE's uplink fails the AMF's integrity check (TS 24.501 4.4.4.3): checked
        when it came with its octets and the AMF holds the context it was protected with."""
        protection = message.protection
        if not self.config.protect_n1 or protection is None or protection.pdu is None:
            return False
        if message.msg == "security_mode_complete" and self._smc_ctx is not None:
            ctx: NasSecurityContext | None = self._smc_ctx
        else:
            ctx = self._ctx
        if ctx is None or ctx.k_amf is None or ctx.nia is None or protection.count is None:
            return False
        from ..crypto.aka import k_nas_int

        key = k_nas_int(ctx.k_amf, ctx.nia)
        return not mac_ok(key, ctx.nia, protection.count, UPLINK, protection.pdu)

    def _send_guarded(
        self, timer: str, duration: float, message: NasMessage, now: float
    ) -> None:
        self._send(message)
        self._retx[timer] = (message, 0)
        self.timers.start(timer, now, duration)

    def _stop(self, *timers: str) -> None:
        self.timers.stop(*timers)
        for name in timers:
            self._retx.pop(name, None)

    def _note(self, text: str, **fields: object) -> None:
        self.outbox.put(Note(LAYER, text, {"supi": self.supi, **fields}))

    @property
    def state(self) -> AmfState:
        return self._machine_state

    def _fire(self, trigger: str) -> None:
        """Run one trigger of ``TRANSITIONS``; a state change becomes a ``StateChanged``
        for this UE. The AMF decides every trigger itself, so one the table does not allow
        here is a defect of this module, raised as such."""
        before = self._machine_state
        try:
            _MACHINE.fire(self, trigger)
        except MachineError as exc:
            raise LocalProtocolError(f"AMF: {trigger} is not allowed in {before.value}") from exc
        after = self._machine_state
        if after is not before:
            self.outbox.put(StateChanged(LAYER, before.value, after.value, supi=self.supi))

    def _busy(self) -> bool:
        return self._auth is not None or self._smc_pending

    @property
    def has_security_context(self) -> bool:
        return self.ngksi is not None

    # -- inputs -------------------------------------------------------------------------

    def handle_n1(self, message: NasMessage, now: float) -> None:
        """An uplink NAS message from the UE; one whose MAC fails is discarded."""
        if self._integrity_failed(message):
            self._note("uplink discarded: integrity check failed", msg=message.msg)
            return
        handler = _HANDLERS.get(message.msg)
        if handler is None:
            self._note("uplink not handled by the AMF", msg=message.msg)
            return
        handler(self, message, now)

    def next_deadline(self) -> float | None:
        return self.timers.next_deadline()

    def handle_timer(self, now: float) -> None:
        for name in self.timers.expired(now):
            message, count = self._retx.pop(name, (None, 0))
            if message is None:
                continue
            if count < self.config.max_retransmissions:
                self._send(message)
                self._retx[name] = (message, count + 1)
                self.timers.start(name, now, getattr(self.config, name.lower()))
                continue
            self._note(f"{name} expired {count + 1} times: procedure aborted", msg=message.msg)
            if name == "T3560":
                self._abort_common_procedures()
            elif name == "T3550":
                # TS 24.501 5.5.1.2.8: the registration is aborted, but old and new
                # 5G-GUTI both stay valid; the UE is registered.
                self._registration = None
                self._fire("registration_completed")
            elif name == "T3522":
                self._fire("deregistration_completed")

    # -- registration (TS 24.501 5.5.1.2, 5.5.1.3) -------------------------------------

    def _on_registration_request(self, msg: NasMessage, now: float) -> None:
        """REGISTRATION REQUEST (TS 24.501 5.5.1.2.2/5.5.1.3.2) with the collision rules
        of 5.5.1.2.8 c)/d): an identical request while one is served is not treated
        further (after the ACCEPT was sent, the ACCEPT is sent again); a different one
        restarts the procedure."""
        if self.state is AmfState.DEREGISTERED_INITIATED:
            self._note("registration request during network deregistration ignored")
            return
        if self._registration is not None and dict(msg.fields) == dict(
            self._registration.fields
        ):
            if "T3550" in self._retx:
                self._send(self._retx["T3550"][0])
            else:
                self._note("repeated registration request: procedure continues")
            return
        if self._busy() or self._registration is not None:
            self._abort_common_procedures()  # also ends a re-authentication in progress
        self._stop("T3550")
        self._state_before = self.state
        self._registration = msg
        self._identify(msg.get("identity"))
        ue_ngksi = msg.get("ngksi", NGKSI_NO_KEY)
        initial = msg.get("registration_type", "initial") == "initial"
        known_key = self.has_security_context and ue_ngksi == self.ngksi
        if (initial and self.config.authenticate_initial) or not known_key:
            self._start_authentication(now)
        else:
            self._send_registration_accept(now)

    def _identify(self, identity: bytes | None) -> None:
        """A concealed SUCI goes to the UDM's SIDF (TS 33.501 6.12.2): the note says whom
        it names. (This twin serves one known UE per AMF, so the answer is checked, not
        used to find the subscription.)"""
        if identity is None or hnkeys.concealment(identity) is None:
            return
        supi = self.ausf.udm.sidf(identity)
        if supi == self.supi:
            self._note("SUCI de-concealed by the UDM (SIDF)", scheme=identity[6] & 0x0F)
        else:
            self._note("SUCI not de-concealed to this UE by the UDM (SIDF): unknown home "
                       "network key, or a wrong MAC tag", scheme=identity[6] & 0x0F)

    def _send_registration_accept(self, now: float) -> None:
        """REGISTRATION ACCEPT (TS 24.501 5.5.1.2.4); with a new 5G-GUTI the AMF waits for
        REGISTRATION COMPLETE under T3550."""
        accept = nas("registration_accept", guti=self.config.guti)
        if self.config.guti is not None:
            self._fire("common_procedure_started")
            self._send_guarded("T3550", self.config.t3550, accept, now)
        else:
            self._send(accept)
            self._registration = None
            self._fire("registration_completed")

    def _on_registration_complete(self, msg: NasMessage, now: float) -> None:
        if "T3550" not in self._retx:
            self._note("registration complete without a pending accept ignored")
            return
        self._stop("T3550")
        self._registration = None
        self._fire("registration_completed")

    # -- primary authentication, 5G AKA (TS 24.501 5.4.1.3; TS 33.501 6.1.3.2) --------

    def _fresh_ngksi(self) -> int:
        """A new ngKSI for a new key set: the next of 0..6 that does not name the context
        in use (TS 24.501 5.4.1.3.2). A ``reuse_ngksi_next`` fault sends the one in use,
        as an AMF that lost track of it would."""
        if self._reuse_ngksi_next and self.ngksi is not None:
            self._reuse_ngksi_next = False
            return self.ngksi
        value = self._last_ngksi
        for _ in range(NGKSI_VALUES):
            value = (value + 1) % NGKSI_VALUES
            if value != self.ngksi:
                break
        self._last_ngksi = value
        return value

    def _start_authentication(self, now: float) -> None:
        self._fire("common_procedure_started")
        self._partial = None
        self._smc_pending = False
        self._auth = _AuthRun(self.ausf.authenticate(self.supi, self.snn), self._fresh_ngksi())
        self._send_challenge(now)

    def _new_challenge(self, now: float) -> None:
        """Another AV within the same procedure (after #20, #21 or #26)."""
        run = self._auth
        assert run is not None  # within a procedure
        run.challenge = self.ausf.authenticate(self.supi, self.snn)
        run.ngksi = self._fresh_ngksi()
        self._send_challenge(now)

    def _send_challenge(self, now: float) -> None:
        run = self._auth
        assert run is not None  # within a procedure
        c = run.challenge
        if c.eap is not None:  # EAP-AKA': the EAP-Request instead of RAND/AUTN (8.2.1)
            request = nas("authentication_request", ngksi=run.ngksi, abba=c.abba,
                          **eap_fields(c.eap))
        else:
            request = nas("authentication_request", ngksi=run.ngksi, abba=c.abba,
                          rand=c.rand, autn=c.autn)
        self._send_guarded("T3560", self.config.t3560, request, now)

    def _on_authentication_response(self, msg: NasMessage, now: float) -> None:
        """AUTHENTICATION RESPONSE (TS 24.501 5.4.1.3.4): the SEAF checks HRES* against
        HXRES*, the AUSF RES* against XRES* (TS 33.501 6.1.3.2 steps 9-11); success makes
        a partial context from KSEAF and starts security mode control."""
        run = self._auth
        if run is None:
            self._note("authentication response outside an authentication ignored")
            return
        self._stop("T3560")
        if run.challenge.eap is not None:
            self._on_eap_response(run, msg, now)
            return
        res = msg.get("res_star", b"")
        c = run.challenge
        if len(res) != 16 or not hmac.compare_digest(hxres_star(c.rand, res), c.hxres_star):
            self.ausf.abandon(self.supi)
            self._note("HRES* does not match HXRES*")
            self._reject_authentication(now)
            return
        kseaf = self.ausf.confirm(self.supi, res, now)
        if kseaf is None:
            self._note("RES* does not match XRES*")
            self._reject_authentication(now)
            return
        self._auth = None
        if self._registration is not None and self._reject_registration_cause is not None:
            self._reject_registration(now)
            return
        self._partial = _Partial(run.ngksi, k_amf(kseaf, self.supi, c.abba))
        self._start_security_mode_control(now)

    def _on_eap_response(self, run: _AuthRun, msg: NasMessage, now: float) -> None:
        """AUTHENTICATION RESPONSE with an EAP-Response (TS 24.501 5.4.1.2.2; TS 33.501
        6.1.3.1): the SEAF passes it to the AUSF. EAP-Success -> partial context and
        SMC carrying EAP-Success (or AUTHENTICATION RESULT first); resynchronised -> a new
        challenge; EAP-Failure -> AUTHENTICATION REJECT carrying it (5.4.1.2.2)."""
        packet = msg.get("eap")
        outcome = self.ausf.eap_response(self.supi, packet or b"", now)
        if outcome.result == "resync":
            run.resyncs += 1
            if run.resyncs > self.config.resync_limit:
                self._reject_authentication(now)
                return
            self._new_challenge(now)
            return
        if outcome.result != "success":
            self._note("EAP-AKA' failed", eap_subtype=msg.get("eap_subtype"))
            self._reject_authentication(now, eap=outcome.eap)
            return
        assert outcome.k_seaf is not None and outcome.eap is not None  # given on success
        self._partial = _Partial(run.ngksi, k_amf(outcome.k_seaf, self.supi, run.challenge.abba))
        self._auth = None
        if self.config.eap_success_in == "authentication_result":
            self._send(nas("authentication_result", ngksi=run.ngksi, **eap_fields(outcome.eap)))
            self._start_security_mode_control(now)
        else:
            self._start_security_mode_control(now, eap=outcome.eap)

    def _on_authentication_failure(self, msg: NasMessage, now: float) -> None:
        """AUTHENTICATION FAILURE (TS 24.501 5.4.1.3.7): #71 -> the same challenge with a
        new ngKSI; #21 -> resynchronise from AUTS, then a new challenge; #20/#26 -> a new
        challenge until ``auth_failure_limit``, then AUTHENTICATION REJECT."""
        run = self._auth
        if run is None:
            self._note("authentication failure outside an authentication ignored")
            return
        self._stop("T3560")
        cause = msg.get("cause")
        if cause == CAUSE_NGKSI_ALREADY_IN_USE:
            run.ngksi_changes += 1
            if run.ngksi_changes >= NGKSI_VALUES:
                self._reject_authentication(now)
                return
            run.ngksi = self._fresh_ngksi()
            self._send_challenge(now)
        elif cause == CAUSE_SYNCH_FAILURE:
            run.resyncs += 1
            auts = msg.get("auts")
            if (
                run.resyncs > self.config.resync_limit
                or auts is None
                or not self.ausf.resynchronise(self.supi, run.challenge.rand, auts)
            ):
                self._note("resynchronisation failed", cause=cause)
                self._reject_authentication(now)
                return
            self._new_challenge(now)
        elif cause in (CAUSE_MAC_FAILURE, CAUSE_NON_5G_AUTHENTICATION_UNACCEPTABLE):
            run.failures += 1
            self.ausf.abandon(self.supi)
            if run.failures >= self.config.auth_failure_limit:
                self._reject_authentication(now)
                return
            self._new_challenge(now)
        else:
            self._note("authentication failure with an unexpected cause", cause=cause)
            self._abort_common_procedures()

    def _reject_authentication(self, now: float, eap: bytes | None = None) -> None:
        """AUTHENTICATION REJECT (TS 24.501 5.4.1.3.5), with the EAP-Failure of an
        EAP-AKA' run (5.4.1.2.2): the UE is no longer registered and its keys are gone on
        both sides."""
        self._send(nas("authentication_reject", **(eap_fields(eap) if eap else {})))
        self._stop("T3560", "T3550")
        self.ausf.abandon(self.supi)
        self._auth = None
        self._partial = None
        self._smc_pending = False
        self._registration = None
        self.ngksi = None
        self._k_amf = None
        self._fire("authentication_rejected")

    def _reject_registration(self, now: float) -> None:
        """REGISTRATION REJECT (TS 24.501 5.5.1.2.5) once RES* is verified — as a core
        does when the subscription forbids 5GS after authentication; with #3/#6/#7 the
        UE's USIM becomes invalid for 5GS. The AUSF/AAnF have already moved to the new
        KAUSF (the UE never takes it into use)."""
        cause, self._reject_registration_cause = self._reject_registration_cause, None
        self._send(nas("registration_reject", cause=cause))
        self._registration = None
        self.ngksi = None
        self._k_amf = None
        self._fire("registration_rejected")

    # -- security mode control (TS 24.501 5.4.2) ---------------------------------------

    def _start_security_mode_control(self, now: float, eap: bytes | None = None) -> None:
        """SECURITY MODE COMMAND naming the partial context (TS 24.501 5.4.2.2), with the
        EAP-Success of an EAP-AKA' run when given."""
        assert self._partial is not None  # authentication succeeded just before
        sec_cap = self.config.replayed_ue_sec_cap
        if self._sec_cap_mismatch_next:
            # Simulation fault: replay a capability the UE does not have (it answers #23).
            self._sec_cap_mismatch_next = False
            sec_cap = bytes(b ^ 0xFF for b in (sec_cap or b"\xf0\xf0"))
        nia = self.config.nia
        if self._nia0_next:
            # Simulation fault: select 5G-IA0 (the UE answers #24, TS 24.501 5.4.2.3).
            self._nia0_next = False
            nia = 0
        command = nas(
            "security_mode_command",
            ngksi=self._partial.ngksi,
            nea=self.config.nea,
            nia=nia,
            abba=b"\x00\x00",
            replayed_ue_sec_cap=sec_cap,
            **(eap_fields(eap) if eap else {}),
        )
        self._smc_pending = True
        self._smc_ctx = NasSecurityContext(self._partial.ngksi, self._partial.k_amf,
                                           nea=self.config.nea, nia=nia)
        self._send_guarded("T3560", self.config.t3560, command, now)

    def _on_security_mode_complete(self, msg: NasMessage, now: float) -> None:
        """SECURITY MODE COMPLETE (TS 24.501 5.4.2.4): the new context is in use."""
        if not self._smc_pending:
            self._note("security mode complete without a command ignored")
            return
        self._stop("T3560")
        self._smc_pending = False
        assert self._partial is not None  # a command was sent for it
        self.ngksi, self._k_amf = self._partial.ngksi, self._partial.k_amf
        self._ctx, self._smc_ctx = self._smc_ctx, None
        self._partial = None
        if self._registration is not None:
            self._send_registration_accept(now)
        else:
            self._fire("common_procedure_completed")

    def _on_security_mode_reject(self, msg: NasMessage, now: float) -> None:
        """SECURITY MODE REJECT (TS 24.501 5.4.2.5): abort what triggered the SMC; both
        sides keep the context in use before it (the AUSF/AAnF have already moved on:
        window W2)."""
        if not self._smc_pending:
            self._note("security mode reject without a command ignored")
            return
        self._note("security mode rejected", cause=msg.get("cause"))
        self._abort_common_procedures()

    def _abort_common_procedures(self) -> None:
        self._stop("T3560")
        if self._auth is not None:
            self.ausf.abandon(self.supi)
        self._auth = None
        self._partial = None
        self._smc_ctx = None
        self._smc_pending = False
        if self.state is AmfState.COMMON_PROCEDURE_INITIATED:
            if self._registration is not None:
                back = self._state_before
            else:
                back = A.REGISTERED if self.has_security_context else A.DEREGISTERED
            self._fire("aborted_to_registered" if back is A.REGISTERED
                       else "aborted_to_deregistered")
        self._registration = None

    # -- network-triggered procedures ---------------------------------------------------

    def reauthenticate(self, now: float) -> bool:
        """Network-initiated primary authentication of a registered UE (TS 33.501 6.1.3,
        TS 24.501 5.4.1.1). False (with a note) when the UE is not registered or a
        procedure is running."""
        if self.state is not AmfState.REGISTERED or self._busy():
            self._note("re-authentication not started", state=self.state.value)
            return False
        self._state_before = AmfState.REGISTERED
        self._start_authentication(now)
        return True

    def deregister(
        self, now: float, cause: int | None = None, re_registration_required: bool = False
    ) -> bool:
        """Network-initiated deregistration (TS 24.501 5.5.2.3.1) under T3522, with an
        optional 5GMM cause; #3/#6/#7 without re-registration make the UE's USIM invalid
        for 5GS (5.5.2.3.2)."""
        if self.state in (AmfState.DEREGISTERED, AmfState.DEREGISTERED_INITIATED):
            self._note("deregistration not started", state=self.state.value)
            return False
        self._abort_common_procedures()
        self._stop("T3550")
        self._registration = None
        self._fire("deregistration_started")
        # Without a cause the request stays as plain as before (no optional fields).
        explicit = cause is not None or re_registration_required
        request = nas("deregistration_request", cause=cause,
                      re_registration_required=re_registration_required if explicit else None)
        self._send_guarded("T3522", self.config.t3522, request, now)
        return True

    def _on_deregistration_request(self, msg: NasMessage, now: float) -> None:
        """UE-initiated deregistration (TS 24.501 5.5.2.2.2): DEREGISTRATION ACCEPT unless
        it is a switch-off; a collision with a network-initiated one completes both
        (5.5.2.3.5)."""
        self._abort_common_procedures()
        self._stop("T3550", "T3522")
        self._registration = None
        if not msg.get("switch_off", False):
            self._send(nas("deregistration_accept"))
        self._fire("ue_deregistered")

    def _on_deregistration_accept(self, msg: NasMessage, now: float) -> None:
        if self.state is not AmfState.DEREGISTERED_INITIATED:
            self._note("deregistration accept without a request ignored")
            return
        self._stop("T3522")
        self._fire("deregistration_completed")

    def _on_status(self, msg: NasMessage, now: float) -> None:
        self._note("5GMM STATUS received", cause=msg.get("cause"))

    def _on_identity_response(self, msg: NasMessage, now: float) -> None:
        self._note("identity response received")

    # -- simulation-only faults ---------------------------------------------------------

    def reuse_ngksi_next(self) -> None:
        """The next authentication names the ngKSI already in use (the UE answers #71)."""
        self._reuse_ngksi_next = True

    def sec_cap_mismatch_next(self) -> None:
        """The next SECURITY MODE COMMAND replays a wrong UE security capability."""
        self._sec_cap_mismatch_next = True

    def nia0_next(self) -> None:
        """The next SECURITY MODE COMMAND selects 5G-IA0 (the UE rejects it, #24)."""
        self._nia0_next = True

    # -- service request (TS 24.501 5.6.1) and configuration update (5.4.4) ---------------

    def _on_service_request(self, msg: NasMessage, now: float) -> None:
        """SERVICE REQUEST (5.6.1.4): from a registered UE naming the context in use,
        SERVICE ACCEPT; from a UE this AMF holds no registration for, SERVICE REJECT #10
        "implicitly de-registered" (5.6.1.5); a UE naming another ngKSI is authenticated
        again first (5.6.1.3 lets the AMF run the common procedures) — here, simply
        rejected with #9 so the UE registers anew."""
        if self.state is not AmfState.REGISTERED:
            self._send(nas("service_reject", cause=CAUSE_IMPLICITLY_DEREGISTERED))
        elif msg.get("ngksi", NGKSI_NO_KEY) != self.ngksi:
            self._send(nas("service_reject", cause=CAUSE_UE_IDENTITY_NOT_DERIVED))
        else:
            self._send(nas("service_accept"))

    def _on_configuration_update_complete(self, msg: NasMessage, now: float) -> None:
        self._note("configuration update complete")

    def reject_next_registration(self, cause: int) -> None:
        """The next registration that runs 5G AKA is rejected with ``cause`` once RES* is
        verified (not modelled for EAP-AKA', where the reject would carry EAP-Success)."""
        self._reject_registration_cause = cause


_HANDLERS = {
    "registration_request": Amf._on_registration_request,
    "registration_complete": Amf._on_registration_complete,
    "authentication_response": Amf._on_authentication_response,
    "authentication_failure": Amf._on_authentication_failure,
    "security_mode_complete": Amf._on_security_mode_complete,
    "security_mode_reject": Amf._on_security_mode_reject,
    "deregistration_request": Amf._on_deregistration_request,
    "deregistration_accept": Amf._on_deregistration_accept,
    "status": Amf._on_status,
    "identity_response": Amf._on_identity_response,
    "service_request": Amf._on_service_request,
    "configuration_update_complete": Amf._on_configuration_update_complete,
}

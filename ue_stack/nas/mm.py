"""The UE's 5GMM layer (TS 24.501) as a synchronous sans-I/O core.

Inputs are method calls that carry the model time ``now``; outputs are queued in
``outbox`` in causal order (``SendN1``, AKMA confirms/rejects, ``StateChanged``,
``KausfChanged``, ``UsimChanged``, ``Note``). No asyncio, no clock, no logging here.

``Nas`` is assembled from one module per procedure around ``core.MmCore`` (UERANSIM's
``src/ue/nas/mm/`` split): ``registration`` (5.5.1), ``authentication`` (5.4.1.3 5G AKA;
``eap_aka_prime`` 5.4.1.2), ``security_mode`` (5.4.2), ``identification`` (5.4.3),
``deregistration`` (5.5.2), ``service_request`` (5.6.1). Each module says which downlink
messages and timers it handles; this one routes them, and keeps the inputs that belong
to no single procedure: switch on/off, the USIM, lower-layer failure, AKMA requests.

The state machine is ``transitions.Machine`` over ``states.MmState`` with the one table
``states.TRANSITIONS``; ``MmCore._fire`` is the only place that runs it and the only place
that turns ``MachineError`` into a protocol error: ``RemoteProtocolError`` (#98) for
network input — answered with 5GMM STATUS inside ``handle_n1``, which never raises for a
network message (docs/invariants.md) — and ``LocalProtocolError`` for an illegal local request.

Cells, TAIs, forbidden lists and emergency registration are not modelled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import LocalProtocolError, RemoteProtocolError
from ..events import Discarded, KausfChanged, UsimChanged
from ..primitives import (
    KAUSF_UNAVAILABLE,
    PROCEDURE_ABORTED,
    ObtainAkmaKeyReject,
    ObtainAkmaKeyRequest,
)
from . import (
    authentication,
    configuration_update,
    deregistration,
    identification,
    registration,
    security_mode,
    service_request,
)
from .authentication import Authentication
from .configuration_update import ConfigurationUpdate
from .core import DEFAULT_TIMERS, LAYER, NasConfig, nas_input
from .deregistration import Deregistration
from .identification import Identification
from .messages import NasMessage, nas
from .registration import Registration
from .security_mode import SecurityModeControl
from .service_request import ServiceRequest
from .states import REGISTERED, MmState, UpdateStatus
from .usim import Usim

__all__ = ["DEFAULT_TIMERS", "LAYER", "Nas", "NasConfig", "S"]

S = MmState
# A procedure is in progress in these states: a release is its lower-layer failure
IN_PROGRESS = frozenset({S.REGISTERED_INITIATED, S.DEREGISTERED_INITIATED,
                         S.SERVICE_REQUEST_INITIATED})

PROCEDURES = (
    registration,
    authentication,
    security_mode,
    identification,
    deregistration,
    service_request,
    configuration_update,
)


def _merged(table: str) -> dict[str, Any]:
    """One routing table from every procedure module's own (``DL_HANDLERS``,
    ``TIMER_HANDLERS``); a message or timer handled by two procedures is a mistake caught
    at import."""
    merged: dict[str, Any] = {}
    for procedure in PROCEDURES:
        for name, handler in getattr(procedure, table, {}).items():
            if name in merged:
                raise AssertionError(f"{name} is handled by two procedures")
            merged[name] = handler
    return merged


class Nas(Registration, Authentication, SecurityModeControl, Identification, Deregistration,
          ServiceRequest, ConfigurationUpdate):
    """The 5GMM core of one UE."""

    @nas_input
    def handle_timer(self, now: float) -> None:
        """Fire every timer due at ``now``, earliest first."""
        for name in self.timers.expired(now):
            self._note(f"{name} expired")
            self._TIMER_HANDLERS[name](self, now)

    # -- switch on/off and the USIM (TS 24.501 5.2.2, 5.5.2.2.1; TS 33.501 6.2.2.2) ----

    @nas_input
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

    @nas_input
    def power_off(self, now: float) -> None:
        """Switch off without signalling. The valid KAUSF stays in the USIM's store and
        the current context is kept; the pending KAUSF and partial context are volatile
        (TS 33.501 6.2.2.2). Deferred AKMA requests are answered from that KAUSF."""
        self._fire("switch_off", remote=False)
        self._switch_off_sent = False
        self.timers.clear()
        self._suspended.clear()
        self._auth_failures = 0
        self._drop_partial("switch-off")
        if self.usim is not None and not self.usim.valid:
            # The USIM is invalid only "until switching off" (5.4.1.3.5).
            self.usim.valid = True
            self.outbox.put(UsimChanged("valid"))

    @nas_input
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

    @nas_input
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
        self.contexts.restore(usim.stored_ngksi, usim.stored)
        if usim.stored is not None:
            self.guti = usim.stored.guti
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
            # The KAUSF of ``ue.stored``, first announced: held from before the run
            usim = self.usim
            stored = (announced is None and usim is not None and usim.stored is not None
                      and usim.kausf is usim.stored.kausf)
            self.outbox.put(KausfChanged("stored" if stored else "valid", current))
        self._announced_kausf_fp = current

    @nas_input
    def lower_layer_failure(self, now: float) -> None:
        """The N1 signalling connection is released: an ongoing registration ends
        abnormally (5.5.1.2.7, 5.5.1.3.7), an ongoing deregistration is completed
        locally (5.5.2.2.6), an ongoing service request is abandoned (5.6.1.7); otherwise
        only the connection goes."""
        state = self.state
        self.boundary.released()
        self._switch_off_sent = False  # the connection it was sent on is gone
        if state is S.REGISTERED_INITIATED:
            self._note("N1 signalling connection released", reason="lower layer failure")
            self._registration_failed(now, "lower layer failure", remote=False)
        elif state is S.DEREGISTERED_INITIATED:
            self._fire("deregistration_aborted", remote=False)
            self.timers.stop("T3521")
        elif state is S.SERVICE_REQUEST_INITIATED:  # 5.6.1.7: abort, back to REGISTERED
            self._service_request_aborted("lower layer failure", remote=False)
        else:
            self._fire("n1_released", remote=False)
            self._note("N1 signalling connection released", reason="lower layer failure")

    @nas_input
    def release(self, now: float) -> None:
        """The N1 signalling connection is released (NGAP UE context release): 5GMM-IDLE
        (5.3.1.3). With a procedure in progress this is its lower-layer failure. A
        registered UE starts T3512 with the last value REGISTRATION ACCEPT gave (10.2; 0
        deactivates it)."""
        if self.state in IN_PROGRESS:
            self.lower_layer_failure(now)
            return
        self.boundary.released()
        self._switch_off_sent = False
        self._fire("n1_released", remote=False)
        self._note("N1 signalling connection released: 5GMM-IDLE")
        if self.state in REGISTERED and self._t3512_value > 0:
            self.timers.start("T3512", now, self._t3512_value)

    @nas_input
    def plmn_change(self, now: float, mcc: str, mnc: str) -> None:
        """The serving network changes (``plmn_change``, docs/trace-format.md): RES*, KAUSF and
        KSEAF of later authentications use the new serving network name (TS 33.501
        6.1.1.4). Registering there is a separate input (``mobility_update`` or
        ``register``), as the UE's PLMN selection is not modelled."""
        self.config.snn = f"5G:mnc{int(mnc):03d}.mcc{mcc}.3gppnetwork.org"
        self._note("serving network changed", snn=self.config.snn)

    # -- other downlink messages -------------------------------------------------------

    def _on_status(self, message: NasMessage, now: float) -> None:
        # 5GMM STATUS: no state change, no specific action (TS 24.501 5.4.6.3).
        self._note("5GMM STATUS received", cause=message.get("cause"))

    def _on_ciphered(self, message: NasMessage, now: float) -> None:
        self._note("ciphered message skipped", note=message.get("note"))

    # -- the network boundary ------------------------------------------------------

    @nas_input
    def handle_n1(self, message: NasMessage, now: float) -> None:
        """Every downlink NAS message. Never raises for network input: a message illegal
        in this state is answered with 5GMM STATUS (#98, or #96 for a malformed mandatory
        IE) and noted (TS 24.501 7; docs/invariants.md)."""
        state = self._machine_state
        if state is S.NULL:
            self._note("downlink message while switched off: no N1 connection", msg=message.msg)
            return
        if self._switch_off_sent:
            # Not listening at all (5.5.2.2.6): before the protection boundary, so an
            # ignored message moves no NAS COUNT either
            self._note("downlink ignored: switch-off deregistration sent", msg=message.msg,
                       clause=deregistration.AFTER_SWITCH_OFF)
            return
        # The one protection boundary: TS 24.501 4.4.4.2 and 4.4.3.1 (nas/protection.py)
        discard = self.boundary.admit(message, state.value, self.contexts)
        if discard is not None:
            self.outbox.put(Discarded(message.msg, discard.reason, discard.clause))
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

    @nas_input
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

    def end_of_run(self, now: float) -> None:
        """The run ends: AKMA requests still deferred are rejected (procedure_aborted), so
        every request is answered (docs/trace-format.md)."""
        self._deferring = False
        waiting, self._deferred = self._deferred, []
        for request in waiting:
            self.outbox.put(ObtainAkmaKeyReject(request.app, request.corr, PROCEDURE_ABORTED))

    _DL_HANDLERS: dict[str, Callable[[Nas, NasMessage, float], None]] = {
        **_merged("DL_HANDLERS"),
        "status": _on_status,
        "ciphered": _on_ciphered,
    }
    _TIMER_HANDLERS: dict[str, Callable[[Nas, float], None]] = _merged("TIMER_HANDLERS")

"""5GMM states, the 5GS update status, and THE transition table of the UE's 5GMM state
machine (TS 24.501 5.1.3.2). Everything that can move the state lives in ``TRANSITIONS``;
the procedure modules (``registration``, ``authentication``, ... assembled in ``mm.Nas``)
only decide *which* trigger an input fires and what it sends.

A transition whose destination is ``None`` is internal: the input is legal in those states
and leaves the state as it is (e.g. AUTHENTICATION REQUEST "in any state with an N1
connection"). An input fired in a state the table does not list is illegal;
``core.MmCore._fire`` turns that into a protocol error carrying 5GMM cause #98 in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any


class MmState(Enum):
    """UE 5GMM states and substates, valued with their TS 24.501 5.1.3.2.1 spelling."""

    NULL = "5GMM-NULL"
    DEREGISTERED_NORMAL_SERVICE = "5GMM-DEREGISTERED.NORMAL-SERVICE"
    DEREGISTERED_LIMITED_SERVICE = "5GMM-DEREGISTERED.LIMITED-SERVICE"
    DEREGISTERED_ATTEMPTING_REGISTRATION = "5GMM-DEREGISTERED.ATTEMPTING-REGISTRATION"
    DEREGISTERED_PLMN_SEARCH = "5GMM-DEREGISTERED.PLMN-SEARCH"
    DEREGISTERED_NO_SUPI = "5GMM-DEREGISTERED.NO-SUPI"
    REGISTERED_INITIATED = "5GMM-REGISTERED-INITIATED"
    REGISTERED_NORMAL_SERVICE = "5GMM-REGISTERED.NORMAL-SERVICE"
    REGISTERED_LIMITED_SERVICE = "5GMM-REGISTERED.LIMITED-SERVICE"
    REGISTERED_ATTEMPTING_REGISTRATION_UPDATE = "5GMM-REGISTERED.ATTEMPTING-REGISTRATION-UPDATE"
    REGISTERED_PLMN_SEARCH = "5GMM-REGISTERED.PLMN-SEARCH"
    DEREGISTERED_INITIATED = "5GMM-DEREGISTERED-INITIATED"
    SERVICE_REQUEST_INITIATED = "5GMM-SERVICE-REQUEST-INITIATED"


class UpdateStatus(Enum):
    """5GS update status (TS 24.501 5.1.3.2.2)."""

    UPDATED = "5U1"
    NOT_UPDATED = "5U2"
    ROAMING_NOT_ALLOWED = "5U3"


S = MmState

DEREGISTERED = frozenset(s for s in MmState if s.value.startswith("5GMM-DEREGISTERED."))
REGISTERED = frozenset(s for s in MmState if s.value.startswith("5GMM-REGISTERED."))
POWERED = frozenset(MmState) - {S.NULL}
# States in which a downlink 5GMM message can be acted on: switched on and holding a
# USIM that is present and valid (NO-SUPI has no subscriber to authenticate).
WITH_N1 = POWERED - {S.DEREGISTERED_NO_SUPI}
# Where an initial registration may start (5.5.1.2.2): a USIM, no registration ongoing.
INITIAL_REGISTRATION_FROM = (
    S.DEREGISTERED_NORMAL_SERVICE,
    S.DEREGISTERED_LIMITED_SERVICE,
    S.DEREGISTERED_ATTEMPTING_REGISTRATION,
    S.DEREGISTERED_PLMN_SEARCH,
)
# Mobility and periodic registration update (5.5.1.3.2) start from 5GMM-REGISTERED.
REGISTRATION_UPDATE_FROM = tuple(sorted(REGISTERED, key=lambda s: s.value))
# A network-initiated deregistration (5.5.2.3) reaches a UE that is, or is becoming,
# registered; in DEREGISTERED-INITIATED it is the collision case of 5.5.2.2.6.
NETWORK_DEREGISTRATION_FROM = (
    *REGISTRATION_UPDATE_FROM,
    S.REGISTERED_INITIATED,
    S.DEREGISTERED_INITIATED,
    S.SERVICE_REQUEST_INITIATED,
)


# A CONFIGURATION UPDATE COMMAND reaches a registered UE, or one whose registration or
# service request is in progress (5.4.4.1).
CONFIGURATION_UPDATE_IN = (*REGISTRATION_UPDATE_FROM, S.REGISTERED_INITIATED,
                           S.SERVICE_REQUEST_INITIATED)


def _all(states: Iterable[MmState]) -> list[MmState]:
    return sorted(states, key=lambda s: s.value)


# fmt: off
# [trigger, source state(s), destination (None: internal, the state stays)]
TRANSITIONS: list[list[Any]] = [
    # -- switch on / off, USIM (TS 24.501 5.2.2.1, 5.2.2.2, 5.5.2.2.1) ------------------
    ["switch_on",                      S.NULL,                      S.DEREGISTERED_PLMN_SEARCH],
    ["switch_on_without_usim",         S.NULL,                      S.DEREGISTERED_NO_SUPI],
    ["cell_selected",                  S.DEREGISTERED_PLMN_SEARCH,  S.DEREGISTERED_NORMAL_SERVICE],
    ["switch_off",                     _all(POWERED),               S.NULL],
    ["usim_removed",                   _all(POWERED),               S.DEREGISTERED_NO_SUPI],
    ["usim_inserted",                  S.DEREGISTERED_NO_SUPI,      S.DEREGISTERED_PLMN_SEARCH],
    ["n1_released",                    _all(POWERED),               None],
    # -- registration: initial (5.5.1.2), mobility and periodic update (5.5.1.3) ------
    ["initial_registration_started",   INITIAL_REGISTRATION_FROM,   S.REGISTERED_INITIATED],
    ["registration_update_started",    REGISTRATION_UPDATE_FROM,    S.REGISTERED_INITIATED],
    ["registration_accepted",          S.REGISTERED_INITIATED,      S.REGISTERED_NORMAL_SERVICE],
    # REGISTRATION REJECT: one trigger per state a cause row ends in (registration.py
    # INITIAL_REJECT / UPDATE_REJECT say which cause goes where)
    ["registration_rejected_no_supi",  S.REGISTERED_INITIATED,      S.DEREGISTERED_NO_SUPI],
    ["registration_rejected_limited",  S.REGISTERED_INITIATED,      S.DEREGISTERED_LIMITED_SERVICE],
    ["registration_rejected_plmn_search", S.REGISTERED_INITIATED,   S.DEREGISTERED_PLMN_SEARCH],
    ["registration_rejected_attempting", S.REGISTERED_INITIATED,
                                       S.DEREGISTERED_ATTEMPTING_REGISTRATION],
    ["registration_rejected_normal",   S.REGISTERED_INITIATED,      S.DEREGISTERED_NORMAL_SERVICE],
    ["update_rejected_in_this_area",   S.REGISTERED_INITIATED,      S.REGISTERED_LIMITED_SERVICE],
    ["update_rejected_plmn_search",    S.REGISTERED_INITIATED,      S.REGISTERED_PLMN_SEARCH],
    ["update_rejected_attempting",     S.REGISTERED_INITIATED,
                                       S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE],
    ["initial_registration_failed",    S.REGISTERED_INITIATED,
                                       S.DEREGISTERED_ATTEMPTING_REGISTRATION],
    ["registration_update_failed",     S.REGISTERED_INITIATED,
                                       S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE],
    # a failed update with the counter below 5 in a TA of the list, 5U1 kept (5.5.1.3.7)
    ["registration_update_failed_in_list", S.REGISTERED_INITIATED,  S.REGISTERED_NORMAL_SERVICE],
    # -- 5G AKA (5.4.1.3), security mode control (5.4.2), identification (5.4.3) -------
    ["authentication_request",         _all(WITH_N1),               None],
    ["authentication_rejected",        _all(WITH_N1),               S.DEREGISTERED_NO_SUPI],
    ["authentication_result",          _all(WITH_N1),               None],
    ["security_mode_command",          _all(WITH_N1),               None],
    ["identity_request",               _all(WITH_N1),               None],
    ["t3516_expired",                  _all(POWERED),               None],
    ["authentication_check_failed",    _all(POWERED),               None],
    # -- deregistration: UE-initiated (5.5.2.2), network-initiated (5.5.2.3) ----------
    ["deregistration_started",         REGISTRATION_UPDATE_FROM,    S.DEREGISTERED_INITIATED],
    ["switch_off_deregistration",      REGISTRATION_UPDATE_FROM,    S.DEREGISTERED_NORMAL_SERVICE],
    ["deregistration_accepted",        S.DEREGISTERED_INITIATED,    S.DEREGISTERED_NORMAL_SERVICE],
    ["deregistration_aborted",         S.DEREGISTERED_INITIATED,    S.DEREGISTERED_NORMAL_SERVICE],
    # network DEREGISTRATION REQUEST: one trigger per state a row of deregistration.py
    # NETWORK_DEREGISTRATION ends in
    ["network_deregistration",         NETWORK_DEREGISTRATION_FROM, S.DEREGISTERED_NORMAL_SERVICE],
    ["network_deregistration_no_supi", NETWORK_DEREGISTRATION_FROM, S.DEREGISTERED_NO_SUPI],
    ["network_deregistration_limited", NETWORK_DEREGISTRATION_FROM, S.DEREGISTERED_LIMITED_SERVICE],
    ["network_deregistration_plmn_search", NETWORK_DEREGISTRATION_FROM,
                                       S.DEREGISTERED_PLMN_SEARCH],
    ["network_deregistration_attempting", NETWORK_DEREGISTRATION_FROM,
                                       S.DEREGISTERED_ATTEMPTING_REGISTRATION],
    # 5.5.1.3.7 g: during a mobility or periodic update, a DEREGISTRATION REQUEST with
    # #11/#12/#13/#15/#36/#62/#74/#75/#78 is ignored and the update progressed
    ["network_deregistration_ignored", S.REGISTERED_INITIATED,      None],
    # -- service request (5.6.1): the `ue service_request` op (docs/trace-format.md); SERVICE
    #    ACCEPT/REJECT and T3517 end it. ``service_request_failed`` is fired by nothing: it
    #    is listed so NAS-2 accepts logs of UEs that go there.
    ["service_request_started",        S.REGISTERED_NORMAL_SERVICE, S.SERVICE_REQUEST_INITIATED],
    ["service_request_completed",      S.SERVICE_REQUEST_INITIATED, S.REGISTERED_NORMAL_SERVICE],
    ["service_request_failed",         S.SERVICE_REQUEST_INITIATED,
                                       S.REGISTERED_ATTEMPTING_REGISTRATION_UPDATE],
    # abnormal end (5.6.1.7: T3517 expiry, lower-layer failure, a cause no row lists)
    ["service_request_aborted",        S.SERVICE_REQUEST_INITIATED, S.REGISTERED_NORMAL_SERVICE],
    # SERVICE REJECT: one trigger per state a row of service_request.SERVICE_REJECT ends in
    ["service_rejected_no_supi",       S.SERVICE_REQUEST_INITIATED, S.DEREGISTERED_NO_SUPI],
    ["service_rejected_deregistered",  S.SERVICE_REQUEST_INITIATED, S.DEREGISTERED_NORMAL_SERVICE],
    ["service_rejected_plmn_search",   S.SERVICE_REQUEST_INITIATED, S.DEREGISTERED_PLMN_SEARCH],
    ["service_rejected_limited",       S.SERVICE_REQUEST_INITIATED, S.DEREGISTERED_LIMITED_SERVICE],
    ["service_rejected_registered_plmn_search", S.SERVICE_REQUEST_INITIATED,
                                       S.REGISTERED_PLMN_SEARCH],
    ["service_rejected_registered_limited", S.SERVICE_REQUEST_INITIATED,
                                       S.REGISTERED_LIMITED_SERVICE],
    ["service_rejected_congestion",    S.SERVICE_REQUEST_INITIATED, S.REGISTERED_NORMAL_SERVICE],
    # -- generic UE configuration update (5.4.4) --------------------------------------
    ["configuration_update_command",   CONFIGURATION_UPDATE_IN,     None],
]
# fmt: on


# Triggers that end a primary authentication as far as AKMA is concerned (docs/behaviour.md W1,
# TS 24.501 4.21): an AKMA request deferred since AUTHENTICATION RESPONSE is answered
# once the input that fired one of them is complete, i.e. after every KAUSF/USIM status
# change that input makes ("order within one input"). ``core.MmCore._fire`` marks them
# and ``core.nas_input`` answers; no handler ends a deferral by hand.
ENDS_AKMA_DEFERRAL: frozenset[str] = frozenset({
    "switch_off",                       # power-off: KAUSF survives (TS 33.501 6.2.2.2)
    "usim_removed",                     # the KAUSF goes with the USIM
    "n1_released",                      # lower-layer failure
    "registration_accepted",
    "registration_rejected_no_supi",    # #3/#6/#7: USIM invalid first (5.5.1.2.5)
    "registration_rejected_limited",
    "registration_rejected_plmn_search",
    "registration_rejected_attempting",
    "registration_rejected_normal",
    "update_rejected_in_this_area",
    "update_rejected_plmn_search",
    "update_rejected_attempting",
    "initial_registration_failed",
    "registration_update_failed",
    "registration_update_failed_in_list",
    "authentication_rejected",          # USIM invalid first (5.4.1.3.5)
    "security_mode_command",            # accepted (new KAUSF valid) or rejected (5.4.2)
    "authentication_result",            # EAP-Success (KAUSF valid) or EAP-Failure (5.4.1.2)
    "t3516_expired",                    # RAND/RES* deleted (5.4.1.3.2)
    "authentication_check_failed",      # T3520 expiry or 3 failures (5.4.1.3.7)
    "switch_off_deregistration",
    "deregistration_accepted",
    "deregistration_aborted",
    "network_deregistration",
    "network_deregistration_no_supi",   # #3/#6/#7: USIM invalid first (5.5.2.3.2)
    "service_request_completed",        # SERVICE ACCEPT/REJECT, T3517 (5.6.1)
    "service_request_failed",
    "service_request_aborted",
    "service_rejected_no_supi",
    "service_rejected_deregistered",
    "service_rejected_plmn_search",
    "service_rejected_limited",
    "service_rejected_registered_plmn_search",
    "service_rejected_registered_limited",
    "service_rejected_congestion",
    "network_deregistration_limited",
    "network_deregistration_plmn_search",
    "network_deregistration_attempting",
})


def _sources(source: Any) -> tuple[MmState, ...]:
    """A table row's source: one state or a list/tuple/frozenset of them."""
    return tuple(source) if isinstance(source, list | tuple | frozenset) else (source,)


# Triggers that never move the state, with the states where they are legal: MmCore checks
# these without running the Machine (hot path), and only an illegal one goes through it.
INTERNAL_SOURCES: dict[str, frozenset[MmState]] = {
    trigger: frozenset(_sources(source)) for trigger, source, dest in TRANSITIONS if dest is None
}

# (from, to) in TS 24.501 spelling for every state move the table permits; the invariant
# checker's NAS-2 reads this. Internal and reflexive transitions emit no state change.
ALLOWED_STATE_CHANGES: frozenset[tuple[str, str]] = frozenset(
    (src.value, dest.value)
    for _trigger, source, dest in TRANSITIONS
    if dest is not None
    for src in _sources(source)
    if src is not dest
)

"""What each key of a scenario file may hold: the value checks (value in, typed value or a
``ValueError`` with a message for people out) and the tables of ops and keys the parser
checks against (``OPS``; ``schema`` makes the JSON Schema from the same tables)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..limits import MAX_COUNT, digits, seconds, whole
from ..nas.messages import MESSAGES, SERVICE_TYPES
from ..network.udm import AV_FAULTS
from .model import APP_MODES, AUTH_METHODS

# -- field validators: value -> typed value, or ValueError with a message for people ----


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise ValueError("must be a non-empty string")
    return v


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


def _count(v: Any) -> int:
    return whole(v, 1, MAX_COUNT)


def _nonneg_int(v: Any) -> int:
    return whole(v, 0, MAX_COUNT)


def _seed(v: Any) -> int:
    return whole(v, 0, 2**64 - 1)


def _period(v: Any) -> float:
    t = seconds(v)
    if t < 1:
        raise ValueError(f"must be at least 1 second, got {t:g}")
    return t


def _fqdns(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
        raise ValueError("must be a list of AF FQDNs (non-empty strings)")
    return tuple(v)


def _algorithm(v: Any) -> int:
    return whole(v, 0, 7)  # 5G-EA / 5G-IA identifiers (TS 24.501 9.11.3.34)


def _cause(v: Any) -> int:
    return whole(v, 0, 255)  # 5GMM cause (TS 24.501 9.11.3.2)


def _hex(size: int | None) -> Callable[[Any], bytes]:
    def check(v: Any) -> bytes:
        # The value is never echoed: hex fields include K, OPc and OP.
        if not isinstance(v, str):
            raise ValueError("must be a hex string")
        try:
            raw = bytes.fromhex(v)
        except ValueError:
            raise ValueError("not a hex string (digits 0-9, a-f, even length)") from None
        if size is not None and len(raw) != size:
            raise ValueError(f"must be {size} octets ({2 * size} hex digits), got {len(raw)}")
        return raw

    return check


def _enum(*values: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str) or v not in values:
            raise ValueError(f"must be one of {', '.join(values)}; got {_shown(v)}")
        return v

    return check


def _digits(*lengths: int) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not (isinstance(v, str) and digits(v) and len(v) in lengths):
            raise ValueError(f"must be a string of {' or '.join(map(str, lengths))} digits")
        return v

    return check


def _msg(v: Any) -> str:
    if not isinstance(v, str) or v not in MESSAGES:
        raise ValueError(f"unknown NAS message {_shown(v)}")
    return v


def _shown(v: Any) -> str:
    """A value in an error message: a short string as written, else only its type (a
    table or array as a whole would make the one error line unreadable)."""
    if isinstance(v, str) and len(v) <= 40:
        return repr(v)
    kinds: dict[type, str] = {dict: "a table", list: "an array"}
    return kinds.get(type(v), f"a {type(v).__name__}")


_UE_OBJ = "ue-object"  # marker: a nested [ue]-like table
_Spec = dict[str, tuple[Callable[[Any], Any] | str, bool]]  # field -> (validator, required)

OPS: dict[str, dict[str, _Spec]] = {
    "app": {
        "kaf_request": {
            "app": (_str, True), "af_fqdn": (_str, True), "ua_id": (_hex(5), True),
            "expect": (_enum("ok", "rejected"), False),
        },
    },
    "ue": {
        "power_on": {},
        "power_off": {},
        "usim_removed": {},
        "usim_inserted": {"ue": (_UE_OBJ, False)},
        "register": {"registration_type": (_enum("initial", "mobility", "periodic"), False)},
        "deregister": {"switch_off": (_bool, False)},
        "advance": {},
        "lower_layer_failure": {},
        "mobility_update": {},
        "periodic_update": {},
        "release": {},
        "service_request": {"service_type": (_enum(*SERVICE_TYPES), False)},
        "plmn_change": {"mcc": (_digits(3), True), "mnc": (_digits(2, 3), True)},
    },
    "net": {
        "aanf_context_remove": {},
        "reauthenticate": {},
        "drop_next": {"msg": (_msg, True), "count": (_count, False)},
        "duplicate_next": {"msg": (_msg, True), "count": (_count, False)},
        "delay_next": {"msg": (_msg, True), "seconds": (seconds, True),
                       "count": (_count, False)},
        "plain_next": {"msg": (_msg, True), "count": (_count, False)},
        "bad_mac_next": {"msg": (_msg, True), "count": (_count, False)},
        "replay_protected": {"msg": (_msg, True)},
        "deregister": {"cause": (_cause, False), "re_registration_required": (_bool, False)},
        "reuse_ngksi_next": {},
        "sec_cap_mismatch_next": {},
        "nia0_next": {},
        "reject_next_registration": {"cause": (_cause, True)},
        "corrupt_next_av": {"fault": (_enum(*AV_FAULTS), True), "count": (_count, False)},
        "aanf_service_disable": {},
        "aanf_service_enable": {},
    },
}

_NETWORK: _Spec = {
    "mcc": (_digits(3), False), "mnc": (_digits(2, 3), False), "snn": (_str, False),
    "sqn": (_hex(6), False), "akma": (_bool, False), "seed": (_seed, False),
    "replay_sec_cap": (_bool, False), "bad_mac_avs": (_nonneg_int, False),
    "separation_bit_off_avs": (_nonneg_int, False), "auth_failure_limit": (_count, False),
    "kaf_lifetime": (seconds, False),
    "auth_method": (_enum(*AUTH_METHODS), False),
    "eap_success_in": (_enum("security_mode_command", "authentication_result"), False),
    "nea": (_algorithm, False), "nia": (_algorithm, False),
    "hn_reauth_period": (_period, False), "visited_afs": (_fqdns, False),
}
_OPTIONS: _Spec = {"app_mode": (_enum(*APP_MODES), False), "akma_defer": (_bool, False),
                   "af_failure_indication": (_bool, False)}
_UE_KEYS = ("supi", "k", "opc", "op", "sqn_ms", "rid", "home_plmn", "sec_cap",
            "suci_profile", "hn_public", "hn_key_id")
_TOP_KEYS = ("name", "description", "ue", "network", "options", "expect", "step")

"""Scenarios: a timeline of UE, application and network events for ``ue-stack simulate``,
in TOML (read with ``tomllib``), and the library of built-in scenarios shipped here.

Format (every table but ``[ue]`` optional; unknown keys are errors, to catch typos)::

    name = "reauth-between-af-sessions"        # kebab-case, the --list name
    description = "one line"
    [ue]          # as a trace header's ue object (docs/trace-format.md); hex strings
    supi = "001010000000001"
    k = "<32 hex>"
    opc = "<32 hex>"           # or op = "<32 hex>"
    sqn_ms = "000000000000"    # USIM SQN state; default zero
    rid = "0"                  # routing indicator
    home_plmn = {mcc = "001", mnc = "01"}   # A-KID realm; default the serving PLMN
    sec_cap = "f0f0"           # UE security capability (the AMF replays it in SMC)
    suci_profile = "A"         # SUCI: ECIES profile "A" (default) or "B", or "null"
    hn_public = "<hex>"        # home network public key; default the Annex C.4 key of
    hn_key_id = 1              #   the profile, which the twin's UDM holds (key id 1)
    [network]     # the twin; all optional
    mcc = "001"                # serving PLMN (SNN of TS 24.501 9.12.1)
    mnc = "01"
    snn = "..."                # overrides mcc/mnc verbatim
    sqn = "000000000000"       # the UDM's SQN_HE; default the USIM's sqn_ms
    akma = true                # AKMA subscription
    seed = 0                   # RAND generator seed
    replay_sec_cap = true      # replay [ue].sec_cap in SECURITY MODE COMMAND
    bad_mac_avs = 0            # the first N AVs carry a wrong MAC-A (UE: #20)
    separation_bit_off_avs = 0 # the first N AVs have AMF separation bit 0 (UE: #26)
    auth_failure_limit = 2     # #20/#26 failures before AUTHENTICATION REJECT
    nea = 2                    # algorithms the AMF selects in SECURITY MODE COMMAND;
    nia = 2                    # nia = 0 (5G-IA0) is rejected by the UE (#24)
    kaf_lifetime = 3600.0
    auth_method = "5g-aka"     # or "eap-aka-prime" (the UDM's choice, TS 33.501 6.1.2)
    eap_success_in = "security_mode_command"   # or "authentication_result"
    hn_reauth_period = 600.0   # the home network re-authenticates on its own timer
    visited_afs = ["af.visited.example"]   # AFs in the visited network (via the NEF)
    [options]     # as a trace header's options; the command line overrides them
    app_mode = "per-kaf"       # or "legacy-cache"
    akma_defer = true
    af_failure_indication = false   # AFs answer a stale A-KID with a failure indication
    [expect."per-kaf"]         # what `simulate` should conclude, per app mode
    verdict = "pass"
    violations = []
    [[step]]                   # one per event; sorted by t (stable for equal t)
    t = 0.0
    kind = "ue"                # ue | app | net
    op = "power_on"            # + the op's fields

``ue`` and ``app`` ops and their fields are those of the trace format (docs/trace-format.md);
``usim_inserted``'s ``ue`` is an inline table or a ``[step.ue]`` table after its step.
``net`` ops: the trace's ``aanf_context_remove``, ``reauthenticate`` and ``drop_next``
(``msg``, optional ``count``), and, in simulation only, ``duplicate_next`` (``msg``,
``count``), ``delay_next`` (``msg``, ``seconds``, ``count``), the attacker's
``plain_next`` and ``bad_mac_next`` (``msg``, ``count``: the next downlinks of that name
arrive unprotected, or with a MAC that fails) and ``replay_protected`` (``msg``: the last
protected downlink of that name is sent again, its NAS COUNT already taken; TS 24.501
4.4.4.2, 4.4.3.1), ``deregister`` (network
initiated; optional ``cause`` and ``re_registration_required``, TS 24.501 5.5.2.3.2),
``reuse_ngksi_next`` (the next challenge names the ngKSI in use: #71),
``sec_cap_mismatch_next`` (the next SMC replays a wrong UE security capability: #23),
``nia0_next`` (the next SMC selects 5G-IA0: #24), ``reject_next_registration``
(``cause``: REGISTRATION REJECT once RES* is verified) and ``corrupt_next_av`` (``fault``
= ``mac`` | ``separation_bit``, ``count``), ``aanf_service_disable`` and
``aanf_service_enable`` (Release 18: AKMA service withdrawn and restored; docs/akma-rel18.md).

Errors are ``InputError`` naming the file, the line where it can be found, and the field
(``step[3].ua_id`` counts steps from 1 in file order).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..crypto import suci
from ..crypto.aka import serving_network_name
from ..crypto.milenage import compute_opc
from ..crypto.secret import Key
from ..errors import InputError, not_utf8
from ..inputs import TEXT_ENCODING, read_input
from ..keyfile import Keys
from ..limits import MAX_COUNT, MAX_DEPTH, digits, seconds, too_deep, whole
from ..nas.messages import MESSAGES, SERVICE_TYPES
from ..network.aanf import KAF_LIFETIME
from ..network.amf import AmfConfig
from ..network.twin import NetworkTwin
from ..network.udm import AV_FAULTS, Subscriber
from ..trace.schema import Plmn, UeConfig

# The built-in library, in `simulate --list` order (happy-path first).
LIBRARY = (
    "happy-path",
    "reauth-between-af-sessions",
    "w1-defer-on",
    "w1-defer-off",
    "w2-smc-lost",
    "w2-smc-rejected",
    "smc-nia0-rejected",
    "mac-failure-recovery",
    "synch-failure-resync",
    "separation-bit-zero",
    "ngksi-in-use",
    "auth-reject-akma-rejected",
    "usim-removal",
    "power-cycle-keeps-kausf",
    "aanf-context-remove",
    "eap-aka-prime-happy-path",
    "eap-aka-prime-reauth-between-af-sessions",
    "eap-aka-prime-synch-failure",
    "eap-aka-prime-failure",
    "eap-aka-prime-w1-defer-on",
    "eap-aka-prime-w1-defer-off",
)

APP_MODES = ("per-kaf", "legacy-cache")
AUTH_METHODS = ("5g-aka", "eap-aka-prime")
VERDICTS = ("pass", "fail")
INVARIANT_IDS = (
    "AKMA-1", "AKMA-2", "AKMA-3", "AKMA-4", "APP-1", "XL-1",
    "NAS-1", "NAS-2", "NAS-3", "NAS-4", "NAS-5", "SEC-1",
)
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TOML_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    """The ``[network]`` table: how the twin is provisioned and behaves."""

    mcc: str = "001"
    mnc: str = "01"
    snn: str = ""  # filled from mcc/mnc when not given
    sqn: bytes | None = None
    akma: bool = True
    seed: int = 0
    replay_sec_cap: bool = True
    bad_mac_avs: int = 0
    separation_bit_off_avs: int = 0
    auth_failure_limit: int = 2
    kaf_lifetime: float = KAF_LIFETIME
    auth_method: str = "5g-aka"
    eap_success_in: str = "security_mode_command"
    nea: int = 2
    nia: int = 2
    hn_reauth_period: float | None = None  # TS 33.501 6.1.5 timer; None: the HN never does
    visited_afs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Expect:
    verdict: str
    violations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One timeline event. ``fields`` are typed: ``ua_id`` bytes, ``ue`` a UeConfig,
    ``count`` int, ``seconds`` float, the rest as written."""

    t: float
    kind: str
    op: str
    fields: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    ue: UeConfig
    network: NetworkSpec
    options: dict[str, Any]
    expect: dict[str, Expect]
    steps: tuple[Step, ...]
    path: str = ""

    @property
    def serving_plmn(self) -> Plmn:
        return Plmn(self.network.mcc, self.network.mnc)

    @property
    def home_plmn(self) -> Plmn:
        return self.ue.home_plmn or self.serving_plmn

    def expect_for(self, app_mode: str) -> Expect | None:
        return self.expect.get(app_mode)

    def provision(self, twin: NetworkTwin, ue: UeConfig, *, av_faults: bool) -> None:
        """Give ``ue`` a subscription at the twin's UDM and an attached AMF; with
        ``av_faults``, its first AVs carry the scenario's MAC / separation-bit faults."""
        n = self.network
        home = ue.home_plmn or self.serving_plmn
        assert ue.k is not None and ue.opc is not None  # a scenario's UE has K and OPc
        twin.add_subscriber(Subscriber(
            ue.supi, ue.k, ue.opc, n.sqn if n.sqn is not None else ue.sqn_ms,
            akma=n.akma, rid=ue.rid, home_mcc=home.mcc, home_mnc=home.mnc,
            auth_method=n.auth_method,
        ))
        twin.attach(ue.supi)
        if av_faults and n.bad_mac_avs:
            twin.udm.corrupt_next(ue.supi, "mac", n.bad_mac_avs)
        if av_faults and n.separation_bit_off_avs:
            twin.udm.corrupt_next(ue.supi, "separation_bit", n.separation_bit_off_avs)

    def build_twin(self) -> NetworkTwin:
        """A network twin provisioned for this scenario: the UE's subscription (and that
        of any USIM a ``usim_inserted`` step brings), AV faults, and an attached AMF."""
        n = self.network
        twin = NetworkTwin(
            n.mcc, n.mnc, snn=n.snn, seed=n.seed, kaf_lifetime=n.kaf_lifetime,
            amf_config=AmfConfig(
                replayed_ue_sec_cap=self.ue.sec_cap if n.replay_sec_cap else None,
                auth_failure_limit=n.auth_failure_limit,
                eap_success_in=n.eap_success_in,
                nea=n.nea,
                nia=n.nia,
                protect_n1=True,
            ),
            hn_reauth_period=n.hn_reauth_period,
            visited_afs=n.visited_afs,
            af_failure_indication=bool(self.options.get("af_failure_indication", False)),
        )
        ues = [self.ue] + [s.fields["ue"] for s in self.steps if "ue" in s.fields]
        for ue in ues:
            if ue.supi not in twin.udm:
                self.provision(twin, ue, av_faults=ue is self.ue)
        return twin


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


class _Source:
    """The file being read: its name and the lines where tables and keys start, so an
    error can name a line (tomllib keeps no positions)."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.lines = text.splitlines()
        # header text -> the line numbers it stands on, in file order: the nth [[step]]
        # is found at once (scanning every header per step made 120,000 steps quadratic)
        self.headers: dict[str, list[int]] = {}
        for i, line in enumerate(self.lines, 1):
            s = line.strip()
            if s.startswith("["):
                self.headers.setdefault(s.split("#", 1)[0].strip(), []).append(i)

    def table_line(self, header: str, nth: int = 1) -> int | None:
        lines = self.headers.get(header, [])
        return lines[nth - 1] if 0 < nth <= len(lines) else None

    def key_line(self, start: int | None, key: str) -> int | None:
        """The line of ``key = ...`` in the table whose header is on line ``start`` (None:
        the top level); ``start`` itself when the key is not found."""
        pat = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        for i in range(start or 0, len(self.lines)):
            line = self.lines[i]
            if line.strip().startswith("["):
                break  # the next table begins
            if pat.match(line):
                return i + 1
        return start

    def error(self, message: str, field: str, line: int | None) -> InputError:
        return InputError(message, file=self.name, line=line, field=field)


def _check_table(
    src: _Source, table: Any, spec: _Spec, where: str, start: int | None
) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise src.error("must be a table", where, start)
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in spec:
            raise src.error(f"unknown key (expected one of {', '.join(spec)})",
                            f"{where}.{key}", src.key_line(start, key))
        check, _ = spec[key]
        assert not isinstance(check, str)  # _UE_OBJ fields are read by the caller
        try:
            out[key] = check(value)
        except ValueError as exc:
            raise src.error(str(exc), f"{where}.{key}", src.key_line(start, key)) from None
    for key, (_, required) in spec.items():
        if required and key not in out:
            raise src.error("missing", f"{where}.{key}", start)
    return out


def _ue(src: _Source, table: Any, where: str, start: int | None, keys: Keys | None = None
        ) -> UeConfig:
    """A ``[ue]`` table; without k/opc its SUPI's row of ``keys`` (``--keys FILE``) gives
    them (docs/README.md)."""
    if not isinstance(table, Mapping):
        raise src.error("must be a table", where, start)

    def get(key: str, check: Callable[[Any], Any], default: Any = None) -> Any:
        if key not in table:
            return default
        try:
            return check(table[key])
        except ValueError as exc:
            raise src.error(str(exc), f"{where}.{key}", src.key_line(start, key)) from None

    for key in table:
        if key not in _UE_KEYS:
            raise src.error(f"unknown key (expected one of {', '.join(_UE_KEYS)})",
                            f"{where}.{key}", src.key_line(start, key))
    if "supi" not in table:
        raise src.error("missing", f"{where}.supi", start)
    supi = get("supi", _digits(*range(5, 16)))
    if "k" not in table and "opc" not in table and "op" not in table and supi in (keys or {}):
        k, opc = (Key(x) for x in (keys or {})[supi])
        table = {**table, "k": k.hex(), "opc": opc.hex()}
    if "k" not in table:
        raise src.error("missing (or give --keys FILE with a row for this SUPI)",
                        f"{where}.k", start)
    if "opc" not in table and "op" not in table:
        raise src.error("missing (give opc or op)", f"{where}.opc", start)
    k = Key(get("k", _hex(16)))
    opc = get("opc", _hex(16))
    opc = Key(opc) if opc is not None else compute_opc(k, get("op", _hex(16)))
    home = None
    if "home_plmn" in table:
        h = _check_table(src, table["home_plmn"],
                         {"mcc": (_digits(3), True), "mnc": (_digits(2, 3), True)},
                         f"{where}.home_plmn", src.key_line(start, "home_plmn"))
        home = Plmn(h["mcc"], h["mnc"])
    return UeConfig(
        supi=supi, k=k, opc=opc, sqn_ms=get("sqn_ms", _hex(6), bytes(6)),
        rid=get("rid", _digits(*range(1, 5)), "0"), home_plmn=home,
        sec_cap=get("sec_cap", _hex(None)), **_concealment(get),
    )


def _suci_profile(value: Any) -> str:
    if value not in ("A", "B", "null"):
        raise ValueError(f'must be "A", "B" or "null", got {value!r}')
    return str(value)


def _key_id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 255:
        raise ValueError(f"must be an integer 0-255, got {value!r}")
    return value


def _concealment(get: Callable[..., Any]) -> dict[str, Any]:
    """How the UE conceals its SUPI (FORMATS 8.5): profile A with the Annex C.4 key by
    default, so a simulated UE sends what a real one does; ``suci_profile = "null"`` for the
    null scheme."""
    profile = get("suci_profile", _suci_profile, "A")
    if profile == "null":
        return {}
    default = bytes.fromhex(suci.ANNEX_C4_KEYS[profile][1])
    hn_public = get("hn_public", _hn_public(profile), default)
    return {"suci_profile": profile, "hn_public": hn_public,
            "hn_key_id": get("hn_key_id", _key_id, suci.ANNEX_C4_KEY_ID)}


def _hn_public(profile: str) -> Callable[[Any], bytes]:
    def check(value: Any) -> bytes:
        raw = _hex(None)(value)
        try:
            suci.conceal(suci.PROFILES[profile], raw, b"\x00", bytes(31) + b"\x01")
        except suci.SuciError as exc:
            raise ValueError(str(exc)) from None
        return bytes(raw)
    return check


def _step(src: _Source, index: int, raw: Any, keys: Keys | None = None) -> Step:
    where = f"step[{index}]"
    start = src.table_line("[[step]]", index)
    if not isinstance(raw, Mapping):
        raise src.error("must be a table", where, start)
    for key in ("t", "kind", "op"):
        if key not in raw:
            raise src.error("missing", f"{where}.{key}", start)
    try:
        t = seconds(raw["t"])  # docs/trace-format.md: step times in the bounds of a trace's t
    except ValueError as exc:
        raise src.error(str(exc), f"{where}.t", src.key_line(start, "t")) from None
    kind = raw["kind"]
    if not isinstance(kind, str) or kind not in OPS:
        raise src.error(f"must be one of {', '.join(OPS)}; got {_shown(kind)}",
                        f"{where}.kind", src.key_line(start, "kind"))
    op = raw["op"]
    spec = OPS[kind].get(op) if isinstance(op, str) else None
    if spec is None:
        raise src.error(f"unknown {kind} op {_shown(op)} (known: {', '.join(OPS[kind])})",
                        f"{where}.op", src.key_line(start, "op"))
    rest = {k: v for k, v in raw.items() if k not in ("t", "kind", "op")}
    plain = {k: v for k, v in spec.items() if v[0] != _UE_OBJ}
    fields = _check_table(
        src, {k: v for k, v in rest.items() if k not in spec or spec[k][0] != _UE_OBJ},
        plain, where, start,
    )
    if "ue" in rest and "ue" in spec:
        fields["ue"] = _ue(src, rest["ue"], f"{where}.ue", src.key_line(start, "ue"), keys)
    return Step(t, kind, op, fields, start)


def parse_scenario(text: str, name: str = "<scenario>", keys: Keys | None = None) -> Scenario:
    """Parse and validate a scenario's TOML text; ``name`` is used in error messages;
    ``keys`` (``--keys FILE``) gives the credentials a ``ue`` table leaves out."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        raise InputError(f"not valid TOML: {exc}", file=name,
                         line=int(m.group(1)) if m else None) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise InputError(f"arrays or tables nested more than {MAX_DEPTH} levels deep",
                         file=name) from None
    if too_deep(data):
        raise InputError(f"arrays or tables nested more than {MAX_DEPTH} levels deep",
                         file=name)
    src = _Source(name, text)
    for key in data:
        if key not in _TOP_KEYS:
            raise src.error(f"unknown key (expected one of {', '.join(_TOP_KEYS)})", key,
                            src.key_line(None, key) or src.table_line(f"[{key}]"))
    for key in ("name", "ue", "step"):
        if key not in data:
            raise src.error("missing", key, None)
    try:
        sname = _str(data["name"])
        if not _NAME.match(sname):
            raise ValueError(f"must be kebab-case (a-z, 0-9, -), got {sname!r}")
        description = data.get("description", "")
        if not isinstance(description, str) or "\n" in description:
            raise ValueError("description must be one line of text")
    except ValueError as exc:
        field_name = "description" if "description" in str(exc) else "name"
        raise src.error(str(exc), field_name, src.key_line(None, field_name)) from None

    ue = _ue(src, data["ue"], "ue", src.table_line("[ue]"), keys)
    net = _check_table(src, data.get("network", {}), _NETWORK, "network",
                       src.table_line("[network]"))
    mcc, mnc = net.get("mcc", "001"), net.get("mnc", "01")
    net["snn"] = net.get("snn") or serving_network_name(mcc, mnc)
    network = NetworkSpec(**net)
    options = _check_table(src, data.get("options", {}), _OPTIONS, "options",
                           src.table_line("[options]"))

    expect: dict[str, Expect] = {}
    raw_expect = data.get("expect", {})
    if not isinstance(raw_expect, Mapping):
        raise src.error("must be a table of app modes", "expect", None)
    for mode, body in raw_expect.items():
        where = f"expect.{mode}"
        start = src.table_line(f'[expect."{mode}"]') or src.table_line(f"[expect.{mode}]")
        if mode not in APP_MODES:
            raise src.error(f"unknown app mode (expected {', '.join(APP_MODES)})", where,
                            start)
        e = _check_table(src, body, {"verdict": (_enum(*VERDICTS), True),
                                     "violations": (_violations, False)}, where, start)
        violations = e.get("violations", ())
        if (e["verdict"] == "pass") != (not violations):
            raise src.error("verdict 'pass' goes with no violations, 'fail' with some",
                            f"{where}.violations", src.key_line(start, "violations"))
        expect[mode] = Expect(e["verdict"], violations)

    raw_steps = data["step"]
    if not isinstance(raw_steps, list) or not raw_steps:
        raise src.error("must be a non-empty array of [[step]] tables", "step", None)
    steps = [_step(src, i, raw, keys) for i, raw in enumerate(raw_steps, 1)]
    steps.sort(key=lambda s: s.t)  # stable: equal times keep file order
    return Scenario(sname, description, ue, network, options, expect, tuple(steps), name)


def _violations(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError("must be a list of invariant ids")
    unknown = [x for x in v if x not in INVARIANT_IDS]
    if unknown:
        raise ValueError(f"unknown invariant ids {unknown} (known: {', '.join(INVARIANT_IDS)})")
    return tuple(sorted(set(v)))


def builtin_text(name: str) -> str:
    """The TOML of a built-in scenario, as shipped (``simulate --show``)."""
    return resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def load_scenario(path_or_name: str | Path, keys: Keys | None = None) -> Scenario:
    """A scenario from a file (a path, or anything ending in ``.toml``) or a built-in by
    name. Unknown names and unusable files raise ``InputError``."""
    text_path = str(path_or_name)
    path = Path(text_path)
    if text_path.endswith(".toml") or path.is_file() or "/" in text_path:
        try:
            text = read_input(path, "scenario").decode(TEXT_ENCODING)
        except UnicodeDecodeError as exc:
            raise InputError(not_utf8(exc), file=text_path) from None
        return parse_scenario(text, text_path, keys)
    if text_path not in builtin_names():
        close = difflib.get_close_matches(text_path, builtin_names(), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise InputError(f"no built-in scenario {text_path!r} "
                         f"(see `ue-stack simulate --list`){hint}", field="SCENARIO")
    return parse_scenario(builtin_text(text_path), f"{text_path}.toml")


def builtin_names() -> list[str]:
    """Names of the built-in scenarios: LIBRARY order, then any other shipped file."""
    shipped = sorted(
        p.name[: -len(".toml")]
        for p in resources.files(__name__).iterdir()
        if p.name.endswith(".toml")
    )
    return [n for n in LIBRARY if n in shipped] + [n for n in shipped if n not in LIBRARY]


def builtin_scenarios() -> list[Scenario]:
    """Every built-in scenario, ``happy-path`` first."""
    return [load_scenario(name) for name in builtin_names()]

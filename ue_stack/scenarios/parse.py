"""Reading a scenario file: TOML by ``tomllib``, every table and key checked against
``fields``, each error one ``InputError`` naming the file, the line and the field."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from typing import Any

from ..crypto import suci
from ..crypto.aka import serving_network_name
from ..crypto.milenage import compute_opc
from ..crypto.secret import Key
from ..errors import InputError
from ..keyfile import Keys
from ..limits import MAX_DEPTH, seconds, too_deep
from ..trace.schema import Plmn, UeConfig
from .fields import (
    _NETWORK,
    _OPTIONS,
    _TOP_KEYS,
    _UE_KEYS,
    _UE_OBJ,
    OPS,
    _digits,
    _enum,
    _hex,
    _shown,
    _Spec,
    _str,
)
from .model import APP_MODES, INVARIANT_IDS, VERDICTS, Expect, NetworkSpec, Scenario, Step

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TOML_LINE = re.compile(r"at line (\d+)")


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
    """How the UE conceals its SUPI (docs/scenarios.md): profile A with the Annex C.4 key by
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

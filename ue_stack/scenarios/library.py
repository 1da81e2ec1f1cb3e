"""The built-in scenarios shipped beside this package (``simulate --list``, ``--show``) and
``load_scenario``, which takes a built-in's name or a file."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from ..errors import InputError, not_utf8
from ..inputs import TEXT_ENCODING, read_input
from ..keyfile import Keys
from .model import Scenario
from .parse import parse_scenario

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
# the folder of this package, where the built-in scenarios' TOML files are
_PACKAGE = __name__.rpartition(".")[0]


def builtin_text(name: str) -> str:
    """The TOML of a built-in scenario, as shipped (``simulate --show``)."""
    return resources.files(_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")


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
        for p in resources.files(_PACKAGE).iterdir()
        if p.name.endswith(".toml")
    )
    return [n for n in LIBRARY if n in shipped] + [n for n in shipped if n not in LIBRARY]


def builtin_scenarios() -> list[Scenario]:
    """Every built-in scenario, ``happy-path`` first."""
    return [load_scenario(name) for name in builtin_names()]

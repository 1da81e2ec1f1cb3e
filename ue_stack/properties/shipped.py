"""The parts of the shipped property file (``invariants.toml``) that are data, not prose:
NAS-2's allowed 5GMM transitions and SEC-1's reserved field names, spelled out from the
tables the model and the checker use. A test keeps the file equal to them; when a table
changes, ``python -m ue_stack.properties.shipped`` rewrites those two formulas in place.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from ..crypto.secret import SECRET_NAMES
from ..nas.states import ALLOWED_STATE_CHANGES

_STATE = 'event == "state" and layer == "5gmm"'


def _strings(values: list[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def nas2_formula() -> str:
    """Each 5GMM change starts where the previous one ended and is an allowed pair
    (``from == A and to in [...]``, one line per ``from`` state, sorted)."""
    by_from: dict[str, list[str]] = defaultdict(list)
    for from_, to in ALLOWED_STATE_CHANGES:
        by_from[from_].append(to)
    pairs = "\n       or ".join(f'(from == "{f}" and to in [{_strings(sorted(tos))}])'
                              for f, tos in sorted(by_from.items()))
    return (f"{_STATE}\n-> (not Y O ({_STATE})\n    or from == prev(to, {_STATE}))\n"
            f"   and ({pairs})")


def sec1_formula() -> str:
    """``not has(k) and not has(op) ...`` over the reserved names, sorted."""
    return " and ".join(f"not has({name})" for name in sorted(SECRET_NAMES))


# NAS-4 (TS 24.501 4.4.4.2), judged at the line that acts on a downlink
_DL = '(event == "n1" and dir == "dl")'
_SMC = '"security_mode_command"'
# the lines that act on the open downlink, and those that close it without acting
_ACT = ('((event == "n1" and dir == "ul") or (event == "state" and layer == "5gmm")'
        ' or event in ["kausf", "usim"] or (event == "primitive" and src == "nas"))')
_CLOSE = f'({_DL} or event in ["discarded", "input"] or {_ACT})'
_PENDING = f"Y ((not {_CLOSE}) S ({_DL} and has(sht)))"
# the rows of nas.protection.UNPROTECTED, by message (a test keeps the two in step)
UNPROTECTED_ROWS = {
    "identity_request": f"last(identity_type, {_DL}) == 1",
    "authentication_request": None,
    "authentication_result": None,
    "authentication_reject": None,
    "registration_reject": f"not last(cause, {_DL}) == 76",
    "service_reject": f"not last(cause, {_DL}) == 76",
    "deregistration_accept": f'prev(to, {_STATE}) == "5GMM-DEREGISTERED-INITIATED"',
}


def nas4_formula() -> str:
    """A downlink the UE must not process (4.4.4.2) is not acted on: judged at the line
    that acts on it (the invariant names the downlink's own line)."""
    released = sorted({s for pair in ALLOWED_STATE_CHANGES for s in pair
                       if s == "5GMM-NULL" or (s.startswith("5GMM-DEREGISTERED")
                                               and s != "5GMM-DEREGISTERED-INITIATED")})
    reset = (f'((event == "input" and action in ["lower_layer_failure", "power_off"])'
             f" or ({_STATE} and to in [{_strings(released)}]))")
    ngksi = (f"O ({_ACT} and {_PENDING} and last(msg, {_DL}) == {_SMC}"
             f" and last(ngksi, {_DL}) >= 0)")
    verified = (f"{_ACT} and {_PENDING} and last(sht, {_DL}) in [1, 2]"
                f' and not last(mac, {_DL}) == "failed" and {ngksi}')
    secure = (f'(not {reset}) S (((event == "n1" and dir == "ul"'
              f' and msg == "security_mode_complete")'
              f" or ({verified})) and not {reset})")
    allowed = " or ".join(f'(last(msg, {_DL}) == "{m}"' + (f" and {c})" if c else ")")
                          for m, c in UNPROTECTED_ROWS.items())
    return (f"{_ACT} and {_PENDING}\n"
            f"-> not ((last(msg, {_DL}) == {_SMC}\n"
            f'         and (not last(sht, {_DL}) == 3 or last(mac, {_DL}) == "failed"))\n'
            f"        or (not last(msg, {_DL}) == {_SMC}\n"
            f'            and (last(sht, {_DL}) == 0 or last(mac, {_DL}) == "failed")\n'
            f"            and (Y ({secure})\n"
            f"                 or not ({allowed}))))")


GENERATED = {"P-NAS-2": nas2_formula, "P-NAS-4": nas4_formula, "P-SEC-1": sec1_formula}


def regenerate(text: str) -> str:
    """``text`` (the file) with the generated formulas rewritten."""
    tables = text.split("[[property]]")
    for n, table in enumerate(tables):
        found = re.search(r'^id = "([^"]+)"', table, re.M)
        if found and found.group(1) in GENERATED:
            replacement = f"formula = '''\n{GENERATED[found.group(1)]()}\n'''"
            old = re.search(r"formula = '''.*?'''", table, re.S)
            if old is not None:
                tables[n] = table[:old.start()] + replacement + table[old.end():]
    return "[[property]]".join(tables)


if __name__ == "__main__":
    path = Path(__file__).with_name("invariants.toml")
    new = regenerate(path.read_text())
    changed = new != path.read_text()
    path.write_text(new)
    print(f"{path}: {'rewritten' if changed else 'already up to date'}", file=sys.stderr)

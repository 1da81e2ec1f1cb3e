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


GENERATED = {"P-NAS-2": nas2_formula, "P-SEC-1": sec1_formula}


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
